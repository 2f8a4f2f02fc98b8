"""What every service does the same way: broker, consumer groups, logging, lifecycle."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

import redis
import redis.asyncio as aioredis
import structlog
from faststream import FastStream
from faststream.redis import RedisBroker, RedisRouter, StreamSub

from shared.logs import configure_logging
from shared.settings import Settings
from shared.streams import Streams

# Seconds a stopping service waits for in-flight messages before it exits (SIGTERM).
GRACEFUL_TIMEOUT_S = 15.0
HEARTBEAT_TTL_S = 15


def consume(stream: str, group: str, settings: Settings) -> StreamSub:
    """A consumer-group subscription; every replica reads under its own consumer name."""
    return StreamSub(stream, group=group, consumer=settings.consumer_name, polling_interval=100)


def produce(stream: str, settings: Settings) -> StreamSub:
    """A publishing target trimmed approximately to the configured length."""
    return StreamSub(stream, maxlen=settings.stream_maxlen)


def ensure_groups(url: str, pairs: Iterable[tuple[str, str]]) -> None:
    """Create consumer groups at id 0 so a new group also reads entries published before it
    existed (FastStream would create it at `$` and skip the backlog)."""
    client = redis.Redis.from_url(url)
    try:
        for stream, group in pairs:
            try:
                client.xgroup_create(stream, group, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
    finally:
        client.close()


def build_app(
    service: str,
    settings: Settings,
    routers: Iterable[RedisRouter],
    groups: Iterable[tuple[str, str]] = (),
) -> tuple[FastStream, RedisBroker]:
    configure_logging(settings, service)
    log = structlog.get_logger(service)
    broker = RedisBroker(
        settings.effective_redis_url, logger=log, graceful_timeout=GRACEFUL_TIMEOUT_S
    )
    for router in routers:
        broker.include_router(router)
    group_list = list(groups)

    async def _groups() -> None:
        ensure_groups(settings.effective_redis_url, group_list)

    heartbeat = Heartbeat(settings, service)
    app = FastStream(
        broker,
        logger=log,
        on_startup=[_groups],
        after_startup=[heartbeat.start],
        on_shutdown=[heartbeat.stop],
    )
    return app, broker


def heartbeat_key(streams: Streams, service: str, consumer: str) -> str:
    return streams.key("alive", service, consumer)


class Heartbeat:
    """A key with a short TTL that a running service keeps refreshing: readiness for the
    launcher and liveness for healthchecks (a consumer group does not list a consumer until
    it has been delivered a message)."""

    def __init__(self, settings: Settings, service: str) -> None:
        self._url = settings.effective_redis_url
        self._key = heartbeat_key(Streams(settings.stream_prefix), service, settings.consumer_name)
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        client = aioredis.Redis.from_url(self._url)
        try:
            while True:
                with contextlib.suppress(aioredis.RedisError):
                    await client.set(self._key, "1", ex=HEARTBEAT_TTL_S)
                await asyncio.sleep(HEARTBEAT_TTL_S / 3)
        finally:
            with contextlib.suppress(aioredis.RedisError):
                await client.delete(self._key)
            await client.aclose()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._beat())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
