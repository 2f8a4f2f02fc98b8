"""Score alerts against scenario expectations, exactly as /work/shared/eval/FORMAT.md says.

Pure: no Redis, no spaCy. Over all scenarios:
- true positive: an expected article pair (or ambiguous mention) that an alert matches;
- false positive: a contradiction alert whose pair is not expected (forbidden or unlisted),
  or an ambiguity alert for a mention that is not expected;
- false negative: an expected pair or mention that no alert matches.
An article pair counts once however many alerts link it; micro-averaged P/R/F1.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from shared.domain.alerts import Alert, AlertKind


def load_scenarios(path: str | Path) -> list[dict[str, Any]]:
    out = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


def _pair(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


def alert_keys(alerts: Iterable[Alert]) -> tuple[set[frozenset[str]], set[tuple[str, str]]]:
    """(contradiction article pairs, ambiguity (article, lower-cased mention))."""
    pairs: set[frozenset[str]] = set()
    mentions: set[tuple[str, str]] = set()
    for alert in alerts:
        if alert.kind == AlertKind.AMBIGUITY:
            if alert.mention is not None:
                mentions.add((alert.mention.article_id, alert.mention.text.lower()))
        elif alert.new is not None and alert.previous is not None:
            pairs.add(_pair(alert.new.article_id, alert.previous.article_id))
    return pairs, mentions


def score_one(scenario: Mapping[str, Any], alerts: Iterable[Alert]) -> dict[str, Any]:
    pairs, mentions = alert_keys(alerts)
    exp_pairs: set[frozenset[str]] = set()
    exp_mentions: set[tuple[str, str]] = set()
    for e in scenario.get("expect", []):
        if "between" in e:
            exp_pairs.add(_pair(*e["between"]))
        elif "ambiguous" in e:
            exp_mentions.add((e["article"], str(e["ambiguous"]).lower()))
    forbidden = {_pair(*f["between"]) for f in scenario.get("forbid", []) if "between" in f}
    tp_pairs = pairs & exp_pairs
    tp_mentions = mentions & exp_mentions
    fp_pairs = pairs - exp_pairs
    fp_mentions = mentions - exp_mentions
    fn_pairs = exp_pairs - pairs
    fn_mentions = exp_mentions - mentions

    def fmt(ps: set[frozenset[str]]) -> list[list[str]]:
        return sorted(sorted(p) for p in ps)

    return {
        "scenario": scenario.get("scenario", ""),
        "tp": len(tp_pairs) + len(tp_mentions),
        "fp": len(fp_pairs) + len(fp_mentions),
        "fn": len(fn_pairs) + len(fn_mentions),
        "true_positives": fmt(tp_pairs) + [list(m) for m in sorted(tp_mentions)],
        "false_positives": fmt(fp_pairs) + [list(m) for m in sorted(fp_mentions)],
        "forbidden_hit": fmt(fp_pairs & forbidden),
        "false_negatives": fmt(fn_pairs) + [list(m) for m in sorted(fn_mentions)],
    }


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score(
    scenarios: Iterable[Mapping[str, Any]],
    alerts_by_scenario: Mapping[str, Iterable[Alert]],
) -> dict[str, Any]:
    """Micro-averaged precision, recall and F1 with per-scenario detail."""
    details = []
    tp = fp = fn = 0
    for sc in scenarios:
        d = score_one(sc, alerts_by_scenario.get(sc.get("scenario", ""), []))
        details.append(d)
        tp, fp, fn = tp + d["tp"], fp + d["fp"], fn + d["fn"]
    precision, recall, f1 = prf(tp, fp, fn)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1,
            "scenarios": details}  # fmt: skip
