"""`claimwatch upgrade-keys`: move a single Redis written by an earlier claimwatch to the
key layout of this one (README, "Beyond one machine"), in place and idempotently.

What changed, and what is done about it:
* the claim store keeps, per (store, subject, relation), one summary hash instead of an
  index of ids plus a body per claim: every old body is stored again through the store
  (`RedisClaimStore.add`, which is idempotent) and the old indexes are deleted;
* alert markers moved into the alert stream's hash slot; the source registry, each
  subscription's delivery queue, its markers and its held alerts got a hash tag: these keys
  are renamed (a renamed stream keeps its consumer groups and pending entries).
Run it with the services stopped. On a cluster there is nothing to move: no earlier
version ran on one.
"""

from __future__ import annotations

import zlib
from collections import Counter

from redis.asyncio import Redis

from shared.batches import due_key, held_key
from shared.domain.claims import Claim
from shared.sources import SHARD as SOURCES_SHARD
from shared.store import AlertLog, RedisClaimStore, glob_escape
from shared.streams import Streams
from shared.webhooks import delivered_key, delivery_stream, queued_key

BATCH = 500


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def _keys(redis: Redis, head: str) -> list[str]:
    return [_text(k) async for k in redis.scan_iter(match=glob_escape(head) + "*", count=1000)]


async def _claims(redis: Redis, streams: Streams, counts: Counter[str]) -> None:
    store = RedisClaimStore(redis, streams)
    keys = await _keys(redis, streams.key("claim") + ":")
    for start in range(0, len(keys), BATCH):
        pipe = redis.pipeline(transaction=False)
        for key in keys[start : start + BATCH]:
            pipe.get(key)
        batch: list[Claim] = []
        for raw in await pipe.execute():
            if not isinstance(raw, bytes):
                continue
            try:
                batch.append(Claim.model_validate_json(zlib.decompress(raw)))
            except (zlib.error, ValueError):
                continue  # already an address of the new layout
        if batch:
            await store.add(batch)
            counts["claims"] += len(batch)
    for key in await _keys(redis, streams.key("idx") + ":"):
        counts["old_indexes"] += int(await redis.unlink(key))


async def _rename(redis: Redis, old: str, new: str, counts: Counter[str], what: str) -> None:
    if old != new and await redis.exists(old) and not await redis.exists(new):
        await redis.rename(old, new)
        counts[what] += 1


async def _markers(redis: Redis, streams: Streams, counts: Counter[str]) -> None:
    log = AlertLog(redis, streams, 0)
    head = streams.key("alert") + ":"
    for key in await _keys(redis, head):
        if "{" in key:
            continue  # new layout
        store, _, alert_id = key[len(head) :].partition(":")
        await _rename(redis, key, log.marker_key(store, alert_id), counts, "alert_markers")


async def _sources(redis: Redis, streams: Streams, counts: Counter[str]) -> None:
    for parts in ((), ("state",), ("due",)):
        old = streams.key("sources", *parts)
        new = streams.key("sources", *parts, shard=SOURCES_SHARD)
        await _rename(redis, old, new, counts, "sources")
    head = streams.key("sources", "seen") + ":"
    for key in await _keys(redis, head):
        sid = key[len(head) :]
        new = streams.key("sources", "seen", sid, shard=SOURCES_SHARD)
        await _rename(redis, key, new, counts, "sources")


async def _subscriptions(redis: Redis, streams: Streams, counts: Counter[str]) -> None:
    head = streams.key("webhook") + ":"
    for key in await _keys(redis, head):
        rest = key[len(head) :]
        if "{" in rest:
            continue
        kind, _, tail = rest.partition(":")
        if kind in {"delivered", "queued"}:
            sub, _, alert_id = tail.partition(":")
            make = delivered_key if kind == "delivered" else queued_key
            await _rename(redis, key, make(streams, sub, alert_id), counts, "webhook_keys")
        else:  # the queue itself: "<prefix>:webhook:<subscription>"
            await _rename(redis, key, delivery_stream(streams, rest), counts, "webhook_keys")
    for kind in ("held", "due"):
        head = streams.key("notify", kind) + ":"
        for key in await _keys(redis, head):
            sub, _, group = key[len(head) :].partition(":")
            new = held_key(streams, sub, group) if kind == "held" else due_key(streams, sub)
            await _rename(redis, key, new, counts, "held_alerts")


async def upgrade_keys(redis: Redis, streams: Streams) -> dict[str, int]:
    """What was moved, by kind (zeros when the Redis is already in this layout)."""
    counts: Counter[str] = Counter()
    await _claims(redis, streams, counts)
    await _markers(redis, streams, counts)
    await _sources(redis, streams, counts)
    await _subscriptions(redis, streams, counts)
    kinds = ("claims", "old_indexes", "alert_markers", "sources", "webhook_keys", "held_alerts")
    return {k: counts[k] for k in kinds}
