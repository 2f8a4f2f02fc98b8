"""Sources the poller reads (RSS/Atom feeds, or single pages), their polling state, and the
per-source lease that keeps two poller replicas from fetching one feed at once.

Keys, under the deployment's prefix:
- `sources` (hash id -> Source JSON) and `sources:state` (hash id -> SourceState JSON);
- `sources:due` (sorted set id -> next poll time, epoch seconds): what is due is a range;
- `sources:lease:{id}` (string, PX TTL): held while one poller fetches that source;
- `sources:seen:{id}` (set of item links, TTL): items already turned into articles.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from redis.asyncio import Redis

from shared.streams import Streams

DEFAULT_EVERY_S = 600
MIN_EVERY_S = 60  # nobody's feed should be polled more often than once a minute
_DURATION = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> int:
    """'10m', '1h30m', '90s', '2d' -> seconds; ValueError for anything else."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != compact:
        raise ValueError(f"not a duration: {text!r} (say e.g. 10m, 1h, 90s)")
    return sum(int(n) * _UNITS[u] for n, u in parts)


def source_id(url: str) -> str:
    return "src_" + hashlib.sha256(url.strip().encode()).hexdigest()[:16]


class Source(BaseModel):
    url: str
    name: str | None = None  # default: the feed's own title
    every_s: int = Field(default=DEFAULT_EVERY_S, ge=MIN_EVERY_S)
    kind: Literal["auto", "feed", "page"] = "auto"
    added_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value

    @property
    def id(self) -> str:
        return source_id(self.url)


class SourceState(BaseModel):
    last_fetch_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    next_poll_at: datetime | None = None
    items_seen: int = 0
    failures: int = 0  # consecutive
    etag: str | None = None
    last_modified: str | None = None
    feed_title: str | None = None
    disabled: str | None = None  # why polling stopped (a 410), until `sources add` again


SHARD = "sources"


class SourceStore:
    def __init__(self, redis: Redis, streams: Streams) -> None:
        self._redis = redis
        # One hash slot for the registry (a few hundred feeds at most): `remove` and
        # `save_state` change several of these keys in one transaction.
        self._key = streams.key("sources", shard=SHARD)
        self._state = streams.key("sources", "state", shard=SHARD)
        self._due = streams.key("sources", "due", shard=SHARD)
        self._streams = streams

    async def add(self, source: Source) -> bool:
        """Add or replace; polled at once. Returns True when it is new. Re-adding a source
        that a 410 disabled enables it again."""
        new = await self._redis.hset(self._key, source.id, source.model_dump_json()) == 1
        state = await self.state(source.id)
        state.disabled = None
        state.next_poll_at = datetime.now(UTC)
        await self.save_state(source.id, state)
        return new

    async def remove(self, ref: str) -> Source | None:
        source = await self.find(ref)
        if source is None:
            return None
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self._key, source.id)
            pipe.hdel(self._state, source.id)
            pipe.zrem(self._due, source.id)
            pipe.delete(self._seen_key(source.id))
            await pipe.execute()
        return source

    async def find(self, ref: str) -> Source | None:
        """By id (`src_…`) or URL."""
        key = ref if ref.startswith("src_") else source_id(ref)
        raw = await self._redis.hget(self._key, key)
        return Source.model_validate_json(raw) if raw else None

    async def all(self) -> list[Source]:
        raw: dict[Any, Any] = await self._redis.hgetall(self._key)
        return sorted((Source.model_validate_json(v) for v in raw.values()), key=lambda s: s.url)

    async def state(self, sid: str) -> SourceState:
        raw = await self._redis.hget(self._state, sid)
        return SourceState.model_validate_json(raw) if raw else SourceState()

    async def save_state(self, sid: str, state: SourceState) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._state, sid, state.model_dump_json())
            if state.disabled or state.next_poll_at is None:
                pipe.zrem(self._due, sid)
            else:
                pipe.zadd(self._due, {sid: state.next_poll_at.timestamp()})
            await pipe.execute()

    async def due(self, limit: int = 50) -> list[str]:
        raw: list[Any] = await self._redis.zrangebyscore(
            self._due, "-inf", time.time(), start=0, num=limit
        )
        return [r.decode() if isinstance(r, bytes) else r for r in raw]

    async def lease(self, sid: str, owner: str, ttl_s: float) -> bool:
        """Take the source for one poll; False when another poller holds it."""
        got = await self._redis.set(
            self._streams.key("sources", "lease", sid), owner, nx=True, px=int(ttl_s * 1000)
        )
        return bool(got)

    async def release(self, sid: str, owner: str) -> None:
        key = self._streams.key("sources", "lease", sid)
        # Only the holder releases: compare and delete in one step.
        await self._redis.eval(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) "
            "end return 0",
            1,
            key,
            owner,
        )

    def _seen_key(self, sid: str) -> str:
        return self._streams.key("sources", "seen", sid, shard=SHARD)

    async def unseen(self, sid: str, links: list[str]) -> list[str]:
        if not links:
            return []
        flags = await self._redis.smismember(self._seen_key(sid), links)
        return [link for link, seen in zip(links, flags, strict=True) if not seen]

    async def mark_seen(self, sid: str, link: str, ttl_s: int) -> None:
        key = self._seen_key(sid)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, link)
            pipe.expire(key, ttl_s)
            await pipe.execute()
