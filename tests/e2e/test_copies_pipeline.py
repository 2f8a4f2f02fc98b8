"""A syndicated copy through the running services adds no claim and no alert: the same two
contradicting articles in two stores, one of them also fed a copy, give the same alerts."""

from __future__ import annotations

import json

import pytest
import redis

from claimwatch.console import sample_feed
from claimwatch.feeding import publish_lines
from claimwatch.follow import positions, read_alerts, wait_processed
from claimwatch.stack import Stack
from shared.domain.alerts import AlertKind
from shared.settings import Settings
from shared.streams import Streams, entry_body

pytestmark = pytest.mark.e2e


def _articles() -> tuple[dict[str, str], dict[str, str]]:
    """The sample feed's Kyiv Post report (Severodonetsk in Luhansk Oblast, held by Ukraine)
    and the blog post that puts it in the DPR in Russian hands."""
    records = [json.loads(line) for line in sample_feed().read_text().splitlines() if line]
    by_source = {r["source"]: r for r in records}
    return by_source["Kyiv Post"], by_source["unknown-blog"]


def _line(record: dict[str, str], store: str, **changes: str) -> str:
    return json.dumps({**record, "store": store, **changes})


def test_a_syndicated_copy_adds_no_claims_and_no_alerts(
    redis_url: str, prefix: str, client: redis.Redis, tmp_path
) -> None:
    settings = Settings(stream_prefix=prefix, redis_url=redis_url)
    streams = Streams(prefix)
    held, taken = _articles()
    copy = {
        "url": "https://example.org/aggregator/2022/06/26/severodonnetsk-withdrawal",
        "source": "News Aggregator",
        "title": "Why the fall of Severodonnetsk matters",
        "text": taken["text"] + "\nThis article first appeared on unknown-blog.",
    }
    with Stack(redis_url, env={"CLAIMWATCH_STREAM_PREFIX": prefix}, log_dir=tmp_path) as stack:
        stack.wait_ready()
        cursors = positions(client, streams)
        plain = publish_lines(redis_url, [_line(held, "plain"), _line(taken, "plain")], settings)
        copied = publish_lines(
            redis_url,
            [_line(held, "copied"), _line(taken, "copied"), _line(taken, "copied", **copy)],
            settings,
        )
        assert len(plain.published) == 2 and plain.copies == []
        assert len(copied.published) == 2
        [(copy_id, original_id)] = copied.copies
        assert original_id == copied.published[1]
        ids = [*plain.published, *copied.published]
        assert wait_processed(client, streams, ids, cursors, timeout_s=180) == set()

        alerts = [a for _, a in read_alerts(client, streams)]
        processed = [entry_body(f) for _, f in client.xrange(streams.processed)]

    def shape(store: str) -> list[tuple[str, str, str, str]]:
        return sorted(
            (a.kind.value, a.new.subject.id, a.new.source, a.previous.source)
            for a in alerts
            if a.store == store and a.new is not None and a.previous is not None
        )

    assert any(a.kind is AlertKind.LOCATION for a in alerts if a.store == "copied")
    assert shape("copied") == shape("plain") != []
    assert len([a for a in alerts if a.store == "copied"]) == len(
        [a for a in alerts if a.store == "plain"]
    )
    # The copy was never processed, holds no claim, and no alert cites it or its source.
    assert copy_id not in {p["article_id"] for p in processed}
    claims = {
        store: sum(p["claims"] for p in processed if p["store"] == store)
        for store in ("plain", "copied")
    }
    assert claims["copied"] == claims["plain"] > 0
    stored = {
        store: len(list(client.scan_iter(match=streams.key("claim", store, "*"), count=1_000)))
        for store in ("plain", "copied")
    }
    assert stored["copied"] == stored["plain"] > 0
    cited = {c.source for a in alerts for c in (a.new, a.previous) if c is not None}
    assert "News Aggregator" not in cited
    assert all(
        copy_id not in {c.article_id for c in (a.new, a.previous) if c is not None}
        for a in alerts
    )
    assert client.smembers(streams.key("copies-of", "copied", original_id)) == {copy_id.encode()}
