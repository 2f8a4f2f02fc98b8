"""Notifier: deliver each alert on the alert stream to the webhook subscriptions."""

from __future__ import annotations

from typing import Annotated

import httpx
import structlog
from faststream import AckPolicy, Context
from faststream.redis import RedisRouter

from services.notifier.models import AlertEntry
from shared.runtime import consume
from shared.settings import get_settings
from shared.streams import NOTIFIER_GROUP, Streams
from shared.webhooks import Subscription, signed_headers

settings = get_settings()
streams = Streams(settings.stream_prefix)
router = RedisRouter()
log = structlog.get_logger("notifier")


def subscriptions() -> list[Subscription]:
    if not settings.webhook_url:
        return []
    return [Subscription(id="default", url=settings.webhook_url, secret=settings.webhook_secret)]


@router.subscriber(
    stream=consume(streams.alerts, NOTIFIER_GROUP, settings),
    ack_policy=AckPolicy.NACK_ON_ERROR,
    title="notifier",
)
async def on_alert(entry: AlertEntry, http: Annotated[httpx.AsyncClient, Context("http")]) -> None:
    body = entry.alert.model_dump_json()
    for sub in subscriptions():
        if not sub.wants(entry.alert):
            continue
        response = await http.post(
            sub.url, content=body, headers=signed_headers(sub.secret, entry.id, body)
        )
        response.raise_for_status()
        log.info("delivered", alert_id=entry.id, subscription=sub.id, status=response.status_code)
