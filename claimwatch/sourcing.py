"""Source lists people hand the CLI (OPML, or a text file of URLs one a line) and the
one-shot poll `claimwatch demo --sources` runs in-process (the poller service's code)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from xml.etree import ElementTree as ET

import listparser
from pydantic import ValidationError

from shared.connections import async_redis, make_broker
from shared.errors import validation_text
from shared.fetch import Fetcher
from shared.polling import LEASE_S, Poller, PollResult
from shared.settings import Settings
from shared.sources import DEFAULT_EVERY_S, Source, SourceStore
from shared.streams import Streams


class SourceListError(ValueError):
    """The file is neither OPML nor a list of URLs (one line says why)."""


def read_source_list(path: Path, every_s: int | None = None) -> list[Source]:
    """OPML (any outline with an `xmlUrl`), else one URL a line ('#' starts a comment;
    text after the URL is the source's name)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    every = every_s or DEFAULT_EVERY_S
    try:
        if text.lstrip().startswith("<"):
            return _from_opml(text, every)
        return _from_lines(text, every)
    except ValidationError as exc:
        raise SourceListError(f"{path}: {validation_text(exc)}") from None


def _from_opml(text: str, every_s: int) -> list[Source]:
    parsed = listparser.parse(text)
    if not parsed.feeds:
        why = f": {parsed.bozo_exception}" if parsed.bozo else ""
        raise SourceListError(f"no feeds in this OPML{why}")
    return [
        Source(url=f.url, name=f.title or None, kind="feed", every_s=every_s)
        for f in parsed.feeds
    ]


def _from_lines(text: str, every_s: int) -> list[Source]:
    sources = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            url, _, name = line.partition(" ")
            sources.append(Source(url=url, name=name.strip() or None, every_s=every_s))
    if not sources:
        raise SourceListError("no URLs in this file")
    return sources


def to_opml(sources: list[Source]) -> str:
    root = ET.Element("opml", version="2.0")
    ET.SubElement(ET.SubElement(root, "head"), "title").text = "claimwatch sources"
    body = ET.SubElement(root, "body")
    for s in sources:
        attrs = {"text": s.name or s.url, "xmlUrl": s.url, "type": "rss"}
        if s.name:
            attrs["title"] = s.name
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def poll_once(url: str, settings: Settings, sources: list[Source]) -> list[PollResult]:
    """Store the sources and poll each once, as the poller service would."""

    async def go() -> list[PollResult]:
        broker = make_broker(url)
        await broker.connect()
        redis = async_redis(url)
        store = SourceStore(redis, Streams.of(settings))
        try:
            async with Fetcher(settings) as fetcher:
                poller = Poller(broker, store, fetcher, settings)
                results = []
                for source in sources:
                    # Leased first, so a running poller service does not poll it at the same
                    # time (`run --sources` starts one); it takes over from the next poll.
                    while not await store.lease(source.id, "cli", LEASE_S):
                        await asyncio.sleep(0.5)
                    try:
                        await store.add(source)
                        results.append(await poller.poll(source))
                    finally:
                        await store.release(source.id, "cli")
                return results
        finally:
            await redis.aclose()
            await broker.stop()

    return asyncio.run(go())
