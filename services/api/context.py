"""The desk's connections and stores, one per app (on `app.state.desk`), and the views the
API and the pages both build from them."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from faststream.redis import RedisBroker
from redis.asyncio import Redis

from services.api.models import AlertView, ClaimView, EntityClaims, StatsOut
from services.api.security import Guard
from shared.articles import ArticleStore
from shared.connections import async_redis
from shared.desk import DeskStore, Mute, MuteScope, VerdictRecord, VerdictValue, precision
from shared.desk_index import DeskIndex
from shared.domain.alerts import Alert
from shared.domain.claims import Claim
from shared.settings import Settings
from shared.streams import Streams
from shared.webhooks import SubscriptionStore

# Articles one caller may post per minute through POST /api/articles.
INGEST_PER_MINUTE = 120
MAX_STREAM_CLIENTS = 50


@dataclass
class RateLimit:
    per_minute: int
    _seen: dict[str, list[float]] = field(default_factory=dict)

    def take(self, who: str, count: int) -> float:
        """0 when `count` more fit in the last minute for `who`, else seconds to wait."""
        now = time.monotonic()
        recent = [t for t in self._seen.get(who, []) if now - t < 60]
        if len(recent) + count > self.per_minute:
            self._seen[who] = recent
            return max(1.0, 60 - (now - recent[0])) if recent else 60.0
        self._seen[who] = recent + [now] * count
        return 0.0


@dataclass
class Desk:
    settings: Settings
    redis: Redis
    broker: RedisBroker
    streams: Streams
    store: DeskStore
    index: DeskIndex
    articles: ArticleStore
    subscriptions: SubscriptionStore
    guard: Guard
    ingest_limit: RateLimit = field(default_factory=lambda: RateLimit(INGEST_PER_MINUTE))
    stream_clients: int = 0

    @classmethod
    def connect(cls, settings: Settings, broker: RedisBroker) -> Desk:
        redis = async_redis(settings.effective_redis_url)
        streams = Streams.of(settings)
        days = settings.article_retention_days
        return cls(
            settings=settings,
            redis=redis,
            broker=broker,
            streams=streams,
            store=DeskStore(redis, streams),
            index=DeskIndex(redis, streams, days),
            articles=ArticleStore(redis, streams, days),
            subscriptions=SubscriptionStore(redis, streams, settings),
            guard=Guard(settings, redis, streams),
        )

    async def views(
        self, alerts: list[tuple[str | None, Alert]], mutes: list[Mute] | None = None
    ) -> list[AlertView]:
        mutes = await self.store.mutes() if mutes is None else mutes
        verdicts = await self.store.verdicts_of([a.id for _, a in alerts])
        out = []
        for entry_id, alert in alerts:
            mute = next((m for m in mutes if m.covers(alert)), None)
            out.append(
                AlertView(
                    **alert.model_dump(),
                    entry_id=entry_id,
                    verdict=verdicts.get(alert.id),
                    muted=mute is not None,
                    mute=mute,
                )
            )
        return out

    async def alert_view(self, alert_id: str) -> AlertView | None:
        alert = await self.index.alert(alert_id)
        if alert is None:
            return None
        return (await self.views([(None, alert)]))[0]

    async def judge(
        self,
        alert: Alert,
        verdict: VerdictValue,
        note: str,
        by: str,
        mute_scope: MuteScope | None = None,
        hours: float = 24.0,
        source: str | None = None,
    ) -> Mute | None:
        """Record a verdict and, if asked, mute what the alert is about from now on."""
        await self.store.set_verdict(
            VerdictRecord(alert_id=alert.id, verdict=verdict, note=note, kind=alert.kind, by=by)
        )
        if mute_scope is None:
            return None
        now = datetime.now(UTC)
        claim = alert.new
        if mute_scope is MuteScope.SUBJECT_RELATION:
            if claim is None:
                raise ValueError("an ambiguity alert has no subject and relation to mute")
            mute = Mute(
                scope=mute_scope,
                store=alert.store,
                subject_id=claim.subject.id,
                subject_name=claim.subject.name,
                relation=claim.relation,
                until=now + timedelta(hours=hours),
                note=note,
                alert_id=alert.id,
                by=by,
            )
        else:
            sources = sorted({c.source for c in (alert.new, alert.previous) if c} | (
                {alert.mention.source} if alert.mention else set()
            ))
            chosen = source or (claim.source if claim else sources[0] if sources else None)
            if chosen not in sources:
                raise ValueError(f"the alert's sources are {sources}")
            mute = Mute(
                scope=mute_scope,
                store=alert.store,
                source=chosen,
                until=now + timedelta(hours=hours),
                note=note,
                alert_id=alert.id,
                by=by,
            )
        return await self.store.add_mute(mute)

    async def claim_views(self, store: str, claims: list[Claim]) -> list[ClaimView]:
        linked = await self.index.alerts_of_claims(store, [c.id for c in claims])
        return [ClaimView(**c.model_dump(), alerts=linked.get(c.id, [])) for c in claims]

    async def entity_claims(self, entity_id: str, store: str, limit: int) -> EntityClaims:
        claims = await self.index.entity_claims(entity_id, store, limit)
        views = await self.claim_views(store, claims)
        entity = await self.index.entity(entity_id, store)
        if entity is None and claims:
            c = claims[0]
            entity = c.subject if entity_id in (c.subject.id, c.subject.linked) else c.object
        return EntityClaims(
            entity=entity, sources=dict(Counter(c.source for c in claims)), claims=views
        )

    async def stats(self, store: str = "default") -> StatsOut:
        counts = await self.index.counts(store)
        verdicts = await self.store.all_verdicts()
        now = datetime.now(UTC)
        return StatsOut(
            alerts_by_kind=counts,
            alerts_total=sum(counts.values()),
            verdicts=dict(Counter(v.verdict.value for v in verdicts)),
            per_kind=precision(verdicts),
            mutes_active=sum(1 for m in await self.store.mutes() if m.until > now),
        )

    async def close(self) -> None:
        await self.redis.aclose()
