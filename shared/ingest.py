"""Validate incoming articles and publish them to the articles stream: one path for the
ingestor service, its HTTP endpoint, the CLI and every tool.

A line that is not a valid article never stops the feed: it goes to the dead-letter stream
with a specific reason, and the next line is read.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import structlog
from faststream.redis import RedisBroker
from pydantic import ValidationError
from redis.asyncio import Redis

from shared import metrics
from shared.articles import ArticleStore
from shared.copies import CopyIndex
from shared.errors import Rejected, rejection
from shared.events import Article, ArticleIn, DeadLetter
from shared.settings import Settings
from shared.streams import Streams

log = structlog.get_logger("ingestor")
_PAYLOAD_PREVIEW = 100_000  # enough to replay any article within the text limit


# A text with at least this many letters is checked for its language; shorter ones are not
# (detectors guess on a few words), and a detection must be this sure to reject.
_LANG_MIN_LETTERS = 40
_LANG_MIN_CONFIDENCE = 0.9
_HTML_TAG = re.compile(
    r"<\s*/?\s*(html|head|body|p|div|span|br|a|h[1-6]|article|section|script|style|ul|ol|li|"
    r"table|tr|td|em|strong|b|i|img|meta|title|!doctype)\b[^>]*>",
    re.IGNORECASE,
)



@dataclass
class IngestReport:
    published: list[str] = field(default_factory=list)
    rejected: list[DeadLetter] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # ids already ingested before
    # (id, original id): syndicated copies and near-duplicates of an article ingested before,
    # recorded as such and not published (shared/copies.py)
    copies: list[tuple[str, str]] = field(default_factory=list)
    # per input line, in order: {"line", "id"} (+ "duplicate", or "copy_of" and "similarity")
    # or {"line", "reason", "error"} (+ "warnings")
    results: list[dict[str, Any]] = field(default_factory=list)


def split_body(body: bytes) -> list[bytes]:
    """One JSON object, a JSON array of objects, or JSON lines -> one raw input per article."""
    stripped = body.strip()
    if stripped.startswith(b"["):
        try:
            items = json.loads(stripped)
        except (ValueError, UnicodeDecodeError):
            return [stripped]  # rejected as invalid JSON, with the parser's message
        if isinstance(items, list):
            return [json.dumps(item).encode() for item in items]
    lines = [line for line in stripped.splitlines() if line.strip()]
    if len(lines) > 1:
        try:
            json.loads(stripped)
        except (ValueError, UnicodeDecodeError):
            return lines  # JSON lines
    return [stripped]


def _looks_binary(text: str) -> bool:
    sample = text[:4_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t")
    replacement = sample.count("\ufffd")
    return "\x00" in sample or controls > 8 or replacement > max(8, len(sample) // 50)


def looks_like_html(text: str) -> bool:
    return len(_HTML_TAG.findall(text[:20_000])) >= 2


def html_to_text(markup: str) -> str:
    """Visible text of an HTML document or fragment (scripts, styles, comments dropped)."""
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
    from bs4.element import Comment

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    blocks = soup.get_text("\n")
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in blocks.splitlines())
    return "\n".join(line for line in lines if line)


@lru_cache(maxsize=1)
def _language_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> tuple[str, float] | None:
    """(ISO 639-1 code, probability) for texts long enough to tell; else None."""
    sample = text[:3_000]
    if sum(ch.isalpha() for ch in sample) < _LANG_MIN_LETTERS:
        return None
    lang, prob = _language_identifier().classify(sample)
    return str(lang), float(prob)


def parse_article(raw: bytes | str, settings: Settings) -> Article:
    """One JSON object -> Article, or Rejected saying exactly what is wrong."""
    return parse_article_with_warnings(raw, settings)[0]


def parse_article_with_warnings(raw: bytes | str, settings: Settings) -> tuple[Article, list[str]]:
    """Like `parse_article`, plus what was changed on the way (e.g. HTML stripped)."""
    notes: list[str] = []
    size = len(raw)
    if size > settings.max_input_bytes:
        raise Rejected(
            "too_large",
            f"input has {size:,} bytes; the limit is {settings.max_input_bytes:,} "
            "(CLAIMWATCH_MAX_INPUT_BYTES)",
        )
    if isinstance(raw, bytes):
        if b"\x00" in raw[:4_000]:
            raise Rejected("binary", "input contains NUL bytes: binary data, not JSON")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Rejected("invalid_utf8", f"input is not valid UTF-8: {exc}") from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise Rejected("invalid_json", f"input is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise Rejected("invalid_schema", "an article must be a JSON object")
    version = data.get("schema_version", 1)
    if version != 1 or isinstance(version, bool):
        raise Rejected("unsupported_version", f"schema_version {version!r} is not 1")
    text = data.get("text")
    if isinstance(text, str) and len(text) > settings.max_text_chars * 4:
        raise Rejected(
            "too_large",
            f"text has {len(text):,} characters; the limit is "
            f"{settings.max_text_chars:,} (CLAIMWATCH_MAX_TEXT_CHARS)",
        )
    if isinstance(text, str) and _looks_binary(text):
        raise Rejected("binary", "text contains binary data")
    if isinstance(text, str) and looks_like_html(text):
        data = {**data, "text": html_to_text(text)}
        notes.append("html_stripped: the text was HTML; its visible text was kept")
        if isinstance(data.get("title"), str) and "<" in data["title"]:
            data["title"] = html_to_text(data["title"])
    try:
        article_in = ArticleIn.model_validate(data)
    except ValidationError as exc:
        raise rejection(exc) from exc
    if len(article_in.text) > settings.max_text_chars:
        raise Rejected(
            "too_large",
            f"text has {len(article_in.text):,} characters; the limit is "
            f"{settings.max_text_chars:,} (CLAIMWATCH_MAX_TEXT_CHARS)",
        )
    if settings.require_english:
        detected = detect_language(article_in.text)
        if detected and detected[0] != "en" and detected[1] >= _LANG_MIN_CONFIDENCE:
            raise Rejected(
                "not_english",
                f"the text looks like language {detected[0]!r} (p={detected[1]:.2f}); only "
                "English is processed (CLAIMWATCH_REQUIRE_ENGLISH=false lets it through)",
            )
    return article_in.to_article(), notes


def ingested_key(streams: Streams, store: str, article_id: str) -> str:
    """Set once an article is published, so feeding it again is a counted duplicate."""
    return streams.key("ingested", store, article_id)


def dead_letter(raw: bytes | str, exc: Rejected, streams: Streams) -> DeadLetter:
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
    """Validate each line; publish new articles, count ones already ingested (same id in the
    same store) as duplicates, record copies of an earlier article (same text, or nearly, under
    another URL or source) without publishing them, and dead-letter rejected lines with their
    reason."""
    streams = Streams.of(settings)
    report = IngestReport()
    client: Redis = await broker.connect()
    copies = CopyIndex(client, streams, settings)
    articles = ArticleStore(client, streams, settings.article_retention_days)

    line_no = 0

    async def handle(raw: bytes | str) -> None:
        nonlocal line_no
        line_no += 1
        if not raw.strip():
            return
        try:
            article, notes = parse_article_with_warnings(raw, settings)
        except Rejected as exc:
            letter = dead_letter(raw, exc, streams)
            await broker.publish(letter, stream=streams.deadletter, maxlen=settings.stream_maxlen)
            metrics.ARTICLES_REJECTED.labels(reason=exc.reason).inc()
            log.warning("article rejected", line=line_no, reason=exc.reason, error=str(exc)[:300])
            report.rejected.append(letter)
            report.results.append(
                {"line": line_no, "reason": exc.reason, "error": str(exc)[:1_000]}
            )
            return
        marker = ingested_key(streams, article.store, article.id)
        if await client.exists(marker):
            report.duplicates.append(article.id)
            report.results.append({"line": line_no, "id": article.id, "duplicate": True})
            return
        copy = await copies.find(article)
        if copy is not None:
            # No claims, no alerts: the original's are already in the store. Marked ingested
            # so that the same copy again is a plain duplicate.
            await copies.record_copy(article, copy)
            await client.set(marker, "1", ex=settings.webhook_dedupe_ttl_s)
            metrics.ARTICLES_COPIES.inc()
            log.info(
                "article is a copy",
                id=article.id,
                copy_of=copy.original_id,
                similarity=round(copy.similarity, 2),
            )
            report.copies.append((article.id, copy.original_id))
            copy_result: dict[str, Any] = {
                "line": line_no,
                "id": article.id,
                "copy_of": copy.original_id,
                "similarity": round(copy.similarity, 2),
            }
            if notes:
                copy_result["warnings"] = notes
            report.results.append(copy_result)
            return
        # No MAXLEN: the entity worker trims what it has acknowledged (never pending entries).
        await broker.publish(article, stream=streams.for_article("articles", article.id))
        # Indexed, then marked, after publishing: a crash in between publishes it again on the
        # next try, which the pipeline absorbs (processing twice changes nothing); never the
        # reverse (an article indexed or marked but never published would make its copies
        # and itself vanish).
        # The stored record of what was read (the desk's article page): only this stage
        # still has the text. Idempotent, and before the marker for the same reason.
        await articles.save(article)
        await copies.add(article)
        await client.set(marker, "1", ex=settings.webhook_dedupe_ttl_s)
        metrics.ARTICLES_INGESTED.inc()
        report.published.append(article.id)
        result: dict[str, Any] = {"line": line_no, "id": article.id}
        if notes:
            result["warnings"] = notes
        report.results.append(result)

    if isinstance(lines, AsyncIterator):
        async for raw in lines:
            await handle(raw)
    else:
        for raw in lines:
            await handle(raw)
    return report
