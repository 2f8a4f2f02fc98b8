"""The claim store and the alert log, on Redis.

Claims are stored once per id and indexed by (store, subject, relation) in a sorted set
scored by the time the claim refers to, so that finding the claims a new one must be
compared with is an indexed range read, never a scan.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Protocol

from redis.asyncio import Redis

from shared.domain.alerts import Alert
from shared.domain.claims import Claim
from shared.streams import Streams

# Claims further apart than this are never compared: every rule that could make them
# conflict (a place's region, an office holder) has either changed or been restated since.
DEFAULT_LOOKBACK = timedelta(days=400)
DEFAULT_LIMIT = 500


class ClaimStore(Protocol):
    async def add(self, claims: Iterable[Claim]) -> int: ...

    async def comparable(self, claim: Claim) -> list[Claim]: ...


class InMemoryClaimStore:
    """The same contract in memory: for unit tests and in-process scenario runs."""

    def __init__(self, lookback: timedelta = DEFAULT_LOOKBACK) -> None:
        self._claims: dict[str, Claim] = {}
        self._lookback = lookback

    async def add(self, claims: Iterable[Claim]) -> int:
        new = [c for c in claims if c.id not in self._claims]
        self._claims.update((c.id, c) for c in new)
        return len(new)

    async def comparable(self, claim: Claim) -> list[Claim]:
        key = (claim.store, claim.subject.id, claim.relation)
        return [
            c
            for c in self._claims.values()
            if c.id != claim.id
            and (c.store, c.subject.id, c.relation) == key
            and abs(c.time - claim.time) <= self._lookback
        ]


def _encode(claim: Claim) -> bytes:
    # zlib keeps a claim (two entities, the sentence) near 600 bytes in Redis.
    return zlib.compress(claim.model_dump_json(exclude_defaults=True).encode(), 6)


def _decode(raw: bytes) -> Claim:
    return Claim.model_validate_json(zlib.decompress(raw))


# The claims of one index range, without the claim being compared (ARGV[5]). Claim keys are
# ARGV[4] .. id, so this runs on a single Redis (as the MGET it replaces did).
_COMPARABLE = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, ARGV[3])
local out = {}
for _, id in ipairs(ids) do
  if id ~= ARGV[5] then
    local raw = redis.call('GET', ARGV[4] .. id)
    if raw then out[#out + 1] = raw end
  end
end
return out
"""


class RedisClaimStore:
    def __init__(
        self,
        redis: Redis,
        streams: Streams,
        lookback: timedelta = DEFAULT_LOOKBACK,
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        self._redis = redis
        self._streams = streams
        self._lookback = lookback
        self._limit = limit
        self._comparable = redis.register_script(_COMPARABLE)

    def _claim_key(self, store: str, claim_id: str) -> str:
        return self._streams.key("claim", store, claim_id)

    def _index_key(self, claim: Claim) -> str:
        return self._streams.key("idx", claim.store, claim.subject.id, claim.relation)

    async def add(self, claims: Iterable[Claim]) -> int:
        """Store claims; returns how many were new (a replay stores nothing twice)."""
        pipe = self._redis.pipeline(transaction=False)
        for claim in claims:
            pipe.set(self._claim_key(claim.store, claim.id), _encode(claim), nx=True)
            pipe.zadd(self._index_key(claim), {claim.id: claim.time.timestamp()})
        results = await pipe.execute()
        return sum(1 for created in results[0::2] if created)

    async def comparable(self, claim: Claim) -> list[Claim]:
        """Stored claims on the same subject and relation within the lookback window.

        One round trip: a script reads the index range and the claims it names."""
        t = claim.time.timestamp()
        window = self._lookback.total_seconds()
        raws: list[bytes] = await self._comparable(
            keys=[self._index_key(claim)],
            args=[t - window, t + window, self._limit, self._claim_key(claim.store, ""), claim.id],
        )
        return [_decode(raw) for raw in raws]

    async def get_many(self, store: str, ids: list[str]) -> list[Claim]:
        """The stored claims of these ids, in order (ids no longer stored are left out)."""
        if not ids:
            return []
        raws = await self._redis.mget([self._claim_key(store, i) for i in ids])
        return [_decode(raw) for raw in raws if isinstance(raw, bytes)]

    async def drop(self, store: str) -> int:
        """Delete every claim and index of one store (used by `claimwatch eval`)."""
        deleted = 0
        for kind in ("claim", "idx", "alert"):
            pattern = self._streams.key(kind, store, "*")
            async for key in self._redis.scan_iter(match=pattern, count=1000):
                deleted += await self._redis.unlink(key)
        return deleted


# Publish an alert to the alert stream only if its id was never published: the marker and
# the stream entry are written atomically, so a redelivered message never alerts twice.
_PUBLISH_ONCE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
                    'id', ARGV[1], 'kind', ARGV[3], 'severity', ARGV[4],
                    'store', ARGV[5], 'alert', ARGV[6])
end
return false
"""


class AlertLog:
    def __init__(self, redis: Redis, streams: Streams, maxlen: int) -> None:
        self._redis = redis
        self._streams = streams
        self._maxlen = maxlen
        self._script = redis.register_script(_PUBLISH_ONCE)

    async def publish(self, alert: Alert) -> bool:
        """True if the alert was new and is now on the alert stream."""
        marker = self._streams.key("alert", alert.store, alert.id)
        entry = await self._script(
            keys=[marker, self._streams.alerts],
            args=[
                alert.id,
                self._maxlen,
                alert.kind.value,
                alert.severity.value,
                alert.store,
                alert.model_dump_json(),
            ],
        )
        return entry is not None
