"""Copies through the one ingest path (shared/ingest.py) with a real broker on a real Redis."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import redis
from faststream.redis import RedisBroker

from shared import metrics
from shared.ingest import publish_articles
from shared.settings import Settings
from shared.streams import Streams, entry_body
from tests.unit.test_copies import ORIGINAL, REWRITE


def line(url: str, source: str, text: str, store: str = "default") -> str:
    return json.dumps(
        {
            "url": url,
            "source": source,
            "title": "Severodonetsk",
            "text": text,
            "published_at": "2022-05-30T07:15:00Z",
            "store": store,
        }
    )


@pytest.fixture
def settings(redis_url: str, prefix: str) -> Settings:
    return Settings(redis_url=redis_url, stream_prefix=prefix)


@pytest.fixture
async def broker(redis_url: str) -> AsyncIterator[RedisBroker]:
    broker = RedisBroker(redis_url)
    await broker.connect()
    yield broker
    await broker.stop()


def published_ids(client: redis.Redis, streams: Streams) -> list[str]:
    return [entry_body(fields)["id"] for _id, fields in client.xrange(streams.articles)]


async def test_a_syndicated_copy_is_recorded_not_published_and_is_a_duplicate_next_time(
    broker: RedisBroker, settings: Settings, client: redis.Redis, prefix: str
) -> None:
    streams = Streams(prefix)
    copies_before = metrics.REGISTRY.get_sample_value("claimwatch_articles_copies_total") or 0
    copy_line = line(
        "https://yahoo.example/news/severodonetsk",
        "Yahoo News",
        "By Samya Kullab, Associated Press\n"
        + ORIGINAL
        + "\nThis article first appeared in AP News.",
    )
    report = await publish_articles(
        broker,
        [
            line("https://apnews.example/severodonetsk", "AP", ORIGINAL),
            copy_line,
            line("https://reuters.example/severodonetsk", "Reuters", REWRITE),
        ],
        settings,
    )
    original_id, copy_result, other_id = (r["id"] for r in report.results)
    assert report.published == [original_id, other_id]
    assert published_ids(client, streams) == [original_id, other_id]
    assert report.copies == [(copy_result, original_id)]
    assert report.results[1] == {
        "line": 2,
        "id": copy_result,
        "copy_of": original_id,
        "similarity": 1.0,
    }
    assert report.duplicates == [] and report.rejected == []
    assert client.smembers(streams.key("copies-of", "default", original_id)) == {
        copy_result.encode()
    }
    assert metrics.REGISTRY.get_sample_value("claimwatch_articles_copies_total") == (
        copies_before + 1
    )

    again = await publish_articles(broker, [copy_line], settings)
    assert again.duplicates == [copy_result] and again.copies == [] and again.published == []
    assert again.results == [{"line": 1, "id": copy_result, "duplicate": True}]
    assert published_ids(client, streams) == [original_id, other_id]


async def test_the_same_text_in_another_store_is_published(
    broker: RedisBroker, settings: Settings, client: redis.Redis, prefix: str
) -> None:
    report = await publish_articles(
        broker,
        [
            line("https://apnews.example/a", "AP", ORIGINAL, store="alpha"),
            line("https://yahoo.example/a", "Yahoo", ORIGINAL, store="beta"),
        ],
        settings,
    )
    assert len(report.published) == 2 and report.copies == []
    assert len(published_ids(client, Streams(prefix))) == 2
