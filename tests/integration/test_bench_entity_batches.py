"""The batched entity worker (the throughput work of `claimwatch bench`): a batch with bad
entries publishes the good articles, dead-letters the bad ones, and leaves nothing pending."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
import redis
from faststream.redis.parser.binary import BinaryMessageFormatV1

from claimwatch.stack import Stack
from shared.events import Article
from shared.streams import ENTITY_GROUP, Streams, entry_body

pytestmark = pytest.mark.e2e


def _envelope(body: bytes) -> bytes:
    """A stream entry as FastStream's `publish` writes it."""
    return asyncio.run(
        BinaryMessageFormatV1.encode(
            message=body,
            reply_to=None,
            headers={"content-type": "application/json"},
            correlation_id="test",
        )
    )


def _bodies(client: redis.Redis, stream: str) -> list[dict]:
    return [entry_body(fields) for _id, fields in client.xrange(stream)]


def test_a_batch_with_bad_entries_publishes_the_good_ones(redis_url: str, prefix: str) -> None:
    streams = Streams(prefix)
    client = redis.Redis.from_url(redis_url)
    articles = [
        Article(
            id=f"art_batch{i}",
            source="Wire",
            title="t",
            text=f"Officials in Kharkiv said {i + 2} people were injured on Monday.",
            published_at=datetime(2024, 3, 1, tzinfo=UTC),
        )
        for i in range(3)
    ]
    # everything is on the stream before the worker starts, so it arrives as one batch
    client.xadd(streams.articles, {"__data__": _envelope(articles[0].model_dump_json().encode())})
    client.xadd(streams.articles, {"__data__": _envelope(b'{"schema_version": 1, "id": "x"}')})
    client.xadd(streams.articles, {"__data__": _envelope(articles[1].model_dump_json().encode())})
    client.xadd(streams.articles, {"__data__": _envelope(b'"just a string"')})
    client.xadd(streams.articles, {"__data__": _envelope(articles[2].model_dump_json().encode())})
    env = {"CLAIMWATCH_STREAM_PREFIX": prefix, "CLAIMWATCH_ENTITY_BATCH_SIZE": "16"}
    with Stack(redis_url, env=env, services=("entity_worker",)) as stack:
        stack.wait_ready()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            done = client.xlen(streams.entities) >= 3 and client.xlen(streams.deadletter) >= 2
            if done and client.xpending(streams.articles, ENTITY_GROUP)["pending"] == 0:
                break
            time.sleep(0.2)
    entities = _bodies(client, streams.entities)
    assert sorted(e["article"]["id"] for e in entities) == [a.id for a in articles]
    assert all(e["doc"] for e in entities)
    letters = _bodies(client, streams.deadletter)
    assert sorted(letter["reason"] for letter in letters) == ["invalid_json", "missing_fields"]
    assert client.xpending(streams.articles, ENTITY_GROUP)["pending"] == 0
    client.close()
