"""The poller's loop: every second, take the sources that are due, lease each one (so two
replicas never fetch one feed at once), and poll it (shared/polling.py) with at most
`poller_concurrency` polls in flight."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import structlog
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from shared.connections import async_redis
from shared.fetch import Fetcher
from shared.polling import LEASE_S, Poller
from shared.settings import Settings, get_settings
from shared.sources import SourceStore
from shared.streams import Streams
from shared.tasks import cancel_and_wait

settings = get_settings()
log = structlog.get_logger("poller")


class PollLoop:
    def __init__(self, broker: RedisBroker, settings: Settings) -> None:
        self._broker = broker
        self._settings = settings
        self._redis: Redis | None = None
        self._fetcher: Fetcher | None = None
        self._task: asyncio.Task[None] | None = None
        self._polls: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._redis = async_redis(self._settings.effective_redis_url)
        self._fetcher = Fetcher(self._settings)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        await cancel_and_wait(self._task, *self._polls)
        if self._fetcher is not None:
            await self._fetcher.aclose()
        if self._redis is not None:
            await self._redis.aclose()

    async def _run(self) -> None:
        assert self._redis is not None and self._fetcher is not None
        store = SourceStore(self._redis, Streams.of(self._settings))
        poller = Poller(self._broker, store, self._fetcher, self._settings)
        while True:
            with contextlib.suppress(OSError, ConnectionError):
                await self._start_due(store, poller)
            await asyncio.sleep(1.0)

    async def _start_due(self, store: SourceStore, poller: Poller) -> None:
        room = self._settings.poller_concurrency - len(self._polls)
        for sid in await store.due(limit=max(room, 0)):
            if await store.lease(sid, self._settings.consumer_name, LEASE_S):
                task = asyncio.create_task(self._poll(store, poller, sid))
                self._polls.add(task)
                task.add_done_callback(self._polls.discard)

    async def _poll(self, store: SourceStore, poller: Poller, sid: str) -> None:
        try:
            source = await store.find(sid)
            if source is None:
                return
            result = await poller.poll(source)
            log.info(
                "polled", url=source.url, published=len(result.published),
                known=len(result.known), skipped=len(result.skipped), error=result.error,
                not_modified=result.not_modified,
            )
        except Exception as exc:  # one source's surprise never stops the loop
            log.error("poll failed", source=sid, error=repr(exc)[:500])
            with contextlib.suppress(Exception):  # and is not retried every second
                state = await store.state(sid)
                state.last_error = f"internal error: {exc!r}"[:500]
                state.next_poll_at = datetime.now(UTC) + timedelta(seconds=LEASE_S)
                await store.save_state(sid, state)
        finally:
            await store.release(sid, self._settings.consumer_name)
