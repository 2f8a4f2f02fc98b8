"""The alert stage on a real Redis: store, indexed comparison, publish-once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis

from shared.detection import detect
from shared.domain.alerts import AlertKind
from shared.domain.claims import Claim
from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.events import ArticleClaims, ArticleMeta
from shared.store import AlertLog, RedisClaimStore
from shared.streams import Streams

UA = EntityRef(id="geo:690791", name="Ukraine", type=EntityType.PLACE, rank=PlaceRank.COUNTRY)
LUHANSK = EntityRef(
    id="geo:702657",
    name="Luhansk Oblast",
    type=EntityType.PLACE,
    rank=PlaceRank.ADMIN1,
    ancestors=(UA.id,),
    country="UA",
)
DONETSK = EntityRef(
    id="geo:709716",
    name="Donetsk Oblast",
    type=EntityType.PLACE,
    rank=PlaceRank.ADMIN1,
    ancestors=(UA.id,),
    country="UA",
)
CITY = EntityRef(
    id="geo:691999",
    name="Sievierodonetsk",
    type=EntityType.PLACE,
    rank=PlaceRank.CITY,
    ancestors=(LUHANSK.id, UA.id),
    country="UA",
)
T0 = datetime(2022, 5, 28, 9, tzinfo=UTC)


def batch(article: str, region: EntityRef, when: datetime, store: str) -> ArticleClaims:
    meta = ArticleMeta(id=article, source=f"source-{article}", published_at=when, store=store)
    claim = Claim(
        article_id=article,
        source=meta.source,
        published_at=when,
        store=store,
        subject=CITY,
        relation="located_in",
        object=region,
        time=when,
        sentence=f"The city is in {region.name}.",
        start=0,
        end=30,
    ).with_id()
    return ArticleClaims(article=meta, claims=[claim])


@pytest.fixture
async def stage(redis_url: str, prefix: str):
    client = aioredis.Redis.from_url(redis_url)
    streams = Streams(prefix)
    yield RedisClaimStore(client, streams), AlertLog(client, streams, 1000), client, streams
    await client.aclose()


async def test_conflicting_regions_alert_once_whatever_the_order(stage) -> None:
    store, log, client, streams = stage
    first = batch("a1", LUHANSK, T0, "s")
    second = batch("a2", DONETSK, T0 + timedelta(days=28), "s")
    assert await detect(store, first) == []
    alerts = await detect(store, second)
    assert [a.kind for a in alerts] == [AlertKind.LOCATION]
    alert = alerts[0]
    assert alert.new is not None and alert.previous is not None
    assert (alert.new.article_id, alert.previous.article_id) == ("a2", "a1")
    assert await log.publish(alert) is True

    # Redelivery of either article: the same alert id, nothing new on the stream.
    again = await detect(store, first)
    assert [a.id for a in again] == [alert.id]
    assert again[0].new is not None and again[0].new.article_id == "a2"
    assert await log.publish(again[0]) is False
    assert await client.xlen(streams.alerts) == 1


async def test_containment_and_other_stores_do_not_alert(stage) -> None:
    store, _log, _client, _streams = stage
    await detect(store, batch("a1", LUHANSK, T0, "s1"))
    assert await detect(store, batch("a2", UA, T0, "s1")) == []  # Luhansk Oblast is in Ukraine
    assert await detect(store, batch("a3", DONETSK, T0, "s2")) == []  # another store


async def test_storing_twice_keeps_one_claim(stage) -> None:
    store, _log, _client, _streams = stage
    b = batch("a1", LUHANSK, T0, "s")
    assert await store.add(b.claims) == 1
    assert await store.add(b.claims) == 0
    probe = batch("a9", DONETSK, T0, "s").claims[0]
    assert [c.id for c in await store.comparable(probe)] == [b.claims[0].id]
    assert await store.drop("s") >= 2
    assert await store.comparable(probe) == []
