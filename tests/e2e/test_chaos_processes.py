"""Real service processes on a real Redis: garbage on every stream, graceful shutdown, and
the chaos bad-input scenario."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from claimwatch.chaos import (
    Receiver,
    always,
    publish_synthetic_alerts,
    stream_entries,
)
from claimwatch.stack import Stack
from shared.runtime import GRACEFUL_TIMEOUT_S
from shared.streams import NOTIFIER_GROUP, Streams, entry_body
from shared.webhooks import Subscription, delivery_stream, generate_secret, subscriptions_key

pytestmark = pytest.mark.e2e

FAST = {
    "CLAIMWATCH_CLAIM_IDLE_MS": "1000",
    "CLAIMWATCH_MAX_DELIVERIES": "3",
    "CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE": "true",
}

text = st.text(max_size=60)
field_names = st.one_of(text, st.sampled_from(["__data__", "id", "alert", "kind", "text"]))
garbage_fields = st.dictionaries(
    field_names, st.one_of(text, st.binary(max_size=80)), min_size=1, max_size=5
)
json_garbage = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=10,
).map(lambda v: {"__data__": json.dumps(v)})


def dead_letter_ids(client: redis.Redis, streams: Streams) -> dict[str, str]:
    out = {}
    for _id, fields in stream_entries(client, streams.deadletter):
        body = entry_body(fields)
        if isinstance(body, dict) and body.get("message_id"):
            out[body["message_id"]] = body["reason"]
    return out


def test_garbage_on_every_stream_ends_on_the_dead_letter_stream(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    streams = Streams(prefix)
    client = redis.Redis.from_url(redis_url)
    sent: list[str] = []
    targets = [streams.articles, streams.entities, streams.claims, streams.alerts]
    env = {"CLAIMWATCH_STREAM_PREFIX": prefix, **FAST}
    with Stack(redis_url, env=env, log_dir=tmp_path / "logs") as stack:
        stack.wait_ready()

        @settings(
            max_examples=60,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.sampled_from(targets), st.one_of(garbage_fields, json_garbage))
        def feed(stream: str, fields: dict[str, str | bytes]) -> None:
            sent.append(client.xadd(stream, fields).decode())  # type: ignore[arg-type,union-attr]

        feed()
        groups = [
            (streams.articles, "entity-worker"),
            (streams.entities, "claim-worker"),
            (streams.claims, "alert-worker"),
            (streams.alerts, NOTIFIER_GROUP),
        ]

        def pending() -> dict[str, int]:
            return {s: int(client.xpending(s, g)["pending"]) for s, g in groups}

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            stack.check_alive()  # nothing crashed
            if set(sent) <= set(dead_letter_ids(client, streams)) and not any(pending().values()):
                break
            time.sleep(0.5)
        stack.check_alive()
        letters = dead_letter_ids(client, streams)
        missing = [m for m in sent if m not in letters]
        assert not missing, missing[:5]
        assert not any(pending().values()), pending()
    client.close()


def test_sigterm_returns_in_flight_deliveries_and_exits_in_bounded_time(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    streams = Streams(prefix)
    client = redis.Redis.from_url(redis_url)
    secret = generate_secret()
    env = {"CLAIMWATCH_STREAM_PREFIX": prefix, **FAST, "CLAIMWATCH_WEBHOOK_TIMEOUT_S": "30"}
    with Receiver(secret, always(204, delay_s=20.0)) as slow:
        sub = Subscription(id="slow", url=slow.url, secret=SecretStr(secret))
        client.hset(subscriptions_key(streams), sub.id, sub.stored_json())
        stack = Stack(redis_url, env=env, services=("notifier",), log_dir=tmp_path / "logs")
        stack.start()
        try:
            stack.wait_ready()
            import asyncio

            asyncio.run(publish_synthetic_alerts(redis_url, streams, 2))
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and len(slow.attempts) < 2:
                time.sleep(0.1)
            assert len(slow.attempts) == 2  # both requests in flight
            proc = stack.processes["notifier#0"]
            began = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(GRACEFUL_TIMEOUT_S + 10)
            took = time.monotonic() - began
        finally:
            stack.stop()
    assert code == 0
    assert took < GRACEFUL_TIMEOUT_S + 5
    # the deliveries were not lost: they are still pending on the subscription's queue
    queue = delivery_stream(streams, "slow")
    assert client.xpending(queue, NOTIFIER_GROUP)["pending"] == 2
    assert client.xpending(streams.alerts, NOTIFIER_GROUP)["pending"] == 0
    client.close()
