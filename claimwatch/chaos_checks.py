"""What the chaos scenarios count: the progress and dead-letter streams read whole, the
articles that were dead-lettered, duplicate claims and alerts, and which bad input got
which dead-letter reason."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import redis

from shared.streams import Streams, entry_body
from shared.webhooks import delivery_stream


def stream_entries(client: redis.Redis, stream: str) -> list[tuple[str, dict[bytes, bytes]]]:
    out: list[tuple[str, dict[bytes, bytes]]] = []
    cursor = "-"
    while True:
        batch: Any = client.xrange(stream, min=cursor, count=2_000)
        if cursor != "-" and batch:
            batch = batch[1:]
        if not batch:
            return out
        out.extend((i.decode(), f) for i, f in batch)
        cursor = out[-1][0]


@dataclass
class Progress:
    processed: set[str] = field(default_factory=set)
    processed_entries: int = 0
    dead: dict[str, dict[str, Any]] = field(default_factory=dict)  # dead-letter entry -> body


def progress(client: redis.Redis, streams: Streams) -> Progress:
    state = Progress()
    for _id, fields in stream_entries(client, streams.processed):
        body = entry_body(fields)
        if isinstance(body, dict) and "article_id" in body:
            state.processed.add(body["article_id"])
            state.processed_entries += 1
    for entry_id, fields in stream_entries(client, streams.deadletter):
        body = entry_body(fields)
        if isinstance(body, dict):
            state.dead[entry_id] = body
    return state


def dead_article_ids(state: Progress) -> set[str]:
    ids: set[str] = set()
    for letter in state.dead.values():
        try:
            payload = json.loads(letter.get("payload", ""))
        except (ValueError, TypeError):
            continue
        if isinstance(payload, dict):
            for candidate in (payload.get("id"), (payload.get("article") or {}).get("id")):
                if isinstance(candidate, str):
                    ids.add(candidate)
    return ids


def integrity(client: redis.Redis, streams: Streams) -> dict[str, int]:
    """Duplicates the pipeline could have produced by processing a message twice."""
    first: dict[str, set[str]] = {}
    union: dict[str, set[str]] = {}
    claims = [e for stream in streams.all("claims") for e in stream_entries(client, stream)]
    for _id, fields in claims:
        body = entry_body(fields)
        if not isinstance(body, dict):
            continue
        article = str((body.get("article") or {}).get("id"))
        ids = {str(c.get("id")) for c in body.get("claims") or [] if isinstance(c, dict)}
        first.setdefault(article, set(ids))
        union.setdefault(article, set()).update(ids)
    duplicate_claims = sum(len(union[a] - first[a]) for a in union)
    stored = sum(1 for _ in client.scan_iter(match=streams.key("claim", "*"), count=1_000))
    alert_ids = [
        f[b"id"].decode() for _id, f in stream_entries(client, streams.alerts) if b"id" in f
    ]
    return {
        "claims": len(set().union(*union.values())) if union else 0,
        "stored_claims": stored,
        "duplicate_claims": duplicate_claims + max(0, stored - sum(len(u) for u in union.values())),
        "alerts": len(set(alert_ids)),
        "duplicate_alerts": len(alert_ids) - len(set(alert_ids)),
    }


def match_bad_inputs(
    state: Progress, raw_cases: dict[str, tuple[str, str]], streams: Streams
) -> dict[str, str]:
    """case -> the reason its dead letter carries."""
    by_id = {mid: name for name, (mid, _reason) in raw_cases.items()}
    found: dict[str, str] = {}
    for letter in state.dead.values():
        payload = str(letter.get("payload", ""))
        if letter.get("service") == "ingestor" and payload.startswith('{"chaos_case": "'):
            found[payload.split('"')[3]] = letter["reason"]
        elif f"{letter.get('stream')}|{letter.get('message_id')}" in by_id:
            found[by_id[f"{letter.get('stream')}|{letter.get('message_id')}"]] = letter["reason"]
        elif any(k.startswith("payload:") and k[8:] in payload for k in by_id):
            key = next(k for k in by_id if k.startswith("payload:") and k[8:] in payload)
            found[by_id[key]] = letter["reason"]
        elif letter.get("stream") == delivery_stream(streams, "hang"):
            found["webhook_hangs"] = letter["reason"]
    return found
