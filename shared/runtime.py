"""What every service does the same way: broker, consumer groups, logging, lifecycle."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import types
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, TypeVar, cast

import redis
import redis.asyncio as aioredis
import structlog
from faststream import FastStream
from faststream.redis import RedisBroker, RedisRouter, StreamSub
from faststream.specification import AsyncAPI

from shared import metrics
from shared.connections import async_redis, make_broker, sync_redis
from shared.deadletter import dead_letter_middleware
from shared.logs import configure_logging
from shared.settings import Settings
from shared.streams import Streams, heartbeat_key, heartbeat_pattern
from shared.tasks import cancel_and_wait

# Seconds a stopping service waits for in-flight messages before it exits (SIGTERM).
GRACEFUL_TIMEOUT_S = 15.0
HEARTBEAT_TTL_S = 15


def consume(stream: str, group: str, settings: Settings) -> StreamSub:
    """A consumer-group subscription; every replica reads under its own consumer name."""
    return StreamSub(stream, group=group, consumer=settings.consumer_name, polling_interval=100)


def claim(stream: str, group: str, settings: Settings) -> StreamSub:
    """The claimer of a consumer group: takes over entries pending longer than
    `claim_idle_ms` (a dead replica's, or a failed attempt awaiting its retry)."""
    return StreamSub(
        stream,
        group=group,
        consumer=settings.consumer_name,
        min_idle_time=settings.claim_idle_ms,
        polling_interval=min(1_000, max(100, settings.claim_idle_ms // 4)),
    )


F = TypeVar("F", bound=Callable[..., Any])


def clone(func: F) -> F:
    """A copy of a handler function, to register under another subscriber: FastStream keeps
    a handler's publishers on the handler, so each partition's subscriber needs its own
    copy (same code, globals and annotations, so its typed arguments resolve the same)."""
    copy = types.FunctionType(
        func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__
    )
    copy.__annotations__ = dict(func.__annotations__)
    copy.__doc__, copy.__qualname__ = func.__doc__, func.__qualname__
    copy.__module__ = func.__module__
    copy.__kwdefaults__ = func.__kwdefaults__
    return cast(F, copy)


def add_claimers(broker: RedisBroker, settings: Settings) -> int:
    """Give every consumer-group subscriber a twin on the same group that only reclaims
    (XAUTOCLAIM) and runs the same handler with the same publishers; returns how many."""
    added = 0
    for sub in list(broker.subscribers):
        stream_sub = getattr(sub, "stream_sub", None)
        if stream_sub is None or not stream_sub.group or stream_sub.min_idle_time is not None:
            continue
        claimer = broker.subscriber(
            stream=claim(stream_sub.name, stream_sub.group, settings),
            ack_policy=sub.ack_policy,
            title=f"{stream_sub.group}-claimer",
            include_in_schema=False,
        )
        for call in sub.calls:
            claimer(call.handler)
        added += 1
    return added


def produce(stream: str, settings: Settings) -> StreamSub:
    """A publishing target trimmed approximately to the configured length: for streams that
    people and clients read (alerts, processed), not for hand-offs between services."""
    return StreamSub(stream, maxlen=settings.stream_maxlen)


def handoff(stream: str) -> StreamSub:
    """A stream between two services: never trimmed on publish (MAXLEN would also drop
    entries still pending); its consumer trims what every group has acknowledged
    (`trim_acknowledged`)."""
    return StreamSub(stream)


def _id(entry_id: bytes | str) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


async def trim_acknowledged(client: aioredis.Redis, stream: str, maxlen: int) -> int:
    """Once a stream is longer than `maxlen`, drop the entries every consumer group has
    acknowledged (XTRIM MINID below the oldest pending or undelivered entry of every group);
    entries still pending are never dropped. Returns how many were removed."""
    if await client.xlen(stream) <= maxlen:
        return 0
    groups = await client.xinfo_groups(stream)
    if not groups:
        return 0  # nobody has read it yet: keep everything
    floor: tuple[int, int] | None = None
    for group in groups:
        summary = await client.xpending(stream, group["name"])
        keep = summary["min"] if summary["pending"] else group["last-delivered-id"]
        floor = _id(keep) if floor is None else min(floor, _id(keep))
    assert floor is not None
    removed: int = await client.xtrim(stream, minid=f"{floor[0]}-{floor[1]}", approximate=True)
    return removed


def ensure_groups(
    url: str, pairs: Iterable[tuple[str, str]], *, cluster: bool | None = None
) -> None:
    """Create consumer groups at id 0 so a new group also reads entries published before it
    existed (FastStream would create it at `$` and skip the backlog)."""
    client = sync_redis(url, cluster=cluster)
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
    *,
    claimers: bool = True,
    trim: Iterable[tuple[str, int]] = (),
) -> tuple[FastStream, RedisBroker]:
    """Broker and app of one service: dead-letter middleware on every subscriber, a claimer
    per consumer group (see `add_claimers`), groups created at id 0, a heartbeat, Prometheus
    metrics (FastStream's and ours, `shared.metrics`) served from start-up on."""
    configure_logging(settings, service)
    log = structlog.get_logger(service)
    broker = make_broker(
        settings.effective_redis_url,
        logger=log,
        graceful_timeout=GRACEFUL_TIMEOUT_S,
        # The metrics middlewares see a handler's exception even when the dead-letter one
        # then swallows it: that happens on exit, outside every consume_scope.
        middlewares=[
            metrics.prometheus_middleware(service),
            metrics.HandledMiddleware,
            dead_letter_middleware(service, settings),
        ],
    )
    for router in routers:
        broker.include_router(router)
    if claimers:
        add_claimers(broker, settings)
    group_list = list(groups)

    async def _groups() -> None:
        ensure_groups(settings.effective_redis_url, group_list)

    async def _metrics() -> None:
        # On start-up, not on import (`faststream docs gen` imports the app); before the
        # heartbeat starts, so its first beat can carry `metrics.serving_url()`.
        metrics.start_metrics_server(settings, service)

    heartbeat = Heartbeat(
        settings, service, trim=list(trim), groups=group_list, details=heartbeat_details
    )
    app = FastStream(
        broker,
        logger=log,
        on_startup=[_metrics, _groups],
        after_startup=[heartbeat.start],
        on_shutdown=[heartbeat.stop],
        after_shutdown=[heartbeat.leave, metrics.stop_metrics_server],
        specification=AsyncAPI(
            title=f"claimwatch {service}",
            version=package_version(),
            description=f"The {service} of claimwatch: what it reads and publishes.",
        ),
    )
    return app, broker


def package_version() -> str:
    try:
        return metadata.version("claimwatch")
    except metadata.PackageNotFoundError:  # running from a source tree without install
        return "0.0.0"


def http_options(prog: str, setting: str, argv: list[str] | None) -> tuple[str | None, int | None]:
    """`--host`/`--port` of an HTTP service (`python -m services.X` passes its own
    arguments). Without `argv`, as under `claimwatch service NAME`, the settings decide: the
    process's own arguments (`service NAME`) are not the service's."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--host", default=None, help=f"default: CLAIMWATCH_{setting}_HOST")
    parser.add_argument(
        "--port", type=int, default=None, help=f"default: CLAIMWATCH_{setting}_PORT"
    )
    options = parser.parse_args([] if argv is None else argv)
    return options.host, options.port


def heartbeat_details() -> dict[str, str]:
    """What a beat tells `claimwatch status` beyond being alive."""
    return {"metrics_url": metrics.serving_url() or "", "handled": str(metrics.messages_handled())}




# A consumer that owns nothing and has been idle this long, with no live heartbeat, is a
# leftover of a replica that stopped without leaving (killed): the heartbeat removes it.
STALE_CONSUMER_MS = 10 * 60 * 1000


async def leave_groups(
    client: aioredis.Redis, consumer: str, groups: Iterable[tuple[str, str]]
) -> None:
    """XGROUP DELCONSUMER for this replica where it owns no pending entry. A consumer with
    pending entries stays: deleting it would drop them from the pending list, and nobody
    would ever claim them again."""
    for stream, group in groups:
        with contextlib.suppress(aioredis.RedisError):
            rows = await client.xpending_range(stream, group, "-", "+", 1, consumername=consumer)
            if not rows:
                await client.xgroup_delconsumer(stream, group, consumer)


async def prune_consumers(
    client: aioredis.Redis, streams: Streams, groups: Iterable[tuple[str, str]]
) -> list[str]:
    """Remove consumers that own nothing, sat idle for STALE_CONSUMER_MS and have no live
    heartbeat; returns their names."""
    live = {
        key.decode().rsplit(":", 1)[-1]
        async for key in client.scan_iter(match=heartbeat_pattern(streams), count=500)
    }
    removed: list[str] = []
    for stream, group in groups:
        for info in await client.xinfo_consumers(stream, group):
            name = _text(info["name"])
            if info["pending"] == 0 and info["idle"] > STALE_CONSUMER_MS and name not in live:
                await client.xgroup_delconsumer(stream, group, name)
                removed.append(name)
    return removed


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Heartbeat:
    """A hash with a short TTL that a running service keeps refreshing: readiness for the
    launcher, liveness for healthchecks and what `claimwatch status` shows (a consumer group
    does not list a consumer until it has been delivered a message). On the same beat it
    trims the streams it consumes and, now and then, prunes dead consumers; on a clean stop
    it leaves its consumer groups."""

    PRUNE_EVERY = 12  # beats (one minute)

    def __init__(
        self,
        settings: Settings,
        service: str,
        trim: list[tuple[str, int]] | None = None,
        groups: list[tuple[str, str]] | None = None,
        details: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self._trim = trim or []  # (stream, maxlen) this service consumes and keeps bounded
        self._groups = groups or []
        self._details = details
        self._url = settings.effective_redis_url
        self._streams = Streams.of(settings)
        self._consumer = settings.consumer_name
        self._key = heartbeat_key(self._streams, service, settings.consumer_name)
        self._fields = {
            "service": service,
            "consumer": settings.consumer_name,
            "host": socket.gethostname(),
            "pid": str(os.getpid()),
            "started_at": _now(),
        }
        self._task: asyncio.Task[None] | None = None

    def fields(self) -> dict[str, str]:
        extra = self._details() if self._details is not None else {}
        return {**self._fields, **extra, "beat_at": _now()}

    async def _beat(self) -> None:
        client = async_redis(self._url)
        beats = 0
        try:
            while True:
                with contextlib.suppress(aioredis.RedisError):
                    mapping: dict[Any, Any] = self.fields()
                    async with client.pipeline(transaction=True) as pipe:
                        pipe.hset(self._key, mapping=mapping)
                        pipe.expire(self._key, HEARTBEAT_TTL_S)
                        await pipe.execute()
                    for stream, maxlen in self._trim:
                        await trim_acknowledged(client, stream, maxlen)
                    if beats % self.PRUNE_EVERY == 0:
                        await prune_consumers(client, self._streams, self._groups)
                beats += 1
                await asyncio.sleep(HEARTBEAT_TTL_S / 3)
        finally:
            with contextlib.suppress(aioredis.RedisError):
                await client.delete(self._key)
            await client.aclose()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._beat())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    async def leave(self) -> None:
        """After the broker stopped: leave the consumer groups (see `leave_groups`)."""
        client = async_redis(self._url)
        try:
            await leave_groups(client, self._consumer, self._groups)
        finally:
            await client.aclose()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
