"""The claim store on a real Redis Cluster (three primaries with a replica each, on
loopback): a comparison's keys lie in one slot, a 20,000-claim hot key is compared without
skipping anything a full scan finds conflicting, and the desk's reads, `drop` and the alert
log work across primaries."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from claimwatch.bench_store import (
    HOT_SUBJECT,
    ClaimFactory,
    measure_store_async,
    missed_conflicts,
    skipped,
)
from claimwatch.localcluster import LocalCluster
from shared.claim_summary import Layout
from shared.connections import async_redis
from shared.domain.alerts import Alert, AlertKind, Severity
from shared.store import DEFAULT_LOOKBACK, AlertLog, RedisClaimStore
from shared.streams import Streams


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster() as c:
        yield c


@pytest.fixture
async def client(cluster: LocalCluster) -> AsyncIterator[Redis]:
    conn = async_redis(cluster.url, cluster=True)
    yield conn
    await conn.aclose()


@pytest.fixture
def streams() -> Streams:
    return Streams(f"cwtest-{uuid.uuid4().hex[:8]}")


async def test_a_comparison_touches_one_slot(
    cluster: LocalCluster, client: Redis, streams: Streams
) -> None:
    store = RedisClaimStore(client, streams)
    claim = ClaimFactory("one").claim(5, "quantity:killed")
    keys = [store.summary_key(claim.store, claim.subject.id, r) for r in ("status", "located_in")]
    keys.append(store.ids_key(claim.store, claim.subject.id, "status"))
    assert len({key_slot(k.encode()) for k in keys}) == 1  # one subject, one slot
    assert len({cluster.primary_for(k) for k in keys}) == 1
    # the scripts run on the node of the key's slot (a cross-slot key would be refused)
    assert await store.add([claim]) == 1 and await store.add([claim]) == 0
    probe = ClaimFactory("one", seed=3).claim(5, "quantity:killed")
    probe = probe.model_copy(update={"time": claim.time, "published_at": claim.time})
    assert [c.id for c in await store.comparable(probe)] == [claim.id]
    assert await store.drop("one") == 3


async def test_a_hot_key_of_20000_claims_is_compared_without_skipping(
    client: Redis, streams: Streams
) -> None:
    store = RedisClaimStore(client, streams)
    factory = ClaimFactory("hot")
    hot = [factory.claim(HOT_SUBJECT, "located_in") for _ in range(20_000)]
    for i in range(0, len(hot), 2_000):
        await store.add(hot[i : i + 2_000])
    layout = Layout(DEFAULT_LOOKBACK)
    full = compared = 0
    for _ in range(8):
        probe = factory.claim(HOT_SUBJECT, "located_in")
        found = await store.comparable(probe)
        assert 0 < len(found) <= 9 * 5  # nine values, five outlets: not 500, not 14,000
        assert skipped(layout, hot, probe, found) == 0
        conflicting, _found, missed = missed_conflicts(DEFAULT_LOOKBACK, hot, probe, found)
        assert missed == 0
        full += conflicting
        compared += len(found)
    assert full > 10 * compared  # a full scan compares (and alerts on) far more claims
    assert await store.drop("hot") == 20_000 + 2


async def test_desk_reads_drop_and_alerts_across_primaries(
    cluster: LocalCluster, client: Redis, streams: Streams
) -> None:
    store = RedisClaimStore(client, streams)
    factory = ClaimFactory("desk")
    batch = [factory.claim(subject) for subject in range(1, 200)]
    assert await store.add(batch) == len(batch)
    primaries = {cluster.primary_for(store.summary_key("desk", c.subject.id, c.relation))
                 for c in batch}  # fmt: skip
    assert len(primaries) == 3  # sharded by subject over the cluster
    ids = [batch[9].id, "clm_missing", batch[0].id, batch[150].id]
    assert [c.id for c in await store.get_many("desk", ids)] == [ids[0], ids[2], ids[3]]
    c = batch[0]
    assert [x.id for x in await store.claims_about("desk", c.subject.id, c.relation)] == [c.id]

    log = AlertLog(client, streams, maxlen=100)
    alert = Alert(
        id=Alert.pair_id("desk", batch[0], batch[1]), kind=AlertKind.LOCATION,
        severity=Severity.HIGH, reason="test", store="desk", new=batch[0],
        previous=batch[1], created_at=datetime.now(UTC),
    )  # fmt: skip
    assert await log.publish(alert) is True
    assert await log.publish(alert) is False
    assert await client.xlen(streams.alerts) == 1

    keys = {(b.subject.id, b.relation) for b in batch}
    assert await store.drop("desk") == len(batch) + 2 * len(keys) + 1  # and the marker
    left = [k async for k in client.scan_iter(match=f"*{streams.prefix}*", count=1000)]
    assert left == [streams.alerts.encode()]
    await client.delete(streams.alerts)


async def test_the_bench_measures_a_cluster(cluster: LocalCluster) -> None:
    """`claimwatch bench --cluster` in miniature: figures per primary, nothing skipped."""
    result = await measure_store_async(
        cluster.url, cluster=True, total=3_000, hot=600, probes=50, hot_probes=20,
        conflict_probes=3, cleanup=True,
    )  # fmt: skip
    assert result["skipped_hot"] == 0 and result["missed_conflicts_hot"] == 0
    assert 0 < result["compared_hot"] <= 45
    assert len(result["keys_per_primary"]) == 3 and min(result["keys_per_primary"]) > 0
    assert result["bytes_per_claim"] > 0 and result["check_us_hot"] > 0
    client = async_redis(cluster.url, cluster=True)
    try:
        assert [k async for k in client.scan_iter(match="bench-store-*")] == []
    finally:
        await client.aclose()
