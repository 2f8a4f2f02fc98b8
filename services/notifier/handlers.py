"""Notifier: queue each alert on the alert stream for every subscription (webhook or Apprise
target) that wants it; `services.notifier.delivery` delivers the queues (retried, exactly
once per alert and subscription as far as the receiver can tell)."""

from __future__ import annotations

from typing import Annotated

import structlog
from faststream import AckPolicy, Context
from faststream.redis import RedisRouter
from redis.asyncio import Redis

from services.notifier.delivery import DeliveryManager, queue_alert
from services.notifier.models import AlertEntry
from shared.desk import DeskStore
from shared.runtime import consume
from shared.settings import get_settings
from shared.streams import NOTIFIER_GROUP, Streams

settings = get_settings()
streams = Streams.of(settings)
router = RedisRouter()
log = structlog.get_logger("notifier")


@router.subscriber(
    stream=consume(streams.alerts, NOTIFIER_GROUP, settings),
    ack_policy=AckPolicy.NACK_ON_ERROR,
    title="notifier",
)
async def on_alert(
    entry: AlertEntry,
    redis: Annotated[Redis, Context("redis")],
    deliveries: Annotated[DeliveryManager, Context("deliveries")],
    desk: Annotated[DeskStore, Context("desk")],
) -> None:
    mute = await desk.muting(entry.alert)
    if mute is not None:
        # Kept on the stream and listed by the desk (marked muted), but not sent.
        log.info("muted", alert_id=entry.id, mute=mute.id, what=mute.describe())
        return
    for sub in await deliveries.store.active():
        if sub.wants(entry.alert) and await queue_alert(redis, streams, settings, sub, entry.alert):
            log.info("queued", alert_id=entry.id, subscription=sub.id, batched=sub.batched)
