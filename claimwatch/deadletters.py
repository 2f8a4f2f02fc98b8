"""Read, select and replay dead letters, and tell which replays failed again.

A replayed ingestor rejection goes through the ingestor's checks at once (so a line still
invalid is known to fail again on the spot); any other message is put back on the stream
it failed on, and `wait_settled` watches until its consumer group has acknowledged it or it
came back as a new dead letter.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import redis
from faststream.redis import RedisBroker
from pydantic import ValidationError
from redis.asyncio import Redis as AsyncRedis

from claimwatch.stack import service_groups
from shared.connections import async_redis, make_broker
from shared.events import DeadLetter
from shared.ingest import publish_articles
from shared.settings import Settings
from shared.streams import NOTIFIER_GROUP, Streams, entry_body


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def read_dead_letters(client: redis.Redis, streams: Streams) -> list[tuple[str, DeadLetter]]:
    """Every dead letter still on the stream, oldest first, with its entry id."""
    out: list[tuple[str, DeadLetter]] = []
    entries: Any = client.xrange(streams.deadletter)
    for entry_id, fields in entries:
        try:
            letter = DeadLetter.model_validate(entry_body(fields))
        except ValidationError:
            continue
        out.append((_text(entry_id), letter))
    return out


def select(
    letters: list[tuple[str, DeadLetter]],
    ids: list[str] | None,
    reason: str | None,
    service: str | None,
) -> list[tuple[str, DeadLetter]]:
    return [
        (entry_id, letter)
        for entry_id, letter in letters
        if (not ids or entry_id in ids)
        and (reason is None or letter.reason == reason or letter.reason.startswith(reason + ":"))
        and (service is None or letter.service == service)
    ]


@dataclass
class Replay:
    """Where each replayed letter went: `requeued` (stream, new entry id, old entry id),
    and `failed` (old entry id, reason, error) for those that failed again."""

    requeued: list[tuple[str, str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    settled: int = 0
    unsettled: list[str] = field(default_factory=list)


async def replay(
    url: str, settings: Settings, selected: list[tuple[str, DeadLetter]], keep: bool
) -> Replay:
    streams = Streams.of(settings)
    broker = make_broker(url)
    await broker.connect()
    client = async_redis(url)
    result = Replay()
    try:
        for entry_id, letter in selected:
            if letter.service == "poller":
                # A feed or page the poller skipped: it retries transient failures itself;
                # a permanent one (404, no article text) would fail the same way again.
                result.failed.append((entry_id, "not_replayable",
                                      "the poller retries its sources on its own schedule"))
                continue
            if letter.service == "ingestor":
                report = await publish_articles(broker, [letter.payload], settings)
                for again in report.rejected:
                    result.failed.append((entry_id, again.reason, again.error))
                if not report.rejected:
                    result.settled += 1
            else:
                new_id = await _requeue(broker, client, streams, letter, settings)
                result.requeued.append((letter.stream, new_id, entry_id))
            if not keep:
                await client.xdel(streams.deadletter, entry_id)
    finally:
        await client.aclose()
        await broker.stop()
    return result


async def _requeue(
    broker: RedisBroker, client: AsyncRedis, streams: Streams, letter: DeadLetter,
    settings: Settings,
) -> str:
    if letter.stream.startswith(streams.key("webhook") + ":"):
        new_id = await client.xadd(letter.stream, json.loads(letter.payload))
        return _text(new_id)
    body: Any
    try:
        body = json.loads(letter.payload)
    except ValueError:
        body = letter.payload.encode()
    new_id = await broker.publish(body, stream=letter.stream, maxlen=settings.stream_maxlen)
    return _text(new_id)


def _group_of(streams: Streams, stream: str) -> str | None:
    if stream.startswith(streams.key("webhook") + ":"):
        return NOTIFIER_GROUP
    return dict(service_groups(streams)).get(stream)


def _acked(client: redis.Redis, stream: str, group: str, entry_id: str) -> bool:
    groups: Any = client.xinfo_groups(stream)
    info = next((g for g in groups if _text(g["name"]) == group), None)
    if info is None:
        return False
    last = _text(info["last-delivered-id"])
    delivered = tuple(map(int, last.split("-"))) >= tuple(map(int, entry_id.split("-")))
    pending: Any = client.xpending_range(stream, group, min=entry_id, max=entry_id, count=1)
    return delivered and not pending


def wait_settled(
    client: redis.Redis, streams: Streams, result: Replay, since: str, timeout_s: float
) -> None:
    """Until each requeued message was acknowledged or dead-lettered again (after `since`,
    the dead-letter stream's last id before the replay), or the timeout."""
    waiting = {new_id: (stream, old) for stream, new_id, old in result.requeued}
    cursor = since
    deadline = time.monotonic() + timeout_s
    while waiting and time.monotonic() < deadline:
        # Acks first, dead letters second: the middleware dead-letters before it acks, so a
        # message seen acked whose dead letter arrives meanwhile still counts as failed.
        acked = [
            new_id
            for new_id, (stream, _old) in waiting.items()
            if (group := _group_of(streams, stream)) is not None
            and _acked(client, stream, group, new_id)
        ]
        entries: Any = client.xrange(streams.deadletter, min=f"({cursor}")
        for entry_id, fields in entries:
            cursor = _text(entry_id)
            body = entry_body(fields)
            new_id = body.get("message_id") if isinstance(body, dict) else None
            if new_id in waiting:
                _stream, old = waiting.pop(new_id)
                result.failed.append((old, body.get("reason", "?"), body.get("error", "")))
        for new_id in acked:
            if waiting.pop(new_id, None) is not None:
                result.settled += 1
        if waiting:
            time.sleep(0.5)
    result.unsettled = [old for _stream, old in waiting.values()]
