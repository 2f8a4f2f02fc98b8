"""`claimwatch explain FILE|-`: what the system reads in articles, and why it alerts or not.

Runs JSON-lines articles (the ingest shape) through the same code the services run, in
process and without Redis: the entity pipeline, the clause frames, claim extraction, and
the comparison of every pair of claims on one key (subject and relation) across articles.
Per article it shows the frames of each sentence, the claims (span and key) and the claims
read from clauses the report does not assert, with the reason; per pair of claims whether
they conflict and why. With `--json` the last line is one object:

    {"articles": [{"id", "claims": [{..., "start", "end", "key"}], "dropped": [...],
                   "frames": [...]}],
     "pairs": [{"claims": [id, id], "conflict": bool, "reason": str}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import combinations
from typing import Any

from pydantic import ValidationError

from shared.domain.alerts import Outcome
from shared.domain.claims import Claim
from shared.domain.contradiction import compare
from shared.events import ArticleIn, ArticleMeta
from shared.nlp.claim_extraction import read_claims
from shared.nlp.claim_lexicon import Lexicon, load_lexicon
from shared.nlp.frames import Frame, read_frames
from shared.nlp.modality import mood


class ExplainInputError(ValueError):
    """A line that is not an article: the message names the line and what is wrong."""


def parse_articles(lines: Iterable[str]) -> list[ArticleIn]:
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(ArticleIn.model_validate_json(line))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "line"
            raise ExplainInputError(f"line {n}: {where}: {first['msg']}") from None
    return out


def claim_key(c: Claim) -> str:
    return f"{c.subject.id}|{c.relation}"


def _value(c: Claim) -> str:
    if c.object is not None:
        return c.object.name
    if c.value is not None:
        return c.value.text or f"{c.value.value:g}"
    if c.on_date is not None:
        return c.on_date.isoformat()
    return c.state or ""


def claim_record(c: Claim) -> dict[str, Any]:
    return {"id": c.id, "key": claim_key(c), "subject": c.subject.name,
            "relation": c.relation, "value": _value(c), "state": c.state,
            "polarity": str(c.polarity), "modality": str(c.modality),
            "attribution": c.attribution, "start": c.start, "end": c.end,
            "sentence": c.sentence}  # fmt: skip


def explain(articles: list[ArticleIn]) -> dict[str, Any]:
    """The explanation of a run of articles, in order, as one JSON-able object."""
    from shared.nlp.pipeline import build_nlp, link_doc

    nlp, lex = build_nlp(), load_lexicon()
    out_articles: list[dict[str, Any]] = []
    claims: list[Claim] = []
    for art in articles:
        meta = ArticleMeta(id=art.article_id(), source=art.source,
                           published_at=art.to_article().published_at, store=art.store)
        doc, mentions = link_doc(nlp, art.text)
        reading = read_claims(doc, mentions, meta)
        claims.extend(reading.claims)
        frames = [{"sentence": s.start_char,
                   "frames": [_frame_text(f, lex) for f in read_frames(s, lex)]}
                  for s in doc.sents]  # fmt: skip
        out_articles.append({
            "id": meta.id, "external_id": art.id, "source": art.source,
            "claims": [claim_record(c) for c in reading.claims],
            "dropped": [{**claim_record(c), "why": why} for c, why in reading.dropped],
            "frames": frames,
        })  # fmt: skip
    pairs = []
    for a, b in combinations(claims, 2):
        if a.article_id == b.article_id or claim_key(a) != claim_key(b):
            continue
        old, new = sorted((a, b), key=lambda c: (c.published_at, c.id))
        verdict = compare(new, old)
        pairs.append({"claims": [old.id, new.id],
                      "conflict": verdict.outcome is Outcome.CONTRADICTION,
                      "outcome": str(verdict.outcome),
                      "reason": verdict.reason or str(verdict.outcome)})  # fmt: skip
    return {"articles": out_articles, "pairs": pairs}


def _frame_text(frame: Frame, lex: Lexicon) -> str:
    why = mood(frame.head, lex)
    return frame.describe() + (f" [not asserted: {why}]" if why else "")


def render(result: dict[str, Any]) -> str:
    """The readable form: per article its claims and dropped claims, then the pairs."""
    lines: list[str] = []
    for art in result["articles"]:
        lines.append(f"article {art['id']} ({art['source']})")
        for c in art["claims"]:
            lines.append(f"  claim {c['key']} = {c['value']} {c['polarity']} {c['modality']}"
                         f" [{c['start']}:{c['end']}] {c['id']}")
        for c in art["dropped"]:
            lines.append(f"  no claim ({c['why']}): {c['key']} = {c['value']}")
        for s in art["frames"]:
            for f in s["frames"]:
                lines.append(f"    frame @{s['sentence']}: {f}")
    for p in result["pairs"]:
        flag = "CONFLICT" if p["conflict"] else p["outcome"]
        lines.append(f"pair {p['claims'][0]} / {p['claims'][1]}: {flag}: {p['reason']}")
    return "\n".join(lines)


def as_json_line(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, default=str)
