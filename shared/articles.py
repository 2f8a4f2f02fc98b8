"""The stored record of what was read: each article's id, URL, title, source, published time,
a bounded excerpt of its text and the ids of the claims made from it, kept for
`CLAIMWATCH_ARTICLE_RETENTION_DAYS`.

Written in two steps by two stages: the ingest path (shared/ingest.py) saves the article
right after publishing it (it is the only stage that still has the text), and the alert
worker adds the claim ids once it stored them. Both writes are idempotent, so a redelivered
message changes nothing. Keys:

* `{prefix}:article:{store}:{id}`: the article as JSON (`StoredArticle`), with a TTL;
* `{prefix}:article-claims:{store}:{id}`: a set of claim ids, with the same TTL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from shared.events import Article
from shared.streams import Streams

# The text kept per article: enough for every claim of a long news story, bounded so that a
# 200,000-character input does not cost 200 KB of Redis for a month.
EXCERPT_CHARS = 20_000


class StoredArticle(BaseModel):
    id: str
    url: str | None = None
    title: str = ""
    source: str
    published_at: datetime
    store: str = "default"
    text: str = Field(description=f"The text, or its first {EXCERPT_CHARS:,} characters")
    truncated: bool = False
    ingested_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def of(cls, article: Article) -> StoredArticle:
        return cls(
            id=article.id,
            url=article.url,
            title=article.title,
            source=article.source,
            published_at=article.published_at,
            store=article.store,
            text=article.text[:EXCERPT_CHARS],
            truncated=len(article.text) > EXCERPT_CHARS,
        )


class ArticleStore:
    def __init__(self, redis: Redis, streams: Streams, retention_days: int) -> None:
        self._redis = redis
        self._streams = streams
        self._ttl = retention_days * 24 * 3600

    def _key(self, store: str, article_id: str) -> str:
        return self._streams.key("article", store, article_id)

    def _claims_key(self, store: str, article_id: str) -> str:
        return self._streams.key("article-claims", store, article_id)

    async def save(self, article: Article) -> None:
        record = StoredArticle.of(article)
        await self._redis.set(
            self._key(record.store, record.id), record.model_dump_json(), ex=self._ttl
        )

    async def add_claims(self, store: str, article_id: str, claim_ids: Iterable[str]) -> None:
        ids = list(claim_ids)
        if not ids:
            return
        key = self._claims_key(store, article_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.sadd(key, *ids)
            pipe.expire(key, self._ttl)
            await pipe.execute()

    async def get(self, store: str, article_id: str) -> StoredArticle | None:
        raw = await self._redis.get(self._key(store, article_id))
        return StoredArticle.model_validate_json(raw) if raw else None

    async def claim_ids(self, store: str, article_id: str) -> list[str]:
        members = await self._redis.smembers(self._claims_key(store, article_id))
        return sorted(m.decode() if isinstance(m, bytes) else m for m in members)
