"""What the desk looks things up by: alerts by id, claims by entity, entities by name, the
alerts each claim is part of, alert counts per kind. Written by the alert worker (`record`),
read by the API; every write is idempotent (a redelivered message changes nothing) and
expires after the article retention, except the counts.

Keys (`{prefix}:desk:...`, `{store}` is the claim store):

* `alert:{id}`: the alert JSON; `counts:{store}`: hash kind -> alerts published;
* `names:{store}`: hash `{lowercased name or alias}\\x1f{entity id}` -> entity JSON, searched
  with HSCAN MATCH (server side);
* `eclaims:{store}:{entity}`: sorted set of claim ids about the entity (as subject or
  object), scored by the claim's time; claims themselves are the claim store's;
* `calerts:{store}:{claim}`: set of the alert ids a claim is part of.

Alerts are listed from the alert stream itself (newest first, cursor = stream entry id).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.domain.alerts import Alert
from shared.domain.claims import Claim
from shared.domain.entities import EntityRef
from shared.events import ArticleClaims
from shared.store import RedisClaimStore
from shared.streams import Streams

SCAN_CHUNK = 200
# Alert stream entries one listing request reads at most while filtering; a page that is not
# full by then returns a cursor to go on from.
SCAN_BUDGET = 5_000


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def alert_entities(alert: Alert) -> set[str]:
    ids: set[str] = set()
    for claim in (alert.new, alert.previous):
        if claim is not None:
            ids.add(claim.subject.id)
            if claim.subject.linked:
                ids.add(claim.subject.linked)
            if claim.object is not None:
                ids.add(claim.object.id)
    if alert.mention is not None:
        ids.update(c.entity.id for c in alert.mention.candidates)
    return ids


def alert_sources(alert: Alert) -> set[str]:
    out = {c.source for c in (alert.new, alert.previous) if c is not None}
    if alert.mention is not None:
        out.add(alert.mention.source)
    return out


@dataclass
class AlertFilter:
    kind: str | None = None
    severity: str | None = None
    entity: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, alert: Alert) -> bool:
        if self.kind and alert.kind.value != self.kind:
            return False
        if self.severity and alert.severity.value != self.severity:
            return False
        if self.entity and self.entity not in alert_entities(alert):
            return False
        wanted = self.source.casefold() if self.source else None
        return wanted is None or wanted in {s.casefold() for s in alert_sources(alert)}


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


class DeskIndex:
    def __init__(self, redis: Redis, streams: Streams, retention_days: int) -> None:
        self._redis = redis
        self._streams = streams
        self._ttl = retention_days * 24 * 3600
        self._claims = RedisClaimStore(redis, streams)

    def _key(self, *parts: str) -> str:
        return self._streams.key("desk", *parts)

    # --- writing (the alert worker) ----------------------------------------------------

    async def record(self, msg: ArticleClaims, alerts: Iterable[Alert], new: set[str]) -> None:
        """Index an article's claims and its alerts; `new` holds the ids of the alerts that
        were published just now (counted once)."""
        store = msg.article.store
        pipe = self._redis.pipeline(transaction=False)
        names = self._key("names", store)
        for claim in msg.claims:
            for role, entity in (("subject", claim.subject), ("object", claim.object)):
                if entity is None or (role == "object" and entity.id == claim.subject.id):
                    continue
                # a subject keyed by name is listed under the linker's id too (its page)
                same = [entity] + ([entity.model_copy(update={"id": entity.linked,
                                                              "linked": None})]
                                   if entity.linked and entity.linked != entity.id else [])
                for ref in same:
                    key = self._key("eclaims", store, ref.id)
                    pipe.zadd(key, {claim.id: claim.time.timestamp()})
                    pipe.expire(key, self._ttl)
                    doc = ref.model_dump_json()
                    for alias in {ref.name, *msg.aliases.get(ref.id, [])}:
                        if alias.strip():
                            pipe.hset(names, f"{alias.strip().casefold()}\x1f{ref.id}", doc)
        for alert in alerts:
            pipe.set(self._key("alert", alert.id), alert.model_dump_json(), ex=self._ttl)
            for side in (alert.new, alert.previous):
                if side is not None:
                    key = self._key("calerts", side.store, side.id)
                    pipe.sadd(key, alert.id)
                    pipe.expire(key, self._ttl)
            if alert.id in new:
                pipe.hincrby(self._key("counts", alert.store), alert.kind.value, 1)
        await pipe.execute()

    # --- reading (the API) --------------------------------------------------------------

    async def alert(self, alert_id: str) -> Alert | None:
        raw = await self._redis.get(self._key("alert", alert_id))
        return Alert.model_validate_json(raw) if raw else None

    async def list_alerts(
        self, flt: AlertFilter, limit: int, cursor: str | None = None
    ) -> tuple[list[tuple[str, Alert]], str | None]:
        """Alerts newest first that pass `flt`: (entry id, alert) pairs and the cursor of
        the next page (None at the end)."""
        if cursor is not None and cursor.strip("0-") == "":
            return [], None  # nothing comes before 0-0
        high = f"({cursor}" if cursor else (str(max(0, _ms(flt.until))) if flt.until else "+")
        low = str(max(0, _ms(flt.since))) if flt.since else "-"
        found: list[tuple[str, Alert]] = []
        scanned = 0
        while scanned < SCAN_BUDGET:
            try:
                entries: Any = await self._redis.xrevrange(
                    self._streams.alerts, max=high, min=low, count=SCAN_CHUNK
                )
            except ResponseError:  # an interval Redis refuses (e.g. until before since)
                return found, None
            if not entries:
                return found, None
            for entry_id, fields in entries:
                scanned += 1
                high = f"({_text(entry_id)}"
                alert = Alert.model_validate_json(fields[b"alert"])
                if flt.matches(alert):
                    found.append((_text(entry_id), alert))
                    if len(found) == limit:
                        return found, _text(entry_id)
            if len(entries) < SCAN_CHUNK:
                return found, None
        return found, high[1:]

    async def counts(self, store: str = "default") -> dict[str, int]:
        raw: dict[Any, Any] = await self._redis.hgetall(self._key("counts", store))
        return {_text(k): int(v) for k, v in raw.items()}

    async def search_entities(self, q: str, store: str = "default", limit: int = 20) -> list[Any]:
        """Entities whose name or an alias contains `q` (case-insensitive), each once."""
        needle = "".join(ch for ch in q.casefold().strip() if ch not in "*?[]\\\x1f")
        if not needle:
            return []
        found: dict[str, dict[str, Any]] = {}
        async for field, doc in self._redis.hscan_iter(
            self._key("names", store), match=f"*{needle}*\x1f*", count=1000
        ):
            alias, _, entity_id = _text(field).partition("\x1f")
            if needle not in alias:
                continue  # the match may have hit the id part
            entry = found.setdefault(entity_id, {**json.loads(doc), "aliases": []})
            entry["aliases"].append(alias)
            if len(found) > limit:
                break
        return list(found.values())[:limit]

    async def entity(self, entity_id: str, store: str = "default") -> EntityRef | None:
        async for _field, doc in self._redis.hscan_iter(
            self._key("names", store), match=f"*\x1f{_escape(entity_id)}", count=1000
        ):
            return EntityRef.model_validate_json(doc)
        return None

    async def entity_claims(
        self, entity_id: str, store: str = "default", limit: int = 500
    ) -> list[Claim]:
        """Every claim about an entity, oldest first (by the time it refers to)."""
        ids = await self._redis.zrange(self._key("eclaims", store, entity_id), 0, limit - 1)
        return await self.claims(store, [_text(i) for i in ids])

    async def claims(self, store: str, ids: list[str]) -> list[Claim]:
        return await self._claims.get_many(store, ids)

    async def claims_about(
        self, subject: str, relation: str, store: str = "default", limit: int = 500
    ) -> list[Claim]:
        """Every claim of one (subject, relation), oldest first: the claim store's own list
        of the key's claim ids (in the subject's slot), then the claims by id."""
        return await self._claims.claims_about(store, subject, relation, limit)

    async def alerts_of_claims(self, store: str, claim_ids: list[str]) -> dict[str, list[str]]:
        pipe = self._redis.pipeline(transaction=False)
        for claim_id in claim_ids:
            pipe.smembers(self._key("calerts", store, claim_id))
        results = await pipe.execute()
        return {
            cid: sorted(_text(m) for m in members)
            for cid, members in zip(claim_ids, results, strict=True)
            if members
        }


def _escape(value: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in value)
