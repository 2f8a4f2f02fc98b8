"""RedisClaimStore and AlertLog on a real Redis: the API the alert worker relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from claimwatch.bench_store import ClaimFactory
from shared.domain.alerts import Alert, AlertKind, Severity
from shared.store import AlertLog, RedisClaimStore, _decode, _encode
from shared.streams import Streams


@pytest.fixture
async def aredis(redis_url: str):
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def test_encoding_round_trips_and_stays_small() -> None:
    factory = ClaimFactory("s")
    for i in range(50):
        claim = factory.claim(i)
        raw = _encode(claim)
        assert _decode(raw) == claim
        assert len(raw) < 600


async def test_add_is_idempotent_and_comparable_reads_the_window(aredis, prefix) -> None:
    store = RedisClaimStore(aredis, Streams(prefix), lookback=timedelta(days=30))
    factory = ClaimFactory("s1")
    base = factory.claim(7, "located_in")
    t0 = datetime(2024, 1, 10, tzinfo=UTC)
    near = [
        base.model_copy(update={"id": f"clm_{i}", "time": t0 + timedelta(days=i)}) for i in range(5)
    ]
    far = base.model_copy(update={"id": "clm_far", "time": t0 + timedelta(days=90)})
    other = factory.claim(8, "located_in")
    assert await store.add([*near, far, other]) == 7
    assert await store.add(near) == 0  # a replay stores nothing twice
    found = await store.comparable(near[0])
    assert sorted(c.id for c in found) == [f"clm_{i}" for i in range(1, 5)]
    assert all(c.subject.id == base.subject.id for c in found)
    assert await store.comparable(factory.claim(9, "located_in")) == []
    assert await store.drop("s1") >= 7
    assert await store.comparable(near[0]) == []


async def test_comparable_is_capped_by_the_limit(aredis, prefix) -> None:
    store = RedisClaimStore(aredis, Streams(prefix), limit=20)
    factory = ClaimFactory("s2")
    await store.add([factory.claim(0, "status") for _ in range(60)])
    probe = factory.claim(0, "status")
    assert len(await store.comparable(probe)) == 20


async def test_alert_log_publishes_an_alert_once(aredis, prefix) -> None:
    streams = Streams(prefix)
    log = AlertLog(aredis, streams, maxlen=1000)
    factory = ClaimFactory("s3")
    new, old = factory.claim(1, "located_in"), factory.claim(1, "located_in")
    alert = Alert(
        id=Alert.pair_id("s3", new, old),
        kind=AlertKind.LOCATION,
        severity=Severity.HIGH,
        reason="test",
        store="s3",
        new=new,
        previous=old,
        created_at=datetime.now(UTC),
    )
    assert await log.publish(alert) is True
    assert await log.publish(alert) is False
    assert await aredis.xlen(streams.alerts) == 1
