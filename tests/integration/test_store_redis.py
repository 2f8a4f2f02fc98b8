"""RedisClaimStore on a real Redis (db 11): its Lua scripts summarise and select exactly as
the in-memory store does, storing twice or from two workers at once changes nothing, and
the desk's reads and `drop` see the new layout."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from redis.asyncio import Redis
from redis.crc import key_slot

from claimwatch.bench_store import ClaimFactory
from shared.claim_summary import signature
from shared.domain.alerts import Alert, AlertKind, Severity
from shared.domain.claims import Claim, Modality, Polarity
from shared.store import AlertLog, InMemoryClaimStore, RedisClaimStore
from shared.streams import Streams
from shared.summary_scripts import entry_of

T0 = datetime(2024, 5, 1, tzinfo=UTC)
RELATIONS = ("located_in", "controlled_by", "quantity:killed", "status")


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def streams(prefix: str) -> Streams:
    return Streams(prefix)


def claims(n: int, seed: int, store: str = "s") -> list[Claim]:
    """Claims on a few keys with a few values each, over six weeks, from ten outlets."""
    rng = random.Random(seed)
    factory = ClaimFactory(store, seed=seed, dissent=3)
    out = []
    for _ in range(n):
        base = factory.claim(rng.randrange(4), rng.choice(RELATIONS))
        when = T0 + timedelta(minutes=rng.randrange(42 * 24 * 60))
        out.append(
            base.model_copy(
                update={
                    "time": when,
                    "published_at": when,
                    "source": f"Outlet {rng.randrange(10)}",
                    "polarity": rng.choice((Polarity.ASSERTED,) * 4 + (Polarity.NEGATED,)),
                    "modality": rng.choice((Modality.FIRM,) * 4 + (Modality.HEDGED,)),
                }
            )
        )
    return out


async def summaries(client: Redis, store: RedisClaimStore, keys: set[tuple[str, str, str]]):  # type: ignore[no-untyped-def]
    out = {}
    for key in sorted(keys):
        raw = await client.hgetall(store.summary_key(*key))
        out[key] = {f: v for f, v in raw.items() if not f.startswith(b"b")}
    return out


async def test_the_scripts_agree_with_the_in_memory_store(aredis: Redis, streams: Streams) -> None:
    stored, probes = claims(1_500, seed=2), claims(150, seed=3)
    redis_store, memory = RedisClaimStore(aredis, streams), InMemoryClaimStore()
    for i in range(0, len(stored), 200):
        assert await redis_store.add(stored[i : i + 200]) == len(stored[i : i + 200])
    await memory.add(stored)
    compared = 0
    for probe in [*probes, *stored[:100]]:
        found = [c.id for c in await redis_store.comparable(probe)]
        assert sorted(found) == sorted(c.id for c in await memory.comparable(probe)), probe
        compared += len(found)
    assert compared > 500
    # the entries themselves, field by field
    for (s, subject, relation, tier, bucket), by_sig in memory._entries.items():
        key = redis_store.summary_key(s, subject, relation)
        for sig, entry in by_sig.items():
            raw = await aredis.hget(key, f"m{tier}:{bucket}:{sig}")
            assert raw is not None and entry_of(raw) == entry
    assert await redis_store.drop("s") >= 1_500


async def test_storing_twice_or_from_two_workers_at_once_changes_nothing(
    aredis: Redis, redis_url: str, streams: Streams
) -> None:
    batch = claims(600, seed=4)
    keys = {(c.store, c.subject.id, c.relation) for c in batch}
    one = RedisClaimStore(aredis, streams)
    other_client = Redis.from_url(redis_url)
    try:
        other = RedisClaimStore(other_client, streams)
        # two alert workers, each with every other article, at once, in small batches
        halves = [batch[0::2], batch[1::2]]
        news = await asyncio.gather(
            *(
                worker.add(half[i : i + 10])
                for worker, half in zip((one, other), halves, strict=True)
                for i in range(0, len(half), 10)
            )
        )
        assert sum(news) == 600
        first = await summaries(aredis, one, keys)
        # at-least-once delivery: everything again, in another order, changes nothing
        shuffled = list(batch)
        random.Random(1).shuffle(shuffled)
        assert await other.add(shuffled) == 0
        assert await summaries(aredis, one, keys) == first
    finally:
        await other_client.aclose()
    # the same entries as one worker adding them in order (sources are listed in arrival
    # order, so compared as sets)
    memory = InMemoryClaimStore()
    await memory.add(batch)
    for (s, subject, relation, tier, bucket), by_sig in memory._entries.items():
        for sig, entry in by_sig.items():
            got = entry_of(first[(s, subject, relation)][f"m{tier}:{bucket}:{sig}".encode()])
            assert (got.n, got.earliest, got.latest, got.by_source) == (
                entry.n, entry.earliest, entry.latest, entry.by_source,
            )  # fmt: skip
            assert set(got.sources) == set(entry.sources)


async def test_desk_reads_and_drop(aredis: Redis, streams: Streams) -> None:
    store = RedisClaimStore(aredis, streams)
    batch = claims(200, seed=6, store="desk")
    await store.add(batch)
    ids = [batch[5].id, "clm_missing", batch[0].id, batch[77].id]
    assert [c.id for c in await store.get_many("desk", ids)] == [ids[0], ids[2], ids[3]]
    assert await store.get_many("desk", []) == []
    c = batch[0]
    about = await store.claims_about("desk", c.subject.id, c.relation)
    same_key = [b for b in batch if (b.subject.id, b.relation) == (c.subject.id, c.relation)]
    assert sorted(x.id for x in about) == sorted(b.id for b in same_key)
    assert [x.time for x in about] == sorted(x.time for x in about)
    # a store whose name extends this one's ("desk:x") is not dropped with it
    other = [b.model_copy(update={"store": "desk:x"}) for b in batch[:20]]
    await store.add(other)
    log = AlertLog(aredis, streams, maxlen=100)
    alert = Alert(
        id=Alert.pair_id("desk", batch[0], batch[1]), kind=AlertKind.LOCATION,
        severity=Severity.HIGH, reason="test", store="desk", new=batch[0],
        previous=batch[1], created_at=T0,
    )  # fmt: skip
    assert await log.publish(alert) and not await log.publish(alert)
    marker = log.marker_key("desk", alert.id)
    assert key_slot(marker.encode()) == key_slot(streams.alerts.encode())
    assert await store.drop("desk") >= 200 + 1
    assert not await aredis.exists(marker)
    left = [k async for k in aredis.scan_iter(match=f"{streams.prefix}:*")]
    assert left and all(b"desk:x" in k or k == streams.alerts.encode() for k in left)
    assert len(await store.get_many("desk:x", [o.id for o in other])) == 20
    assert await store.drop("desk:x") == 20 + len({(o.subject.id, o.relation) for o in other}) * 2


async def test_a_hot_key_is_compared_without_a_cap(aredis: Redis, streams: Streams) -> None:
    """3,000 claims on one subject and relation: the check returns a few kept claims, and
    every signature in the window has one (the old store returned 500 and skipped the rest)."""
    store = RedisClaimStore(aredis, streams)
    factory = ClaimFactory("hot", dissent=4)
    hot = [factory.claim(0, "located_in") for _ in range(3_000)]
    await store.add(hot)
    probe = factory.claim(0, "located_in")
    found = await store.comparable(probe)
    in_lookback = {signature(c) for c in hot if abs(c.time - probe.time) <= timedelta(days=400)}
    assert {signature(c) for c in found} == in_lookback
    assert len(found) <= len(in_lookback) * 5  # five outlets at most per signature
    await store.drop("hot")


def test_the_bench_has_a_smoke_mode(redis_url: str) -> None:
    """`measure_store` with small totals on the shared server, its keys deleted after."""
    from claimwatch.bench_store import measure_store

    result = measure_store(
        redis_url, cluster=False, total=2_000, hot=300, probes=30, hot_probes=10,
        conflict_probes=2, cleanup=True,
    )  # fmt: skip
    assert result["skipped_hot"] == 0 and result["missed_conflicts_hot"] == 0
    assert result["compared_hot"] > 0 and len(result["keys_per_primary"]) == 1
    client = redis.Redis.from_url(redis_url)
    try:
        assert list(client.scan_iter(match="bench-store-*")) == []
    finally:
        client.close()
