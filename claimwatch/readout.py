"""Read what claimwatch says about a stream of real news: every article in one claim store.

`claimwatch readout FILE` feeds a JSON-lines file of articles (the ingest shape) in order
through the same in-process stages as `claimwatch/inprocess.py` (linking, claim extraction,
the alert worker's stage over an in-memory store), all into one store, and writes one JSON
object per alert: kind, severity, reason, both sentences and both article ids. It exists so
that a person (or a blind reader) can judge every alert the system raises on real text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from claimwatch.inprocess import Linker, run_scenario
from shared.domain.alerts import Alert


def _articles(path: Path, limit: int | None) -> list[dict[str, Any]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line))
        if limit is not None and len(out) >= limit:
            break
    return out


def alert_record(alert: Alert) -> dict[str, Any]:
    """The parts of an alert a reader judges it by."""
    rec: dict[str, Any] = {
        "id": alert.id,
        "kind": str(alert.kind),
        "severity": str(alert.severity),
        "reason": alert.reason,
    }
    for side in ("new", "previous"):
        claim = getattr(alert, side)
        if claim is not None:
            rec[side] = {
                "article_id": claim.article_id,
                "subject": claim.subject.name,
                "relation": claim.relation,
                "sentence": claim.sentence,
            }
    if alert.mention is not None:
        rec["mention"] = {
            "text": alert.mention.text,
            "article_id": alert.mention.article_id,
            "sentence": alert.mention.sentence,
            "candidates": [c.entity.name for c in alert.mention.candidates],
        }
    return rec


def readout(path: Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    scenario = {"scenario": "readout", "articles": _articles(path, limit)}
    run = run_scenario(scenario, Linker())
    for alert in run.alerts:
        yield alert_record(alert)
