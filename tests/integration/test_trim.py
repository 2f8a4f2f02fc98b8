"""Hand-off streams are bounded by their consumer, and never lose a pending entry."""

from __future__ import annotations

import redis.asyncio as aioredis

from shared.runtime import trim_acknowledged


async def test_trim_drops_only_what_every_group_acknowledged(redis_url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    stream = f"{prefix}:handoff"
    ids = [await client.xadd(stream, {"n": str(i)}) for i in range(300)]
    await client.xgroup_create(stream, "fast", id="0")
    await client.xgroup_create(stream, "slow", id="0")
    # "fast" reads and acks everything; "slow" reads 200 and acks only the first 100.
    fast = await client.xreadgroup("fast", "c", {stream: ">"}, count=1000)
    await client.xack(stream, "fast", *[i for i, _ in fast[0][1]])
    slow = await client.xreadgroup("slow", "c", {stream: ">"}, count=200)
    await client.xack(stream, "slow", *[i for i, _ in slow[0][1][:100]])

    assert await trim_acknowledged(client, stream, maxlen=1000) == 0  # under the bound
    await trim_acknowledged(client, stream, maxlen=50)
    left = await client.xrange(stream)
    remaining = {entry_id for entry_id, _ in left}
    assert set(ids[100:]) <= remaining  # slow's pending (100-199) and unread (200-299) stay
    assert len(remaining) < 300  # acknowledged entries went
    pending = await client.xpending(stream, "slow")
    assert pending["pending"] == 100
    await client.aclose()


async def test_a_stream_nobody_reads_is_not_trimmed(redis_url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    stream = f"{prefix}:unread"
    for i in range(120):
        await client.xadd(stream, {"n": str(i)})
    assert await trim_acknowledged(client, stream, maxlen=10) == 0
    assert await client.xlen(stream) == 120
    await client.aclose()
