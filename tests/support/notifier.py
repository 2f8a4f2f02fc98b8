"""The notifier's delivery side, in process, for tests on a real Redis, and a poll-until."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from services.notifier.delivery import DeliveryManager
from shared.settings import Settings
from shared.streams import Streams
from shared.webhooks import Subscription


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


class NotifierHarness:
    """Redis, HTTP client, broker and the DeliveryManager, opened and closed together;
    tests add how they queue alerts (`send`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.streams = Streams(settings.stream_prefix)

    async def __aenter__(self) -> Any:
        url = self.settings.effective_redis_url
        self.redis = Redis.from_url(url)
        self.http = httpx.AsyncClient()
        self.broker = RedisBroker(url)
        await self.broker.connect()
        self.manager = DeliveryManager(self.redis, self.http, self.broker, self.settings)
        return self

    async def add(self, sub_id: str, url: str, **extra: Any) -> Subscription:
        sub = Subscription(id=sub_id, url=url, **extra)
        await self.manager.store.add(sub)
        return sub

    async def __aexit__(self, *_exc: object) -> None:
        await self.manager.stop()
        await self.broker.stop()
        await self.http.aclose()
        await self.redis.aclose()
