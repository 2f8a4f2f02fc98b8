"""One poll of one source: fetch it (conditionally), read it as a feed (or as a page), fetch
each new item's page, turn it into an article and publish it through the one ingest path.

Used by the poller service (services/poller) on a schedule, and by `claimwatch demo
--sources` once per source. What went wrong with a source or an item is a reason: on the
source's state (`claimwatch sources list`) and on the dead-letter stream.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from faststream.redis import RedisBroker

from shared.errors import Rejected
from shared.events import DeadLetter
from shared.feeds import Feed, FeedEntry, parse_feed
from shared.fetch import Fetched, Fetcher, FetchError, backoff_s
from shared.ingest import IngestReport, publish_articles
from shared.pages import Page, extract_page
from shared.settings import Settings
from shared.sources import Source, SourceState, SourceStore
from shared.streams import Streams

log = structlog.get_logger("poller")
SEEN_TTL_S = 90 * 24 * 3600  # links remembered this long; feeds rarely keep items longer
# A poll that takes longer than this (many slow pages) may be started again elsewhere; the
# ingest path's duplicate check absorbs the overlap.
LEASE_S = 600.0


@dataclass
class PollResult:
    """What one poll did: article ids published (and duplicates or copies of known ones),
    items skipped with their reason, and the source's error if the poll failed."""

    published: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (link, reason)
    error: str | None = None
    not_modified: bool = False


def next_poll(source: Source, now: datetime) -> datetime:
    """The interval with ±10 % jitter, so sources added together drift apart."""
    return now + timedelta(seconds=source.every_s * random.uniform(0.9, 1.1))


class Poller:
    def __init__(
        self, broker: RedisBroker, store: SourceStore, fetcher: Fetcher, settings: Settings
    ) -> None:
        self._broker = broker
        self._store = store
        self._fetcher = fetcher
        self._settings = settings
        self._streams = Streams.of(settings)

    async def poll(self, source: Source) -> PollResult:
        state = await self._store.state(source.id)
        result = PollResult()
        now = datetime.now(UTC)
        state.last_fetch_at = now
        try:
            fetched = await self._fetcher.get(
                source.url, etag=state.etag, last_modified=state.last_modified,
                respect_robots=source.kind == "page",
            )
        except FetchError as exc:
            await self._failed(source, state, exc, result)
            return result
        state.last_status, state.failures, state.last_error = fetched.status, 0, None
        state.next_poll_at = next_poll(source, now)
        if fetched.not_modified:
            result.not_modified = True
        else:
            state.etag, state.last_modified = fetched.etag, fetched.last_modified
            await self._read(source, state, fetched, result)
        await self._store.save_state(source.id, state)
        return result

    async def _failed(
        self, source: Source, state: SourceState, exc: FetchError, result: PollResult
    ) -> None:
        state.failures += 1
        state.last_error, result.error = str(exc), exc.reason
        state.last_status = _status_of(exc.reason)
        if exc.reason == "http_410":
            state.disabled = f"410 Gone at {datetime.now(UTC):%Y-%m-%d %H:%M}Z"
        delay = backoff_s(state.failures, exc.retry_after_s, base_s=min(source.every_s, 300))
        state.next_poll_at = datetime.now(UTC) + timedelta(seconds=delay)
        await self._dead_letter(source.url, f"source:{exc.reason}", str(exc))
        await self._store.save_state(source.id, state)
        log.warning("source failed", url=source.url, reason=exc.reason, retry_in_s=round(delay))

    async def _read(
        self, source: Source, state: SourceState, fetched: Fetched, result: PollResult
    ) -> None:
        feed = None
        if source.kind != "page":
            try:
                feed = parse_feed(fetched.content, fetched.url, fetched.headers.get("content-type"))
            except Rejected as exc:
                if source.kind == "feed" or exc.reason != "not_a_feed":
                    state.last_error, result.error = str(exc), exc.reason
                    await self._dead_letter(source.url, f"source:{exc.reason}", str(exc))
                    return
        if feed is None:  # a page source, or an `auto` source that is not a feed
            await self._page(source, fetched.url, None, fetched, result)
            state.items_seen += len(result.published) + len(result.known)
            return
        state.feed_title = feed.title or state.feed_title
        links = [e.link for e in feed.entries]
        new = set(await self._store.unseen(source.id, links))
        for entry in feed.entries:
            if entry.link in new:
                await self._page(source, entry.link, entry, None, result, feed)
        state.items_seen += len(new)

    async def _page(
        self,
        source: Source,
        link: str,
        entry: FeedEntry | None,
        fetched: Fetched | None,
        result: PollResult,
        feed: Feed | None = None,
    ) -> None:
        """Fetch (unless given), extract and publish one page; a permanent failure marks the
        link seen (never retried), a transient one leaves it for the next poll."""
        try:
            page_fetch = fetched or await self._fetcher.get(link, respect_robots=True)
            page = extract_page(page_fetch.text(), page_fetch.url)
        except FetchError as exc:
            await self._skip(source, link, exc.reason, str(exc), result, permanent=exc.permanent)
            return
        except Rejected as exc:
            await self._skip(source, link, exc.reason, str(exc), result, permanent=True)
            return
        report = await self._publish(source, page, entry, feed)
        result.published += report.published
        result.known += [*report.duplicates, *(r["id"] for r in report.results if "copy_of" in r)]
        for letter in report.rejected:
            result.skipped.append((link, letter.reason))
        await self._store.mark_seen(source.id, link, SEEN_TTL_S)

    async def _publish(
        self, source: Source, page: Page, entry: FeedEntry | None, feed: Feed | None
    ) -> IngestReport:
        published = (entry.published_at if entry else None) or page.published_at
        article = {
            "url": page.url,
            "source": source.name or (feed.title if feed else None) or page.site_name
            or _host(page.url),
            "title": page.title or (entry.title if entry else ""),
            "text": page.text,
            "published_at": (published or datetime.now(UTC)).astimezone(UTC).isoformat(),
        }
        return await publish_articles(self._broker, [json.dumps(article)], self._settings)

    async def _skip(
        self, source: Source, link: str, reason: str, error: str, result: PollResult,
        *, permanent: bool,
    ) -> None:
        result.skipped.append((link, reason))
        await self._dead_letter(link, f"page:{reason}", error)
        if permanent:
            await self._store.mark_seen(source.id, link, SEEN_TTL_S)
        log.info("item skipped", source=source.url, link=link, reason=reason)

    async def _dead_letter(self, url: str, reason: str, error: str) -> None:
        letter = DeadLetter(
            service="poller", stream=self._streams.articles, error=error[:2_000],
            reason=reason, payload=json.dumps({"url": url}),
        )
        await self._broker.publish(
            letter, stream=self._streams.deadletter, maxlen=self._settings.stream_maxlen
        )


def _status_of(reason: str) -> int | None:
    return int(reason[5:]) if reason.startswith("http_") and reason[5:].isdigit() else None


def _host(url: str) -> str:
    return url.split("/")[2] if "//" in url else url
