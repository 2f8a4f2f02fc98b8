"""Webhook delivery: one durable queue and one asyncio worker per subscription.

The notifier's alert handler only enqueues (`enqueue`), so a slow or dead endpoint never
delays the consumption of alerts nor the deliveries to other subscriptions. Each
subscription's queue is the Redis stream `{prefix}:webhook:{subscription}` read by the
group `notifier`; a job is acked only once it was delivered (a `delivered` marker is set
first) or dead-lettered, so a notifier killed mid-retry loses nothing: the next one claims
the job after `claim_idle_ms` and, thanks to the marker, never sends a delivered alert twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from typing import Any

import httpx
import structlog
from faststream.redis import RedisBroker
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from shared import metrics
from shared.batches import flush_due, hold
from shared.domain.alerts import Alert
from shared.events import DeadLetter
from shared.runtime import leave_groups
from shared.sending import Job, attempt_job
from shared.settings import Settings
from shared.streams import NOTIFIER_GROUP, Streams
from shared.tasks import cancel_and_wait
from shared.webhooks import (
    Outcome,
    Subscription,
    SubscriptionStore,
    backoff_s,
    delivered_key,
    delivery_stream,
    queued_key,
)

log = structlog.get_logger("notifier")

# Enqueue a delivery once per (alert, subscription): marker and job written atomically.
_ENQUEUE_ONCE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
                    'alert_id', ARGV[3], 'subscription', ARGV[4], 'body', ARGV[5])
end
return false
"""


async def enqueue(
    redis: Redis,
    streams: Streams,
    settings: Settings,
    sub: Subscription,
    alert_id: str,
    body: str,
) -> bool:
    """Queue one delivery unless it was queued before; True when queued now."""
    script = redis.register_script(_ENQUEUE_ONCE)
    entry = await script(
        keys=[queued_key(streams, sub.id, alert_id), delivery_stream(streams, sub.id)],
        args=[settings.webhook_dedupe_ttl_s, settings.stream_maxlen, alert_id, sub.id, body],
    )
    return entry is not None


async def queue_alert(
    redis: Redis, streams: Streams, settings: Settings, sub: Subscription, alert: Alert
) -> bool:
    """Queue (or, for a batched subscription, hold) one alert once; True when done now."""
    body = alert.model_dump_json()
    if sub.batched:
        return await hold(redis, streams, settings, sub, alert, body)
    return await enqueue(redis, streams, settings, sub, alert.id, body)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class SubscriptionWorker:
    """Delivers the queue of one subscription, `webhook_concurrency` jobs at a time."""

    def __init__(
        self,
        sub: Subscription,
        redis: Redis,
        http: httpx.AsyncClient,
        broker: RedisBroker,
        settings: Settings,
        store: SubscriptionStore,
    ) -> None:
        self.sub = sub
        self._redis = redis
        self._http = http
        self._broker = broker
        self._settings = settings
        self._store = store
        self._streams = Streams.of(settings)
        self.stream = delivery_stream(self._streams, sub.id)
        self._slots = asyncio.Semaphore(max(1, settings.webhook_concurrency))
        self._jobs: set[asyncio.Task[None]] = set()
        self._in_flight: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self.disabled = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"webhook-{self.sub.id}")

    async def stop(self) -> None:
        """Stop reading; jobs in flight are cancelled and stay pending (claimed later). With
        nothing pending, this replica leaves the queue's group."""
        await cancel_and_wait(self._task, *self._jobs)
        with contextlib.suppress(RedisError, OSError):
            await leave_groups(
                self._redis, self._settings.consumer_name, [(self.stream, NOTIFIER_GROUP)]
            )

    async def _ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(self.stream, NOTIFIER_GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _read(self) -> list[tuple[bytes, dict[bytes, bytes]]]:
        consumer = self._settings.consumer_name
        claimed: Any = await self._redis.xautoclaim(
            self.stream,
            NOTIFIER_GROUP,
            consumer,
            min_idle_time=self._settings.claim_idle_ms,
            start_id="0-0",
            count=self._settings.webhook_concurrency,
        )
        entries = list(claimed[1]) if claimed else []
        if entries:
            return entries
        reply: Any = await self._redis.xreadgroup(
            NOTIFIER_GROUP,
            consumer,
            {self.stream: ">"},
            count=self._settings.webhook_concurrency,
            block=1_000,
        )
        return [e for _stream, batch in reply or [] for e in batch]

    async def _run(self) -> None:
        while True:
            try:
                await self._ensure_group()
                while True:
                    if self.sub.batched:
                        await flush_due(self._redis, self._streams, self._settings, self.sub.id)
                    for raw_id, fields in await self._read():
                        entry_id = _text(raw_id)
                        if not fields or entry_id in self._in_flight:
                            continue
                        await self._slots.acquire()
                        self._in_flight.add(entry_id)
                        task = asyncio.create_task(self._deliver(entry_id, fields))
                        task.add_done_callback(functools.partial(self._done, entry_id=entry_id))
                        self._jobs.add(task)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning(
                    "delivery queue unavailable; retrying",
                    subscription=self.sub.id,
                    error=repr(exc)[:300],
                )
                await asyncio.sleep(1.0)

    def _done(self, task: asyncio.Task[None], *, entry_id: str) -> None:
        self._jobs.discard(task)
        self._in_flight.discard(entry_id)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "delivery task failed; the job stays pending",
                subscription=self.sub.id,
                error=repr(task.exception())[:300],
            )

    async def _deliver(self, entry_id: str, fields: dict[bytes, bytes]) -> None:
        job = Job.from_fields({_text(k): _text(v) for k, v in fields.items()})
        done = {
            a
            for a in job.alert_ids
            if await self._redis.exists(delivered_key(self._streams, self.sub.id, a))
        }
        job = job.without(done)  # exactly once per alert id, even inside a replayed group
        if not job.alert_ids:
            await self._redis.xack(self.stream, NOTIFIER_GROUP, entry_id)
            metrics.WEBHOOK_DELIVERIES.labels(outcome="skipped").inc()
            return
        alert_id = job.alert_ids[0]
        outcome, attempts = await self._attempts(entry_id, job)
        await self._store.record_outcome(self.sub.id, alert_id, outcome, attempts)
        metrics.WEBHOOK_DELIVERIES.labels(outcome=outcome.kind).inc()  # delivered|failed|gone
        if outcome.kind == "delivered":
            for done_id in job.alert_ids:
                await self._redis.set(
                    delivered_key(self._streams, self.sub.id, done_id),
                    entry_id,
                    nx=True,
                    ex=self._settings.webhook_dedupe_ttl_s,
                )
            log.info(
                "delivered",
                alert_id=alert_id,
                alerts=len(job.alert_ids),
                subscription=self.sub.id,
                target=self.sub.shown_url(),
                status=outcome.status,
                attempts=attempts,
            )
        else:
            if outcome.kind == "gone":
                self.disabled = True
                await self._store.disable(self.sub.id, outcome.detail or "HTTP 410 Gone")
                log.warning(
                    "subscription disabled: the receiver answered 410 Gone",
                    subscription=self.sub.id,
                )
            await self._dead_letter(entry_id, fields, outcome, attempts)
        await self._redis.xack(self.stream, NOTIFIER_GROUP, entry_id)

    async def _hold(self, entry_id: str, delay_s: float) -> None:
        """Sleep until the next attempt while keeping the job ours: re-claiming it resets
        its idle time, so no claimer (here or in another replica) takes it over."""
        deadline = asyncio.get_running_loop().time() + delay_s
        step = max(0.05, self._settings.claim_idle_ms / 3_000)
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            with contextlib.suppress(RedisError, OSError):
                await self._redis.xclaim(
                    self.stream,
                    NOTIFIER_GROUP,
                    self._settings.consumer_name,
                    0,
                    [entry_id],
                    justid=True,
                )
            await asyncio.sleep(min(step, left))

    async def _attempts(self, entry_id: str, job: Job) -> tuple[Outcome, int]:
        settings = self._settings
        outcome = Outcome("failed", "not_attempted")
        for n in range(1, max(1, settings.webhook_max_attempts) + 1):
            if self.disabled:
                return Outcome(
                    "failed", "subscription_disabled", "the receiver answered 410"
                ), n - 1
            with metrics.stage("delivery"):
                outcome = await attempt_job(
                    self._http, self.sub, job, settings, self.sub.digest_s
                )
            if outcome.kind == "failed" and outcome.reason == "forbidden_target":
                return outcome, n - 1
            if outcome.kind != "retry":
                return outcome, n
            if n == settings.webhook_max_attempts:
                break
            metrics.WEBHOOK_DELIVERIES.labels(outcome="retry").inc()
            delay = backoff_s(n, settings.webhook_backoff_base_s, settings.webhook_backoff_max_s)
            if outcome.retry_after_s is not None:
                delay = min(max(delay, outcome.retry_after_s), settings.webhook_backoff_max_s)
            log.info(
                "delivery failed; retrying",
                alert_id=job.alert_ids[0],
                subscription=self.sub.id,
                target=self.sub.shown_url(),
                reason=outcome.reason,
                detail=outcome.detail[:300],
                attempt=n,
                retry_in_s=round(delay, 2),
            )
            await self._hold(entry_id, delay)
        return Outcome(
            "failed", f"max_attempts:{outcome.reason}", outcome.detail, outcome.status
        ), settings.webhook_max_attempts

    async def _dead_letter(
        self, entry_id: str, fields: dict[bytes, bytes], outcome: Outcome, attempts: int
    ) -> None:
        payload = json.dumps({_text(k): _text(v) for k, v in fields.items()})
        letter = DeadLetter(
            service="notifier",
            stream=self.stream,
            message_id=entry_id,
            error=outcome.detail or outcome.reason,
            reason=outcome.reason,
            payload=payload,
            attempts=max(1, attempts),
        )
        await self._broker.publish(
            letter, stream=self._streams.deadletter, maxlen=self._settings.stream_maxlen
        )
        log.warning(
            "delivery dead-lettered",
            alert_id=_text(fields.get(b"alert_id", b"")),
            subscription=self.sub.id,
            reason=outcome.reason,
            attempts=attempts,
        )


class DeliveryManager:
    """Keeps one worker per active subscription, following `claimwatch subscriptions`."""

    def __init__(
        self, redis: Redis, http: httpx.AsyncClient, broker: RedisBroker, settings: Settings
    ) -> None:
        self._redis = redis
        self._http = http
        self._broker = broker
        self._settings = settings
        self.store = SubscriptionStore(redis, Streams.of(settings), settings)
        self.workers: dict[str, SubscriptionWorker] = {}
        self._task: asyncio.Task[None] | None = None
        self._subs: list[Subscription] = []

    async def refresh(self) -> list[Subscription]:
        subs = await self.store.active()
        wanted = {s.id: s for s in subs}
        for sub_id in list(self.workers):
            worker = self.workers[sub_id]
            if sub_id not in wanted or wanted[sub_id] != worker.sub:
                await self.workers.pop(sub_id).stop()
        for sub_id, sub in wanted.items():
            if sub_id not in self.workers:
                worker = SubscriptionWorker(
                    sub, self._redis, self._http, self._broker, self._settings, self.store
                )
                worker.start()
                self.workers[sub_id] = worker
        self._subs = subs
        return subs

    async def subscriptions(self) -> list[Subscription]:
        return self._subs or await self.refresh()

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(RedisError, OSError):
                await self.refresh()
            await asyncio.sleep(2.0)

    async def start(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.refresh()
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        for worker in self.workers.values():
            await worker.stop()
        self.workers.clear()
