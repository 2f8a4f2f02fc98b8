"""Alert worker: store claims, compare them with stored ones, publish alerts once."""

from __future__ import annotations

from typing import Annotated

import structlog
from faststream import AckPolicy, Context
from faststream.redis import RedisRouter

from services.alert_worker.models import ArticleClaims, ArticleProcessed
from shared import metrics
from shared.articles import ArticleStore
from shared.desk_index import DeskIndex
from shared.detection import detect
from shared.runtime import clone, consume, produce
from shared.settings import get_settings
from shared.store import AlertLog, RedisClaimStore
from shared.streams import ALERT_GROUP, Streams

settings = get_settings()
streams = Streams.of(settings)
router = RedisRouter()
log = structlog.get_logger("alert-worker")


async def on_claims(
    msg: ArticleClaims,
    store: Annotated[RedisClaimStore, Context("claim_store")],
    alert_log: Annotated[AlertLog, Context("alert_log")],
    desk: Annotated[DeskIndex, Context("desk_index")],
    articles: Annotated[ArticleStore, Context("article_store")],
) -> ArticleProcessed:
    with metrics.stage("comparison"):
        alerts = await detect(store, msg)
    new: set[str] = set()
    for alert in alerts:
        if await alert_log.publish(alert):
            new.add(alert.id)
            metrics.ALERTS.labels(kind=alert.kind.value, severity=alert.severity.value).inc()
            log.info("alert", alert_id=alert.id, kind=alert.kind, reason=alert.reason)
    # For the analyst's desk: claims by entity, alerts by id, the article's claims.
    await desk.record(msg, alerts, new)
    await articles.add_claims(msg.article.store, msg.article.id, (c.id for c in msg.claims))
    return ArticleProcessed(
        article_id=msg.article.id,
        store=msg.article.store,
        claims=len(msg.claims),
        alerts=[a.id for a in alerts],
    )


# Every replica reads every partition; alerts and "processed" are one stream each.
for _partition in range(streams.partitions):
    router.subscriber(
        stream=consume(streams.stream("claims", _partition), ALERT_GROUP, settings),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title="alert-worker" if streams.partitions == 1 else f"alert-worker-{_partition}",
    )(
        router.publisher(stream=produce(streams.processed, settings), schema=ArticleProcessed)(
            clone(on_claims)
        )
    )
