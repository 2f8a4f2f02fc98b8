"""`upgrade_keys` on a real Redis written in the earlier key layout: claims compared again
through the new summaries, queues renamed with their pending entries, nothing left behind,
and a second run moves nothing."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from claimwatch.bench_store import ClaimFactory
from claimwatch.upgrade import upgrade_keys
from shared.sources import SHARD
from shared.store import AlertLog, RedisClaimStore
from shared.streams import NOTIFIER_GROUP, Streams
from shared.webhooks import delivered_key, delivery_stream


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_an_old_layout_is_moved_in_place(aredis: Redis, prefix: str) -> None:
    streams = Streams(prefix)
    factory = ClaimFactory("default", seed=3)
    claims = [factory.claim(7, "located_in", article=i).with_id() for i in range(3)]
    for claim in claims:  # the earlier layout: a zlib body per id and an index per key
        body = zlib.compress(claim.model_dump_json().encode())
        await aredis.set(streams.key("claim", "default", claim.id), body)
        index = streams.key("idx", "default", claim.subject.id, claim.relation)
        await aredis.zadd(index, {claim.id: claim.time.timestamp()})
    await aredis.set(streams.key("alert", "default", "alr_1"), "alr_1")
    await aredis.hset(streams.key("sources"), "src_1", "{}")
    await aredis.sadd(streams.key("sources", "seen", "src_1"), "https://example.org/a")
    queue = streams.key("webhook", "hook")  # the queue was "<prefix>:webhook:<subscription>"
    await aredis.xgroup_create(queue, NOTIFIER_GROUP, id="0", mkstream=True)
    await aredis.xadd(queue, {"alert_id": "alr_1", "subscription": "hook", "body": "{}"})
    await aredis.xreadgroup(NOTIFIER_GROUP, "old-notifier", {queue: ">"})
    await aredis.set(streams.key("webhook", "delivered", "hook", "alr_0"), "1")

    moved = await upgrade_keys(aredis, streams)

    assert moved["claims"] == 3 and moved["old_indexes"] == 1
    assert moved["alert_markers"] == 1 and moved["sources"] == 2 and moved["webhook_keys"] == 2
    store = RedisClaimStore(aredis, streams)
    newest = claims[-1]
    assert {c.id for c in await store.comparable(newest)} >= {claims[0].id}
    assert {c.id for c in await store.get_many("default", [c.id for c in claims])} == {
        c.id for c in claims
    }
    assert await aredis.exists(AlertLog(aredis, streams, 0).marker_key("default", "alr_1"))
    assert await aredis.hget(streams.key("sources", shard=SHARD), "src_1") == b"{}"
    assert await aredis.exists(delivered_key(streams, "hook", "alr_0"))
    pending = await aredis.xpending(delivery_stream(streams, "hook"), NOTIFIER_GROUP)
    assert pending["pending"] == 1  # the renamed queue kept its group and its pending entry
    old = [k async for k in aredis.scan_iter(match=f"{prefix}:*") if b"{" not in k]
    assert all(k.startswith(f"{prefix}:claim:".encode()) for k in old), old
    assert set((await upgrade_keys(aredis, streams)).values()) == {0}
