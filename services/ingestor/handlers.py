"""Ingestor: validate incoming articles and publish them to the articles stream.

A line that is not a valid article never stops the feed: it goes to the dead-letter stream
with a specific reason, and the next line is read.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

import structlog
from faststream.redis import RedisBroker
from pydantic import ValidationError

from services.ingestor.models import Article, ArticleIn, DeadLetter
from shared.settings import Settings
from shared.streams import Streams

log = structlog.get_logger("ingestor")
_PAYLOAD_PREVIEW = 2_000


class RejectedInput(ValueError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class IngestReport:
    published: list[str] = field(default_factory=list)
    rejected: list[DeadLetter] = field(default_factory=list)


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text[:4_000] if ord(ch) < 32 and ch not in "\n\r\t")
    return controls > 8


def parse_article(raw: bytes | str, settings: Settings) -> Article:
    """One JSON object -> Article, or RejectedInput saying exactly what is wrong."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RejectedInput("invalid_utf8", f"input is not valid UTF-8: {exc}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RejectedInput("invalid_json", f"input is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RejectedInput("invalid_schema", "an article must be a JSON object")
    version = data.get("schema_version", 1)
    if version != 1:
        raise RejectedInput("unsupported_version", f"schema_version {version!r} is not 1")
    try:
        article_in = ArticleIn.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'article'}: {e['msg']}" for e in exc.errors()
        )
        raise RejectedInput("invalid_schema", problems) from exc
    if len(article_in.text) > settings.max_text_chars:
        raise RejectedInput(
            "too_large",
            f"text has {len(article_in.text):,} characters; the limit is "
            f"{settings.max_text_chars:,} (CLAIMWATCH_MAX_TEXT_CHARS)",
        )
    if _looks_binary(article_in.text):
        raise RejectedInput("binary", "text contains binary data")
    return article_in.to_article()


def dead_letter(raw: bytes | str, exc: RejectedInput, streams: Streams) -> DeadLetter:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return DeadLetter(
        service="ingestor",
        stream=streams.articles,
        error=str(exc),
        reason=exc.reason,
        payload=text[:_PAYLOAD_PREVIEW],
    )


async def publish_articles(
    broker: RedisBroker,
    lines: Iterable[bytes | str] | AsyncIterator[bytes | str],
    settings: Settings,
) -> IngestReport:
    streams = Streams(settings.stream_prefix)
    report = IngestReport()

    async def handle(raw: bytes | str) -> None:
        if not raw.strip():
            return
        try:
            article = parse_article(raw, settings)
        except RejectedInput as exc:
            letter = dead_letter(raw, exc, streams)
            await broker.publish(letter, stream=streams.deadletter, maxlen=settings.stream_maxlen)
            log.warning("article rejected", reason=exc.reason, error=str(exc)[:300])
            report.rejected.append(letter)
            return
        await broker.publish(article, stream=streams.articles, maxlen=settings.stream_maxlen)
        report.published.append(article.id)

    if isinstance(lines, AsyncIterator):
        async for raw in lines:
            await handle(raw)
    else:
        for raw in lines:
            await handle(raw)
    return report
