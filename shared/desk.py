"""The analyst's verdicts on alerts and the mutes that follow from them, on Redis.

* A verdict (`confirmed`, `dismissed`, `unsure`, with a note) is one per alert, in the hash
  `{prefix}:desk:verdicts` (alert id -> JSON); setting it again replaces it, undoing it
  deletes it. Every change is also appended to the stream `{prefix}:desk:log` (trimmed).
* A mute silences later alerts of a subject and relation, or of a source, for a time: an
  alert whose time falls inside an active mute is still stored and listed (marked muted),
  but the notifier does not send it. Mutes live in the hash `{prefix}:desk:mutes`
  (mute id -> JSON); undoing one deletes it.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from shared.domain.alerts import Alert
from shared.streams import Streams

LOG_MAXLEN = 10_000


class VerdictValue(StrEnum):
    CONFIRMED = "confirmed"  # the two reports do contradict each other
    DISMISSED = "dismissed"  # a false alarm
    UNSURE = "unsure"


class VerdictRecord(BaseModel):
    alert_id: str
    verdict: VerdictValue
    note: str = Field(default="", max_length=2_000)
    kind: str = ""  # the alert's kind, so precision per kind needs no alert lookups
    by: str = "local"  # the token's name, never the token
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class MuteScope(StrEnum):
    SUBJECT_RELATION = "subject_relation"
    SOURCE = "source"


class Mute(BaseModel):
    id: str = Field(default_factory=lambda: "mute_" + secrets.token_hex(8))
    scope: MuteScope
    store: str = "default"
    subject_id: str | None = None
    subject_name: str = ""
    relation: str | None = None
    source: str | None = None
    starts_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    until: datetime
    note: str = Field(default="", max_length=2_000)
    alert_id: str | None = None  # the alert whose dismissal created it, if any
    by: str = "local"
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def describe(self) -> str:
        if self.scope is MuteScope.SOURCE:
            return f"source {self.source}"
        return f"{self.subject_name or self.subject_id} · {self.relation}"

    def covers(self, alert: Alert) -> bool:
        """True when this mute applies to `alert` at the time it was raised."""
        if alert.store != self.store or not (self.starts_at <= alert.created_at <= self.until):
            return False
        if self.scope is MuteScope.SOURCE:
            sources = {c.source for c in (alert.new, alert.previous) if c is not None}
            if alert.mention is not None:
                sources.add(alert.mention.source)
            return (self.source or "").casefold() in {s.casefold() for s in sources}
        return (
            alert.new is not None
            and alert.new.subject.id == self.subject_id
            and alert.new.relation == self.relation
        )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class DeskStore:
    """Verdicts and mutes: pure adapters over Redis, no HTTP."""

    def __init__(self, redis: Redis, streams: Streams) -> None:
        self._redis = redis
        self._streams = streams
        self._verdicts = streams.key("desk", "verdicts")
        self._mutes = streams.key("desk", "mutes")
        self._log = streams.key("desk", "log")

    async def _record(self, action: str, **fields: str) -> None:
        entry: dict[Any, Any] = {"action": action, **fields}
        await self._redis.xadd(self._log, entry, maxlen=LOG_MAXLEN, approximate=True)

    # --- verdicts ---------------------------------------------------------------------

    async def set_verdict(self, record: VerdictRecord) -> None:
        await self._redis.hset(self._verdicts, record.alert_id, record.model_dump_json())
        await self._record(
            "verdict", alert_id=record.alert_id, verdict=record.verdict.value, by=record.by
        )

    async def verdict(self, alert_id: str) -> VerdictRecord | None:
        raw = await self._redis.hget(self._verdicts, alert_id)
        return VerdictRecord.model_validate_json(raw) if raw else None

    async def verdicts_of(self, alert_ids: list[str]) -> dict[str, VerdictRecord]:
        if not alert_ids:
            return {}
        raws = await self._redis.hmget(self._verdicts, alert_ids)
        return {
            alert_id: VerdictRecord.model_validate_json(raw)
            for alert_id, raw in zip(alert_ids, raws, strict=True)
            if raw
        }

    async def undo_verdict(self, alert_id: str, by: str) -> bool:
        removed = bool(await self._redis.hdel(self._verdicts, alert_id))
        if removed:
            await self._record("verdict_undone", alert_id=alert_id, by=by)
        return removed

    async def all_verdicts(self) -> list[VerdictRecord]:
        raw: dict[Any, Any] = await self._redis.hgetall(self._verdicts)
        records = [VerdictRecord.model_validate_json(v) for v in raw.values()]
        return sorted(records, key=lambda r: r.at, reverse=True)

    # --- mutes ------------------------------------------------------------------------

    async def add_mute(self, mute: Mute) -> Mute:
        if mute.scope is MuteScope.SOURCE and not mute.source:
            raise ValueError("a source mute needs the source")
        if mute.scope is MuteScope.SUBJECT_RELATION and not (mute.subject_id and mute.relation):
            raise ValueError("a subject mute needs the subject and the relation")
        if mute.until <= mute.starts_at:
            raise ValueError("a mute must end after it starts")
        await self._redis.hset(self._mutes, mute.id, mute.model_dump_json())
        await self._record("mute", mute_id=mute.id, what=mute.describe(), by=mute.by)
        return mute

    async def remove_mute(self, mute_id: str, by: str) -> bool:
        removed = bool(await self._redis.hdel(self._mutes, mute_id))
        if removed:
            await self._record("mute_undone", mute_id=mute_id, by=by)
        return removed

    async def mutes(self) -> list[Mute]:
        raw: dict[Any, Any] = await self._redis.hgetall(self._mutes)
        return sorted(
            (Mute.model_validate_json(v) for v in raw.values()),
            key=lambda m: m.created_at,
            reverse=True,
        )

    async def muting(self, alert: Alert, mutes: list[Mute] | None = None) -> Mute | None:
        """The first mute that covers `alert`, if any (what the notifier asks)."""
        for mute in mutes if mutes is not None else await self.mutes():
            if mute.covers(alert):
                return mute
        return None

    async def log(self, count: int = 100) -> list[dict[str, str]]:
        entries: Any = await self._redis.xrevrange(self._log, count=count)
        return [
            {"entry": _text(entry_id), **{_text(k): _text(v) for k, v in fields.items()}}
            for entry_id, fields in entries
        ]


def precision(verdicts: list[VerdictRecord]) -> dict[str, dict[str, Any]]:
    """Per kind: verdict counts and the precision they imply, confirmed / (confirmed +
    dismissed); `unsure` counts for neither. None when nothing was judged."""
    out: dict[str, dict[str, Any]] = {}
    for record in verdicts:
        row = out.setdefault(
            record.kind or "unknown", {v.value: 0 for v in VerdictValue} | {"precision": None}
        )
        row[record.verdict.value] += 1
    for row in out.values():
        judged = row["confirmed"] + row["dismissed"]
        row["precision"] = round(row["confirmed"] / judged, 3) if judged else None
    return out
