"""Read the alert and progress streams as any client would, and show alerts to people."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import redis
from rich.console import Console
from rich.markup import escape

from shared.domain.alerts import Alert, AlertKind
from shared.domain.claims import Claim
from shared.streams import Streams, entry_body, read_streams


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def last_id(client: redis.Redis, stream: str) -> str:
    """The id of the newest entry, so a follower can start after it."""
    entries: Any = client.xrevrange(stream, count=1)
    return _text(entries[0][0]) if entries else "0-0"


def positions(client: redis.Redis, streams: Streams) -> dict[str, str]:
    """Where the progress streams end now: wait for what comes after."""
    return {s: last_id(client, s) for s in (streams.processed, streams.deadletter)}


def read_alerts(
    client: redis.Redis, streams: Streams, since: str = "0-0", block_ms: int | None = None
) -> Iterator[tuple[str, Alert]]:
    """Alerts after `since`; with `block_ms`, waits that long for the first one."""
    reply: Any = client.xread({streams.alerts: since}, count=1000, block=block_ms)
    for _stream, entries in reply or []:
        for entry_id, fields in entries:
            yield _text(entry_id), Alert.model_validate_json(fields[b"alert"])


def follow_alerts(
    client: redis.Redis, streams: Streams, since: str, on_idle: Callable[[], None] | None = None
) -> Iterator[Alert]:
    """Every alert after `since`, as it arrives, forever; `on_idle` runs between waits."""
    cursor = since
    while True:
        if on_idle is not None:
            on_idle()
        for entry_id, alert in list(read_alerts(client, streams, cursor, block_ms=1000)):
            cursor = entry_id
            yield alert


def wait_processed(
    client: redis.Redis,
    streams: Streams,
    article_ids: Iterable[str],
    cursors: dict[str, str],
    timeout_s: float,
) -> set[str]:
    """Block until every article id was processed or dead-lettered after the given stream
    positions (see `positions`); returns the ids still missing at the timeout."""
    missing = set(article_ids)
    cursors = dict(cursors)
    deadline = time.monotonic() + timeout_s
    while missing and time.monotonic() < deadline:
        reply = read_streams(client, cursors, count=1000, block_ms=500)
        for stream, entries in reply or []:
            name = _text(stream)
            for entry_id, fields in entries:
                cursors[name] = _text(entry_id)
                missing -= _article_ids_in(fields)
    return missing


def _article_ids_in(fields: dict[bytes, bytes]) -> set[str]:
    """Article ids named by a processed or dead-letter entry (FastStream's JSON body)."""
    body = entry_body(fields)
    if not isinstance(body, dict):
        return set()
    if "article_id" in body:
        return {body["article_id"]}
    ids: set[str] = set()
    try:
        payload = json.loads(body.get("payload", ""))
    except (json.JSONDecodeError, TypeError):
        return ids
    if isinstance(payload, dict):
        for candidate in (payload.get("id"), (payload.get("article") or {}).get("id")):
            if isinstance(candidate, str):
                ids.add(candidate)
    return ids


def _quote(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    if len(sentence) > 220:
        sentence = sentence[:217] + "..."
    return f"      “{escape(sentence)}”"


def _claim_line(label: str, claim: Claim) -> str:
    when = claim.published_at.strftime("%Y-%m-%d %H:%M")
    head = f"  [bold]{label}[/bold] {escape(claim.source)} · {when} · {claim.article_id}"
    if claim.title:
        head += f"\n           {escape(claim.title)}"
    if claim.url:
        head += f"\n           {escape(claim.url)}"
    return head + "\n" + _quote(claim.sentence)


def render(alert: Alert, console: Console) -> None:
    if alert.kind is AlertKind.AMBIGUITY and alert.mention is not None:
        m = alert.mention
        console.print(
            f"[yellow]? AMBIGUOUS[/yellow] [bold]“{escape(m.text)}”[/bold] "
            f"in {escape(m.source)} · {m.published_at:%Y-%m-%d %H:%M} · {m.article_id}"
        )
        for rank, cand in enumerate(m.candidates, 1):
            console.print(
                f"      {rank}. {escape(cand.entity.name)} — {escape(cand.description)} "
                f"({cand.score:.2f})"
            )
        console.print(_quote(m.sentence) + "\n")
        return
    colour = {"high": "red", "medium": "magenta", "low": "cyan"}[alert.severity.value]
    console.print(
        f"[{colour}]! CONTRADICTION[/{colour}] "
        f"{escape(f'[{alert.kind.value}, {alert.severity.value}]')} "
        f"[bold]{escape(alert.reason)}[/bold]  ({alert.id})"
    )
    if alert.new is not None:
        console.print(_claim_line("new:    ", alert.new))
    if alert.previous is not None:
        console.print(_claim_line("earlier:", alert.previous))
    console.print()


def _group_idle(client: redis.Redis, stream: str, group: str) -> bool:
    """True when `group` has read and acked everything on `stream` (no stream: nothing to
    do; a stream without the group yet: not idle)."""
    if not client.exists(stream):
        return True
    try:
        groups: Any = client.xinfo_groups(stream)
    except redis.ResponseError:
        return False
    for info in groups:
        name = _text(info.get("name", b""))
        if name == group:
            if int(info.get("pending", 0)) != 0:
                return False
            if info.get("lag") is not None:
                return int(info["lag"]) == 0
            # Redis < 7 (some embedded builds) has no lag: compare the last ids instead
            last = _text(client.xinfo_stream(stream)["last-generated-id"])
            return _text(info.get("last-delivered-id", b"")) == last
    return False


def notifications_pending(client: redis.Redis, streams: Streams, webhook_default: bool) -> int:
    """How many queues still have notifications to send: the notifier's alert backlog, held
    batches, and every subscription's delivery queue."""
    from shared.batches import due_key
    from shared.streams import NOTIFIER_GROUP
    from shared.webhooks import DEFAULT_ID, delivery_stream, subscriptions_key

    ids = {_text(k) for k in client.hkeys(subscriptions_key(streams))}
    if webhook_default:
        ids.add(DEFAULT_ID)
    busy = 0 if _group_idle(client, streams.alerts, NOTIFIER_GROUP) else 1
    for sub_id in ids:
        busy += int(client.zcard(due_key(streams, sub_id)) > 0)
        busy += int(not _group_idle(client, delivery_stream(streams, sub_id), NOTIFIER_GROUP))
    return busy


def wait_notified(
    client: redis.Redis, streams: Streams, webhook_default: bool, timeout_s: float
) -> bool:
    """Wait until every notification of what is on the alert stream went out (delivered or
    dead-lettered); False on timeout (what is left stays queued in Redis)."""
    deadline = time.monotonic() + timeout_s
    while True:
        if notifications_pending(client, streams, webhook_default) == 0:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.25)
