"""Webhook delivery on a real Redis with real HTTP receivers: retries, exactly once per
(alert, subscription), dead letters, 410, slow endpoints, forbidden targets."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis
from pydantic import SecretStr
from redis.asyncio import Redis

from claimwatch.chaos import Receiver, accept, always, fail_first
from services.notifier.delivery import enqueue
from shared.settings import Settings
from shared.streams import Streams, entry_body
from shared.webhooks import (
    ForbiddenTarget,
    Subscription,
    SubscriptionStore,
    check_target,
    delivery_stream,
    generate_secret,
    subscriptions_key,
)
from tests.support.notifier import NotifierHarness, wait_until

SECRET = generate_secret()


def settings_for(redis_url: str, prefix: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "stream_prefix": prefix,
        "consumer_name": "notifier-test",
        "webhook_allow_private": True,
        "webhook_backoff_base_s": 0.05,
        "webhook_backoff_max_s": 0.2,
        "webhook_timeout_s": 1.0,
        "webhook_max_attempts": 5,
        "claim_idle_ms": 2_000,
        **extra,
    }
    return Settings(**values)


def letters(client: redis.Redis, streams: Streams) -> list[Any]:
    return [entry_body(fields) for _id, fields in client.xrange(streams.deadletter)]


class Notifier(NotifierHarness):
    """The notifier's delivery side, in process, with webhook subscriptions."""

    async def add(self, sub_id: str, url: str, **extra: Any) -> Subscription:
        return await super().add(sub_id, url, secret=SecretStr(SECRET), **extra)

    async def send(self, sub: Subscription, alert_id: str) -> bool:
        body = json.dumps({"id": alert_id, "kind": "location"})
        return await enqueue(self.redis, self.streams, self.settings, sub, alert_id, body)


@pytest.fixture
async def receivers() -> AsyncIterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for r in made:
        r.stop()


async def test_flaky_receiver_gets_every_alert_once_with_valid_signatures(
    redis_url: str, prefix: str, client: redis.Redis, receivers: list[Receiver]
) -> None:
    flaky = Receiver(SECRET, fail_first(3)).start()
    throttling = Receiver(SECRET, fail_first(1, 429, retry_after="0")).start()
    receivers += [flaky, throttling]
    async with Notifier(settings_for(redis_url, prefix)) as n:
        subs = [await n.add("flaky", flaky.url), await n.add("throttle", throttling.url)]
        await n.manager.start()
        ids = [f"alert-{i}" for i in range(10)]
        for alert_id in ids:
            for sub in subs:
                assert await n.send(sub, alert_id)
                assert not await n.send(sub, alert_id)  # enqueued once per (alert, sub)
        assert await wait_until(lambda: set(flaky.accepted()) == set(ids))
        assert await wait_until(lambda: set(throttling.accepted()) == set(ids))
        await asyncio.sleep(0.5)
    for r in (flaky, throttling):
        assert all(count == 1 for count in r.accepted().values()), r.accepted()
        assert r.all_verified()
        assert r.verified_ids() == set(ids)
    assert all(flaky.attempts[i] == 4 for i in ids)
    assert letters(client, Streams(prefix)) == []


async def test_a_redelivered_job_is_not_sent_twice(
    redis_url: str, prefix: str, client: redis.Redis, receivers: list[Receiver]
) -> None:
    rec = Receiver(SECRET).start()
    receivers.append(rec)
    streams = Streams(prefix)
    async with Notifier(settings_for(redis_url, prefix)) as n:
        sub = await n.add("one", rec.url)
        await n.manager.start()
        await n.send(sub, "alert-x")
        assert await wait_until(lambda: rec.accepted()["alert-x"] == 1)
        # as a replay or a crashed notifier would: the same job on the queue again
        client.xadd(
            delivery_stream(streams, "one"),
            {"alert_id": "alert-x", "subscription": "one", "body": "{}"},
        )
        await asyncio.sleep(1.5)
    assert rec.accepted()["alert-x"] == 1


async def test_client_errors_gone_and_hanging_targets(
    redis_url: str, prefix: str, client: redis.Redis, receivers: list[Receiver]
) -> None:
    bad = Receiver(SECRET, always(400)).start()
    gone = Receiver(SECRET, always(410)).start()
    hang = Receiver(SECRET, always(204, delay_s=3.0)).start()
    fine = Receiver(SECRET, accept).start()
    receivers += [bad, gone, hang, fine]
    settings = settings_for(redis_url, prefix, webhook_timeout_s=0.3, webhook_max_attempts=3)
    streams = Streams(prefix)
    async with Notifier(settings) as n:
        subs = {
            name: await n.add(name, r.url)
            for name, r in [("bad", bad), ("gone", gone), ("hang", hang), ("fine", fine)]
        }
        await n.manager.start()
        started = time.monotonic()
        for i in range(5):
            for sub in subs.values():
                await n.send(sub, f"a{i}")
        # the hanging endpoint does not hold up the healthy one
        assert await wait_until(lambda: len(fine.accepted()) == 5, 5)
        assert time.monotonic() - started < 3.0
        assert await wait_until(lambda: len(letters(client, streams)) >= 15, 30)
        assert await n.manager.store.disabled() == {"gone": "HTTP 410: "}
    by_sub: dict[str, list[dict[str, Any]]] = {}
    queues = {delivery_stream(streams, name): name for name in subs}
    for letter in letters(client, streams):
        by_sub.setdefault(queues[letter["stream"]], []).append(letter)
    assert {letter["reason"] for letter in by_sub["bad"]} == {"http_400"}
    assert all(letter["attempts"] == 1 for letter in by_sub["bad"])
    assert by_sub["hang"] and {x["reason"] for x in by_sub["hang"]} == {"max_attempts:timeout"}
    assert all(letter["attempts"] == 3 for letter in by_sub["hang"])
    gone_reasons = [letter["reason"] for letter in by_sub["gone"]]
    assert "http_410" in gone_reasons
    assert set(gone_reasons) <= {"http_410", "subscription_disabled"}
    assert len(gone.records) == 1 or set(gone_reasons) != {"subscription_disabled"}
    payload = json.loads(by_sub["bad"][0]["payload"])
    assert payload["subscription"] == "bad" and payload["alert_id"].startswith("a")


async def test_private_targets_are_refused_at_subscription_and_delivery_time(
    redis_url: str, prefix: str, client: redis.Redis
) -> None:
    for url in (
        "http://127.0.0.1:9/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/x",
        "http://[::1]/x",
        "http://localhost/x",
        "ftp://example.org/x",
    ):
        with pytest.raises(ForbiddenTarget):
            check_target(url, allow_private=False)
    check_target("http://127.0.0.1:9/x", allow_private=True)
    settings = settings_for(redis_url, prefix, webhook_allow_private=False)
    streams = Streams(prefix)
    store_client = Redis.from_url(redis_url)
    with pytest.raises(ForbiddenTarget):
        await SubscriptionStore(store_client, streams, settings).add(
            Subscription(id="x", url="http://127.0.0.1:9/", secret=SecretStr(SECRET))
        )
    await store_client.aclose()
    # stored while private targets were allowed, delivered after they were not
    sub = Subscription(id="sneaky", url="http://127.0.0.1:9/", secret=SecretStr(SECRET))
    client.hset(subscriptions_key(streams), sub.id, sub.stored_json())
    async with Notifier(settings) as n:
        await n.manager.start()
        await n.send(sub, "a1")
        assert await wait_until(lambda: len(letters(client, streams)) == 1)
    (letter,) = letters(client, streams)
    assert letter["reason"] == "forbidden_target"
    assert SECRET not in json.dumps(letter)
