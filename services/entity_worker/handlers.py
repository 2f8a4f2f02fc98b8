"""Entity worker: parse each article once with spaCy and link its entities.

Articles are read in batches (`StreamSub(batch=True, max_records=N)`) and parsed together
with `nlp.pipe`. At-least-once holds per article:

* every output of a batch is published before the batch is acknowledged (FastStream acks
  the whole batch when the handler returns);
* an entry that is not a valid `Article` is dead-lettered at once (as the dead-letter
  middleware would do for a single message) and acked with the batch, so one bad line never
  holds up the others;
* if parsing fails, the batch is split and each article parsed alone; the ones that succeed
  are published and acked, the failing ones are left pending and the handler raises. The
  claimer (`on_reclaimed`, one article at a time through the dead-letter middleware) retries
  them after `claim_idle_ms` and dead-letters them after `max_deliveries` attempts.

Parsing runs in a worker thread so that the event loop (heartbeat, reads) stays responsive
during a batch; one batch is parsed at a time, so the pipeline object is never shared.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from faststream import AckPolicy
from faststream.redis import RedisRouter, StreamSub
from faststream.redis.annotations import Redis, RedisBatchStreamMessage, RedisBroker
from pydantic import ValidationError
from spacy.language import Language

from services.entity_worker.models import Article, ArticleEntities
from shared import metrics
from shared.deadletter import classify, payload_text
from shared.events import DeadLetter
from shared.nlp.docbin import encode_doc
from shared.nlp.pipeline import build_nlp, doc_mentions
from shared.runtime import claim, clone, handoff
from shared.settings import get_settings
from shared.streams import ENTITY_GROUP, Streams

SERVICE = "entity-worker"


settings = get_settings()
streams = Streams.of(settings)
router = RedisRouter()
log = structlog.get_logger(SERVICE)

# One publisher per partition: an article's parse goes to the entities stream of the
# partition it came from. Each entry carries a parse (~25 KB): the claim worker trims it.
entities = [
    router.publisher(
        stream=handoff(stream),
        schema=ArticleEntities,
        title="entities" if streams.partitions == 1 else f"entities-{i}",
    )
    for i, stream in enumerate(streams.all("entities"))
]


# articles partition -> its entities publisher: an article stays in the partition it came in
publisher_of = dict(zip(streams.all("articles"), entities, strict=True))


def nlp() -> Language:
    return build_nlp(settings.spacy_model, settings.cache_dir)


WARM_UP_TEXT = (
    "Officials in Kharkiv, a city in Kharkiv Oblast, said on Monday that at least 12 people "
    "were killed. The summit will be held in Geneva on 4 March, John Smith told Reuters."
)


def load_model() -> None:
    """Load the pipeline and run it once before the first message, so that start-up cost
    (model, gazetteer, lazily built tables) shows at start-up, not in the first batch."""
    nlp()(WARM_UP_TEXT)


def parse_articles(articles: list[Article]) -> list[ArticleEntities]:
    """One `nlp.pipe` over the batch; outputs in input order."""
    if not articles:
        return []
    texts = [a.text for a in articles]
    with metrics.stage("entity_parse", items=len(articles)):
        docs = nlp().pipe(texts, batch_size=len(texts))
        return [
            ArticleEntities(article=a.meta(), mentions=doc_mentions(doc), doc=encode_doc(doc))
            for a, doc in zip(articles, docs, strict=True)
        ]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def _dead_letter(
    broker: RedisBroker,
    stream: str,
    message_id: str,
    fields: dict[Any, Any],
    body: Any,
    exc: Exception,
) -> None:
    """What the dead-letter middleware does for a single message that can never succeed."""
    reason, error = classify(exc) or ("invalid_schema", str(exc)[:2_000])
    if reason in {"invalid_schema", "missing_fields"} and not isinstance(body, dict | list):
        reason, error = "invalid_json", f"message is not JSON ({error})"
    letter = DeadLetter(
        service=SERVICE,
        stream=stream,
        message_id=message_id,
        error=error,
        reason=reason,
        payload=payload_text(fields),
    )
    await broker.publish(letter, stream=streams.deadletter, maxlen=settings.stream_maxlen)
    metrics.DEAD_LETTERED.labels(reason=reason).inc()
    log.warning("message dead-lettered", message_id=message_id, reason=reason, error=error[:300])


async def on_articles(
    bodies: list[Any], message: RedisBatchStreamMessage, redis: Redis, broker: RedisBroker
) -> None:
    raw = message.raw_message
    stream = raw["channel"]  # the partition this batch came from
    ids = [_text(i) for i in raw["message_ids"]]
    fields: list[dict[Any, Any]] = list(raw["data"])
    articles: list[Article] = []
    article_ids: list[str] = []
    for message_id, body, entry in zip(ids, bodies, fields, strict=True):
        try:
            articles.append(Article.model_validate(body))
            article_ids.append(message_id)
        except ValidationError as exc:
            await _dead_letter(broker, stream, message_id, entry, body, exc)
    try:
        outputs = await asyncio.to_thread(parse_articles, articles)
        failed: list[tuple[str, Exception]] = []
    except Exception:
        outputs, failed = [], []
        for message_id, article in zip(article_ids, articles, strict=True):
            try:
                outputs += await asyncio.to_thread(parse_articles, [article])
            except Exception as exc:
                failed.append((message_id, exc))
    for output in outputs:
        await publisher_of[stream].publish(output)
    if failed:
        # Ack what succeeded (and what was dead-lettered); the failures stay pending for the
        # claimer, which retries them one at a time and dead-letters them in the end.
        failed_ids = {message_id for message_id, _ in failed}
        done = [i for i in ids if i not in failed_ids]
        if done:
            await redis.xack(stream, ENTITY_GROUP, *done)
        log.warning(
            "articles failed to parse; they stay pending for a retry",
            message_ids=sorted(failed_ids),
            error=repr(failed[0][1])[:500],
        )
        raise failed[0][1]


async def on_reclaimed(article: Article) -> ArticleEntities:
    """An article left pending (a dead replica's, or one that failed): one at a time, through
    the dead-letter middleware (retries counted, dead-lettered after `max_deliveries`)."""
    (output,) = await asyncio.to_thread(parse_articles, [article])
    return output


# Every replica reads every partition: a batch subscriber and its claimer per partition
# (each its own copy of the handler, since FastStream keeps publishers per handler).
for _partition, _stream in enumerate(streams.all("articles")):
    router.subscriber(
        stream=StreamSub(
            _stream,
            group=ENTITY_GROUP,
            consumer=settings.consumer_name,
            batch=True,
            max_records=settings.entity_batch_size,
            polling_interval=100,
        ),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title=SERVICE if streams.partitions == 1 else f"{SERVICE}-{_partition}",
    )(clone(on_articles))
    router.subscriber(
        stream=claim(_stream, ENTITY_GROUP, settings),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title=f"{SERVICE}-claimer-{_partition}",
        include_in_schema=False,
    )(entities[_partition](clone(on_reclaimed)))
