"""Feed bytes to entries, with feedparser (RSS 0.9x/1.0/2.0, Atom 0.3/1.0).

feedparser handles what hand-written XML code gets wrong: the encoding rules of RFC 3023
(an ISO-8859-1 declaration over Windows-1252 bytes still gives “curly quotes” and €),
xml:base and relative links, the dozen date formats feeds use, and broken XML, which its
loose parser reads up to the break. So a truncated feed keeps the entries before the break
(`bozo` is set, the entries are usable); one broken before its first entry is
`malformed_feed`, and a document feedparser does not recognise as a feed at all (an HTML
page, JSON, nothing) is `not_a_feed`.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from bs4 import BeautifulSoup

from shared.errors import Rejected

# Root elements of the feed formats: a document that starts like one but yields nothing is
# broken (malformed), not something else (not a feed).
_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|RDF)\b")
# bozo exceptions that say nothing about the document's structure.
_HARMLESS_BOZO = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)


@dataclass
class FeedEntry:
    link: str  # absolute (relative links resolved against the feed URL / xml:base)
    title: str
    published_at: datetime | None  # UTC; None when the entry has no date
    summary: str  # plain text (feeds carry HTML here; markup is removed)
    entry_id: str | None


@dataclass
class Feed:
    title: str
    link: str | None
    entries: list[FeedEntry]


def parse_feed(content: bytes, url: str, content_type: str | None = None) -> Feed:
    """Parse a fetched feed; `url` is where it was fetched from (the base of relative links),
    `content_type` its Content-Type header (its charset is honoured)."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    # A BytesIO, never the bytes: feedparser treats a str/bytes that looks like a URL or a
    # path as one and would fetch or open it.
    parsed = feedparser.parse(io.BytesIO(content), response_headers=headers)
    entries = [e for e in (_entry(raw, url) for raw in parsed.entries) if e is not None]
    if not entries:
        _refuse_if_not_usable(parsed, content, url)
    feed = parsed.feed
    link = feed.get("link")
    return Feed(
        title=_plain(feed.get("title", "")),
        link=urljoin(url, link) if link else None,
        entries=entries,
    )


def _refuse_if_not_usable(parsed: Any, content: bytes, url: str) -> None:
    """A document with no usable entry: fine if it is a well-formed (empty) feed."""
    version = parsed.get("version") or ""
    broken = bool(parsed.get("bozo")) and not isinstance(
        parsed.get("bozo_exception"), _HARMLESS_BOZO
    )
    if version and not broken:
        return
    if version or _FEED_ROOT.search(content[:2048]):
        detail = parsed.get("bozo_exception")
        raise Rejected("malformed_feed", f"{url}: broken feed XML with no entries ({detail})")
    raise Rejected("not_a_feed", f"{url}: not an RSS or Atom feed ({_what(content)})")


def _what(content: bytes) -> str:
    head = content[:512].lstrip().lower()
    if not head:
        return "empty document"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "an HTML page"
    return "unrecognised content"


def _entry(raw: Any, base: str) -> FeedEntry | None:
    link = raw.get("link") or _permalink_id(raw)
    if not link:
        return None  # nothing to fetch or to cite
    link = urljoin(base, link.strip())
    if urlsplit(link).scheme not in {"http", "https"}:
        return None  # javascript:, mailto: and the like are no article
    summary = raw.get("summary") or ""
    return FeedEntry(
        link=link,
        title=_plain(raw.get("title", "")),
        # dict.get, not FeedParserDict's: its `updated_parsed` falls back to
        # `published_parsed` with a DeprecationWarning.
        published_at=_when(
            dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed")
        ),
        summary=_plain(summary),
        entry_id=raw.get("id") or None,
    )


def _permalink_id(raw: Any) -> str | None:
    """Some RSS items have only `<guid isPermaLink="true">`; feedparser puts it in `id`."""
    guid = raw.get("id") or ""
    return guid if guid.startswith(("http://", "https://")) and raw.get("guidislink") else None


def _when(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's struct_time is already in UTC."""
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _plain(value: str) -> str:
    """Text of a title or summary: feeds put escaped HTML in both."""
    if "<" not in value and "&" not in value:
        return value.strip()
    text = BeautifulSoup(value, "html.parser").get_text(" ", strip=True)
    return re.sub(r"\s+", " ", text)
