"""Entity-linking evaluation over a labelled JSONL set.

Each line: {"text": ..., "mention": "...", "expected": "<canonical id>" | null,
            "ambiguous": bool}
- `expected: null` means the mention must stay unlinked (no entity, or a `name:` id);
- `ambiguous: true` means the mention must be flagged ambiguous (its link is not scored).

    claimwatch el-eval [FILE]   (default: the set shipped in claimwatch/data)
"""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.language import Language

from shared.domain.entities import Mention

# Shipped inside the package, so `claimwatch el-eval` works from an installed wheel.
DEFAULT_SET = Path(str(resources.files("claimwatch") / "data" / "entity_linking.jsonl"))


def _find_mention(mentions: list[Mention], start: int, end: int) -> Mention | None:
    best: Mention | None = None
    best_overlap = 0
    for m in mentions:
        overlap = min(end, m.end) - max(start, m.start)
        if overlap > best_overlap:
            best, best_overlap = m, overlap
    return best


def predicted_id(m: Mention | None) -> str | None:
    if m is None or m.entity is None or m.entity.id.startswith("name:"):
        return None
    return m.entity.id


def evaluate(path: str | Path = DEFAULT_SET, nlp: Language | None = None) -> dict[str, Any]:
    """Accuracy of links and precision/recall of ambiguity flags over a labelled set."""
    from shared.nlp.pipeline import build_nlp, link_doc

    if nlp is None:
        nlp = build_nlp()
    items = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()
             if line.strip()]
    correct = 0
    tp = fp = fn = 0
    errors: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for item in items:
        text, surface = item["text"], item["mention"]
        start = text.find(surface)
        if start < 0:
            raise ValueError(f"mention {surface!r} not in its text")
        _, mentions = link_doc(nlp, text)
        m = _find_mention(mentions, start, start + len(surface))
        want_amb = bool(item.get("ambiguous", False))
        got_amb = bool(m is not None and m.ambiguous)
        got = predicted_id(m)
        expected = item.get("expected")
        if want_amb:
            ok = got_amb
        elif expected is None:
            # unresolvable: must not be linked to a gazetteer place or curated region
            ok = not got_amb and (got is None or not got.startswith(("geo:", "region:")))
        else:
            ok = not got_amb and got == expected
        tp += want_amb and got_amb
        fp += got_amb and not want_amb
        fn += want_amb and not got_amb
        if ok:
            correct += 1
        else:
            errors.append({"mention": surface, "expected": item.get("expected"),
                           "expected_ambiguous": want_amb, "got": got,
                           "got_ambiguous": got_amb, "span": m.text if m else None,
                           "label": m.label if m else None, "text": text})
    n = len(items)
    return {
        "items": n,
        "correct": correct,
        "accuracy": correct / n if n else 0.0,
        "ambiguity_precision": tp / (tp + fp) if tp + fp else 1.0,
        "ambiguity_recall": tp / (tp + fn) if tp + fn else 1.0,
        "ambiguity": {"tp": tp, "fp": fp, "fn": fn},
        "seconds": round(time.perf_counter() - t0, 2),
        "errors": errors,
    }


def format_report(result: dict[str, Any]) -> str:
    lines = [
        f"items: {result['items']}  correct: {result['correct']}  "
        f"accuracy: {result['accuracy']:.3f}",
        f"ambiguity precision: {result['ambiguity_precision']:.3f}  "
        f"recall: {result['ambiguity_recall']:.3f}  {result['ambiguity']}",
        f"time: {result['seconds']}s",
    ]
    for e in result["errors"]:
        lines.append(
            f"  MISS {e['mention']!r}: expected {e['expected']}"
            f"{' (ambiguous)' if e['expected_ambiguous'] else ''}, got {e['got']}"
            f"{' (ambiguous)' if e['got_ambiguous'] else ''} [span {e['span']!r} {e['label']}]"
        )
    return "\n".join(lines)

