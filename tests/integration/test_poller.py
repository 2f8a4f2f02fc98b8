"""The poller (shared/polling.py, services/poller) against a news site on 127.0.0.1 and a
real Redis: what is ingested, what is skipped and why, conditional polls, backoff, a feed
that is gone, and two replicas that never fetch one feed at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from faststream.redis import RedisBroker
from redis.asyncio import Redis

from services.poller.handlers import PollLoop
from shared.fetch import Fetcher
from shared.polling import Poller
from shared.settings import Settings
from shared.sources import Source, SourceStore, parse_every
from shared.streams import Streams, entry_body
from tests.news_site import BOILERPLATE_WORDS, Site, serve


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as s:
        yield s


@pytest.fixture
def settings(redis_url: str, prefix: str) -> Settings:
    return Settings(
        redis_url=redis_url, stream_prefix=prefix, sources_allow_private=True,
        fetch_timeout_s=5.0, consumer_name="poller-a",
    )


@pytest.fixture
async def parts(settings: Settings) -> AsyncIterator[tuple[Poller, SourceStore]]:
    broker = RedisBroker(settings.effective_redis_url)
    await broker.connect()
    client = Redis.from_url(settings.effective_redis_url)
    store = SourceStore(client, Streams(settings.stream_prefix))
    async with Fetcher(settings) as fetcher:
        yield Poller(broker, store, fetcher, settings), store
    await client.aclose()
    await broker.stop()


def _articles(client: redis.Redis, prefix: str) -> list[dict[str, Any]]:
    entries: Any = client.xrange(f"{prefix}:articles")
    return [entry_body(fields) for _id, fields in entries]


def _dead(client: redis.Redis, prefix: str) -> list[str]:
    entries: Any = client.xrange(f"{prefix}:deadletter")
    return [entry_body(fields)["reason"] for _id, fields in entries]


async def test_a_feed_is_ingested_once_and_an_unchanged_one_costs_a_304(
    site: Site, parts: tuple[Poller, SourceStore], client: redis.Redis, prefix: str
) -> None:
    poller, store = parts
    source = Source(url=f"{site.base}/kyiv/feed.xml", kind="feed")
    await store.add(source)
    first = await poller.poll(source)
    assert len(first.published) == 1
    assert first.skipped == [(f"{site.base}/kyiv/video.html", "no_article_text")]
    (article,) = _articles(client, prefix)
    assert article["url"] == f"{site.base}/kyiv/shelling.html"  # canonical, utm_* dropped
    assert article["source"] == "Kyiv Daily"  # the feed's title
    assert article["published_at"].startswith("2022-05-30T07:15:00")  # the entry's date
    assert "Luhansk Oblast" in article["text"]
    assert not any(word in article["text"] for word in BOILERPLATE_WORDS)
    state = await store.state(source.id)
    assert state.last_status == 200 and state.items_seen == 2 and state.etag
    assert state.next_poll_at is not None and state.next_poll_at > datetime.now(UTC)

    second = await poller.poll(source)
    assert second.not_modified and second.published == [] and second.skipped == []
    assert site.count("/kyiv/feed.xml", 304) == 1
    assert site.count("/kyiv/shelling.html") == 1  # never fetched again
    assert len(_articles(client, prefix)) == 1
    assert "page:no_article_text" in _dead(client, prefix)


async def test_missing_pages_are_skipped_with_their_reason(
    site: Site, parts: tuple[Poller, SourceStore], client: redis.Redis, prefix: str
) -> None:
    poller, store = parts
    source = Source(url=f"{site.base}/wire/atom.xml")
    await store.add(source)
    result = await poller.poll(source)
    assert len(result.published) == 1  # relative links resolved against xml:base
    assert (f"{site.base}/wire/missing.html", "http_404") in result.skipped
    assert "page:http_404" in _dead(client, prefix)
    (article,) = _articles(client, prefix)
    assert article["source"] == "Wire Service"
    assert article["published_at"].startswith("2022-05-31T08:00:00")


async def test_gone_limited_and_broken_feeds(
    site: Site, parts: tuple[Poller, SourceStore], client: redis.Redis, prefix: str
) -> None:
    poller, store = parts
    gone = Source(url=f"{site.base}/gone.xml", kind="feed")
    limited = Source(url=f"{site.base}/limited.xml", kind="feed")
    broken = Source(url=f"{site.base}/broken.xml", kind="feed")
    for source in (gone, limited, broken):
        await store.add(source)
    assert (await poller.poll(gone)).error == "http_410"
    state = await store.state(gone.id)
    assert state.disabled and state.last_status == 410
    assert gone.id not in await store.due(limit=100)  # a 410 stops polling

    assert (await poller.poll(limited)).error == "http_429"
    state = await store.state(limited.id)
    assert state.failures == 1 and state.next_poll_at is not None
    assert state.next_poll_at >= datetime.now(UTC) + timedelta(seconds=110)  # Retry-After

    assert (await poller.poll(broken)).error == "malformed_feed"
    assert (await store.state(broken.id)).last_error
    reasons = _dead(client, prefix)
    assert {"source:http_410", "source:http_429", "source:malformed_feed"} <= set(reasons)
    assert _articles(client, prefix) == []


async def test_two_replicas_never_fetch_one_feed_at_once(
    site: Site, settings: Settings, client: redis.Redis, prefix: str
) -> None:
    async with RedisBroker(settings.effective_redis_url) as broker:
        loops = [
            PollLoop(broker, settings.model_copy(update={"consumer_name": f"poller-{n}"}))
            for n in range(3)
        ]
        for loop in loops:
            await loop.start()
        store = SourceStore(Redis.from_url(settings.effective_redis_url), Streams(prefix))
        source = Source(url=f"{site.base}/kyiv/feed.xml", kind="feed")
        await store.add(source)
        for _ in range(100):
            if (await store.state(source.id)).last_fetch_at is not None:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.5)  # every loop has looked at the due set since
        for loop in loops:
            await loop.stop()
    assert site.count("/kyiv/feed.xml") == 1
    assert len(_articles(client, prefix)) == 1


async def test_a_lease_is_held_by_one_owner(parts: tuple[Poller, SourceStore]) -> None:
    _, store = parts
    assert await store.lease("src_x", "a", 5)
    assert not await store.lease("src_x", "b", 5)
    await store.release("src_x", "b")  # not the holder: nothing happens
    assert not await store.lease("src_x", "b", 5)
    await store.release("src_x", "a")
    assert await store.lease("src_x", "b", 5)


def test_durations() -> None:
    assert parse_every("10m") == 600 and parse_every("1h30m") == 5400
    assert parse_every("90s") == 90
    for bad in ("ten", "10", "5x", ""):
        with pytest.raises(ValueError):
            parse_every(bad)
    assert json.loads(Source(url="https://a.example/rss").model_dump_json())["every_s"] == 600
