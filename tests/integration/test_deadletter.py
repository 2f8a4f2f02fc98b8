"""The dead-letter middleware and the claimer, on a real Redis with a real broker."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import redis
from faststream import AckPolicy
from faststream.redis import RedisRouter
from pydantic import BaseModel

from shared.runtime import build_app, consume, ensure_groups, produce
from shared.settings import Settings
from shared.streams import Streams, entry_body
from tests.support.notifier import wait_until as poll_until

GROUP = "test-worker"


class Ping(BaseModel):
    schema_version: int = 1
    id: str
    n: int


def dead_letters(client: redis.Redis, streams: Streams) -> list[Any]:
    return [entry_body(fields) for _id, fields in client.xrange(streams.deadletter)]


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 15.0) -> bool:
    """The shared poll, with this file's shorter deadline."""
    return await poll_until(predicate, timeout_s)


def make_app(settings: Settings, handler: Callable[[Ping], Any]) -> tuple[Any, Streams, str]:
    streams = Streams(settings.stream_prefix)
    source = streams.key("in")
    out = streams.key("out")
    router = RedisRouter()

    @router.subscriber(stream=consume(source, GROUP, settings), ack_policy=AckPolicy.NACK_ON_ERROR)
    @router.publisher(stream=produce(out, settings))
    async def on_ping(msg: Ping) -> dict[str, Any]:
        return await handler(msg)

    _app, broker = build_app("test-worker", settings, [router], groups=[(source, GROUP)])
    ensure_groups(settings.effective_redis_url, [(source, GROUP)])
    return broker, streams, source


@pytest.fixture
def settings(redis_url: str, prefix: str) -> Settings:
    return Settings(
        redis_url=redis_url,
        stream_prefix=prefix,
        consumer_name="tester-1",
        claim_idle_ms=300,
        max_deliveries=3,
    )


async def test_garbage_is_dead_lettered_at_once_and_good_messages_pass(
    settings: Settings, client: redis.Redis
) -> None:
    async def handler(msg: Ping) -> dict[str, Any]:
        return {"id": msg.id}

    broker, streams, source = make_app(settings, handler)
    async with broker:
        await broker.start()
        client.xadd(source, {"junk": "not a faststream message"})
        await broker.publish(b"{not json", stream=source)
        await broker.publish({"schema_version": 1, "id": "a"}, stream=source)  # n missing
        await broker.publish({"schema_version": 1, "id": "b", "n": "x"}, stream=source)
        await broker.publish({"schema_version": 1, "id": "ok", "n": 1}, stream=source)
        assert await wait_until(lambda: len(dead_letters(client, streams)) >= 4)
        assert await wait_until(lambda: client.xlen(streams.key("out")) == 1)
    letters = dead_letters(client, streams)
    reasons = sorted(letter["reason"] for letter in letters)
    assert reasons == ["invalid_json", "invalid_schema", "missing_fields", "missing_fields"]
    assert all(letter["attempts"] == 1 and letter["stream"] == source for letter in letters)
    # nothing left pending: each bad message was acked once dead-lettered
    assert client.xpending(source, GROUP)["pending"] == 0


async def test_a_failing_message_is_retried_by_the_claimer_then_dead_lettered(
    settings: Settings, client: redis.Redis
) -> None:
    calls: dict[str, int] = {}

    async def handler(msg: Ping) -> dict[str, Any]:
        calls[msg.id] = calls.get(msg.id, 0) + 1
        if msg.id == "poison" or (msg.id == "flaky" and calls[msg.id] == 1):
            raise RuntimeError(f"boom {msg.id}")
        return {"id": msg.id}

    broker, streams, source = make_app(settings, handler)
    async with broker:
        await broker.start()
        await broker.publish({"id": "poison", "n": 1}, stream=source)
        await broker.publish({"id": "flaky", "n": 2}, stream=source)
        await broker.publish({"id": "fine", "n": 3}, stream=source)
        assert await wait_until(lambda: len(dead_letters(client, streams)) == 1, 20)
        assert await wait_until(lambda: client.xlen(streams.key("out")) == 2)
    (letter,) = dead_letters(client, streams)
    assert letter["reason"] == "max_deliveries"
    assert letter["attempts"] == settings.max_deliveries
    assert "boom poison" in letter["error"]
    assert json.loads(letter["payload"])["id"] == "poison"
    assert calls == {"poison": 3, "flaky": 2, "fine": 1}
    assert client.xpending(source, GROUP)["pending"] == 0
