"""Alerts held before delivery: per story (a settle window, so the alerts of one pair of
articles, which the alert worker emits together, become one message) or per digest period.

Held alerts live in Redis, not in memory: the hash `<prefix>:notify:{<sub>}:held:<group>`
(alert id -> alert JSON) and the sorted set `<prefix>:notify:{<sub>}:due` (group -> when it
is due, ms), in the subscription's hash slot with its queue and markers. A due group is
moved into the subscription's delivery queue as one job by one Lua script (read, XADD,
delete), so a notifier killed at any point loses nothing and no two replicas send the same
group: the alerts are either still held or in the queue, where the usual retries, dead
letters and delivered markers apply.
"""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis

from shared.domain.alerts import Alert
from shared.messages import story_key
from shared.settings import Settings
from shared.streams import Streams
from shared.webhooks import Subscription, delivery_stream, queued_key

# Hold one alert once per (alert, subscription): the queued marker, the alert, and the
# group's due time (NX: the first alert of a group sets it) written atomically.
_HOLD_ONCE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  redis.call('ZADD', KEYS[3], 'NX', ARGV[5], ARGV[4])
  return 1
end
return 0
"""

# Move one due group into the delivery queue as one job.
_FLUSH = """
local items = redis.call('HGETALL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
if #items == 0 then return false end
local ids, bodies = {}, {}
for i = 1, #items, 2 do ids[#ids + 1] = items[i]; bodies[#bodies + 1] = items[i + 1] end
return redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'alert_id', ids[1],
                  'subscription', ARGV[3], 'batch', ARGV[1],
                  'alert_ids', cjson.encode(ids), 'bodies', cjson.encode(bodies))
"""


def held_key(streams: Streams, sub_id: str, group: str) -> str:
    return streams.key("notify", "held", group, shard=sub_id)


def due_key(streams: Streams, sub_id: str) -> str:
    return streams.key("notify", "due", shard=sub_id)


def group_of(sub: Subscription, alert: Alert, settings: Settings, now_s: float) -> tuple[str, int]:
    """(group, due in ms): the digest period the alert falls in, else its story."""
    if sub.digest_s > 0:
        start = int(now_s // sub.digest_s) * sub.digest_s
        return f"digest:{start}", (start + sub.digest_s) * 1000
    return f"story:{story_key(alert)}", int((now_s + settings.notify_settle_s) * 1000)


async def hold(
    redis: Redis, streams: Streams, settings: Settings, sub: Subscription, alert: Alert, body: str
) -> bool:
    """Hold one alert for a batched subscription unless it was queued before."""
    group, due_ms = group_of(sub, alert, settings, time.time())
    script = redis.register_script(_HOLD_ONCE)
    done = await script(
        keys=[
            queued_key(streams, sub.id, alert.id),
            held_key(streams, sub.id, group),
            due_key(streams, sub.id),
        ],
        args=[settings.webhook_dedupe_ttl_s, alert.id, body, group, due_ms],
    )
    return bool(done)


async def flush_due(redis: Redis, streams: Streams, settings: Settings, sub_id: str) -> int:
    """Queue every group of this subscription that is due; returns how many jobs were
    queued. Safe to run in several replicas at once."""
    due: Any = await redis.zrangebyscore(due_key(streams, sub_id), 0, int(time.time() * 1000))
    script = redis.register_script(_FLUSH)
    queued = 0
    for raw in due:
        group = raw.decode() if isinstance(raw, bytes) else str(raw)
        entry = await script(
            keys=[
                held_key(streams, sub_id, group),
                due_key(streams, sub_id),
                delivery_stream(streams, sub_id),
            ],
            args=[group, settings.stream_maxlen, sub_id],
        )
        queued += entry is not None
    return queued


async def held_count(redis: Redis, streams: Streams, sub_id: str) -> int:
    """Groups still held for a subscription (for `demo`, which waits for them)."""
    return int(await redis.zcard(due_key(streams, sub_id)))
