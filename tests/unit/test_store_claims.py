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
    # five outlets report the same thing on five days, another outlet twice
    near = [
        base.model_copy(
            update={
                "id": f"clm_{i}",
                "article_id": f"art_{i}",
                "source": f"Outlet {min(i, 5)}",
                "sentence": f"Report {i} on {base.subject.name}.",
                "time": t0 + timedelta(days=i),
            }
        )
        for i in range(7)
    ]
    far = base.model_copy(update={"id": "clm_far", "article_id": "art_far",
                                  "time": t0 + timedelta(days=90)})  # fmt: skip
    other = factory.claim(8, "located_in")
    assert await store.add([*near, far, other]) == 9
    assert await store.add(near) == 0  # a replay stores nothing twice
    found = await store.comparable(near[0])
    # one claim per outlet stands for the signature: the first of each
    assert sorted(c.id for c in found) == [f"clm_{i}" for i in range(1, 6)]
    # a claim read from the same sentence (syndicated copy) is passed over for another
    copy = near[1].model_copy(update={"id": "clm_copy", "article_id": "art_copy"})
    assert sorted(c.id for c in await store.comparable(copy)) == [
        f"clm_{i}" for i in (0, 2, 3, 4, 5)
    ]
    assert all(c.subject.id == base.subject.id for c in found)
    assert await store.comparable(factory.claim(9, "located_in")) == []
    assert await store.drop("s1") >= 9
    assert await store.comparable(near[0]) == []


async def test_a_busy_key_is_compared_without_a_cap(aredis, prefix) -> None:
    """The store once returned at most 500 claims of a key; now every signature in the
    window is stood for, in a handful of claims."""
    store = RedisClaimStore(aredis, Streams(prefix))
    factory = ClaimFactory("s2")
    t0 = datetime(2024, 1, 10, tzinfo=UTC)
    stored = [
        c.model_copy(update={"time": t0 + timedelta(minutes=7 * i)})  # 600 claims in 3 days
        for i, c in enumerate(factory.claim(0, "status") for _ in range(600))
    ]
    await store.add(stored)
    probe = factory.claim(0, "status").model_copy(update={"time": t0 + timedelta(days=2)})
    window = timedelta(hours=48)
    found = await store.comparable(probe)
    near = {(c.state, c.source) for c in stored if abs(c.time - probe.time) <= window}
    assert {c.state for c in found} == {state for state, _ in near}
    assert len(found) <= len(near) == 20  # four states from five outlets: not 500 claims
    await store.drop("s2")


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
    # the marker lies in the alert stream's slot, outside the prefix the fixture cleans
    assert await RedisClaimStore(aredis, streams).drop("s3") == 1
