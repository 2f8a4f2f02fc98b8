"""Claim worker: extract typed claims from the entity worker's parse."""

from __future__ import annotations

from functools import lru_cache

import spacy
from faststream import AckPolicy
from faststream.redis import RedisRouter
from spacy.vocab import Vocab

from services.claim_worker.models import ArticleClaims, ArticleEntities
from shared import metrics
from shared.detection import ambiguous_mentions
from shared.nlp.claim_extraction import extract_claims
from shared.nlp.docbin import decode_doc
from shared.runtime import clone, consume, handoff
from shared.settings import get_settings
from shared.streams import CLAIM_GROUP, Streams

settings = get_settings()
streams = Streams.of(settings)
router = RedisRouter()


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    # The parse arrives with its strings; a blank English vocab supplies lexical attributes.
    return spacy.blank("en").vocab


async def on_entities(msg: ArticleEntities) -> ArticleClaims:
    doc = decode_doc(msg.doc, vocab())
    with metrics.stage("claim_extraction"):
        claims = [
            c.model_copy(update={"url": msg.article.url, "title": msg.article.title})
            for c in extract_claims(doc, msg.mentions, msg.article)
        ]
    metrics.CLAIMS_PER_ARTICLE.observe(len(claims))
    named = {c.subject.id for c in claims} | {c.object.id for c in claims if c.object}
    named |= {c.subject.linked for c in claims if c.subject.linked}  # keyed by name
    aliases: dict[str, set[str]] = {}
    for m in msg.mentions:
        if m.entity is not None and m.entity.id in named:
            aliases.setdefault(m.entity.id, set()).add(m.text[:200])
    return ArticleClaims(
        article=msg.article,
        claims=claims,
        ambiguous=ambiguous_mentions(msg.article, msg.mentions),
        aliases={k: sorted(v)[:20] for k, v in aliases.items()},
    )


# Every replica reads every partition; an article's claims go to its own partition's stream.
for _partition in range(streams.partitions):
    router.subscriber(
        stream=consume(streams.stream("entities", _partition), CLAIM_GROUP, settings),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title="claim-worker" if streams.partitions == 1 else f"claim-worker-{_partition}",
    )(
        router.publisher(
            stream=handoff(streams.stream("claims", _partition)), schema=ArticleClaims
        )(clone(on_entities))
    )
