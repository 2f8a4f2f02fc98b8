"""Webhook subscriptions, target checks, signing (Standard Webhooks 1.0) and one attempt.

Subscriptions live in Redis, in the hash `{prefix}:subscriptions` (field: subscription id,
value: the subscription as JSON, secret included); `CLAIMWATCH_WEBHOOK_URL`/`_SECRET` add a
default subscription with id `default`. Disabled subscriptions (a 410 from the receiver) are
listed in the hash `{prefix}:subscriptions:disabled` with why.
"""

from __future__ import annotations

import base64
import json
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field, SecretStr, model_validator
from redis.asyncio import Redis
from standardwebhooks import Webhook

from shared.channels import check_apprise_target, is_webhook_url, masked
from shared.domain.alerts import Alert, Severity
from shared.domain.entities import EntityRef
from shared.netguard import ForbiddenTarget as ForbiddenTarget
from shared.netguard import check_target as check_target
from shared.netguard import check_target_async as check_target_async
from shared.netguard import parse_retry_after as parse_retry_after
from shared.settings import Settings
from shared.streams import Streams

DEFAULT_ID = "default"


class Subscription(BaseModel):
    id: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    url: str
    # `webhook`: a Standard Webhooks http(s) URL, signed JSON; `apprise`: any Apprise URL
    # (slack://, mailto://, json://...), a message written for people. Inferred from the URL.
    target: Literal["webhook", "apprise"] = "webhook"
    secret: SecretStr = SecretStr("")  # webhooks only
    kinds: list[str] = Field(default_factory=list)  # empty: every kind
    min_severity: Severity = Severity.LOW
    entity_ids: list[str] = Field(default_factory=list)  # ids or names; empty: every entity
    sources: list[str] = Field(default_factory=list)  # source names; empty: every source
    regions: list[str] = Field(default_factory=list)  # place ids: alerts about places inside
    # One message per period (seconds) with its alerts grouped by story; 0: as they come.
    digest_s: int = Field(default=0, ge=0)
    # Webhooks only: one delivery per pair of articles (a group body) instead of per alert.
    grouped: bool = False

    @model_validator(mode="before")
    @classmethod
    def _target_from_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and "target" not in data and isinstance(data.get("url"), str):
            data = {**data, "target": "webhook" if is_webhook_url(data["url"]) else "apprise"}
        return data

    @property
    def batched(self) -> bool:
        """Whether alerts are held and sent together (per story, or per digest period)."""
        return self.target == "apprise" or self.grouped or self.digest_s > 0

    def wants(self, alert: Alert) -> bool:
        if self.kinds and alert.kind.value not in self.kinds:
            return False
        if alert.severity.rank < self.min_severity.rank:
            return False
        entities = _entities(alert)
        if self.entity_ids:
            wanted = {e.casefold() for e in self.entity_ids}
            known = {e.id.casefold() for e in entities} | {e.name.casefold() for e in entities}
            if not known & wanted:
                return False
        if self.sources:
            said = {c.source.casefold() for c in (alert.new, alert.previous) if c is not None}
            if alert.mention is not None:
                said.add(alert.mention.source.casefold())
            if not said & {s.casefold() for s in self.sources}:
                return False
        if self.regions:
            inside = {e.id for e in entities} | {a for e in entities for a in e.ancestors}
            if not inside & set(self.regions):
                return False
        return True

    def shown_url(self) -> str:
        """The target as people and logs may see it (Apprise secrets masked)."""
        return masked(self.url) if self.target == "apprise" else self.url

    def stored_json(self) -> str:
        """The subscription as stored in Redis (the only place the secret is written)."""
        data = self.model_dump(mode="json")
        data["secret"] = self.secret.get_secret_value()
        return json.dumps(data)

    def public(self) -> dict[str, Any]:
        """For people: the secret masked."""
        data = self.model_dump(mode="json")
        data["secret"] = mask_secret(self.secret) if self.target == "webhook" else None
        data["url"] = self.shown_url()
        return data


def _entities(alert: Alert) -> list[EntityRef]:
    """Everything an alert is about: both claims' subject and object, and the candidates of
    an ambiguous mention."""
    found: list[EntityRef] = []
    for claim in (alert.new, alert.previous):
        if claim is not None:
            found.append(claim.subject)
            if claim.object is not None:
                found.append(claim.object)
    if alert.mention is not None:
        found += [c.entity for c in alert.mention.candidates]
    return found


def mask_secret(secret: SecretStr) -> str:
    value = secret.get_secret_value()
    return value[:8] + "…" + value[-2:] if len(value) > 12 else "…"


def generate_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def validate_secret(secret: str) -> None:
    """A Standard Webhooks secret: `whsec_` + base64 of at least 16 bytes."""
    body = secret.removeprefix("whsec_")
    try:
        raw = base64.b64decode(body, validate=True)
    except ValueError as exc:
        raise ValueError("the secret must be `whsec_` followed by base64") from exc
    if len(raw) < 16:
        raise ValueError("the secret must hold at least 16 random bytes")


# --- where a webhook may go ---------------------------------------------------------------
# shared.netguard holds the rule (feed and page fetches use it too); ForbiddenTarget,
# check_target and check_target_async are re-exported above (`X as X`) for the notifier,
# the CLI and the tests, which import them from here.


# --- signing ----------------------------------------------------------------------------


def signed_headers(
    secret: SecretStr, msg_id: str, body: str, now: datetime | None = None
) -> dict[str, str]:
    """Headers a receiver verifies with any Standard Webhooks implementation."""
    timestamp = (now or datetime.now(UTC)).replace(microsecond=0)
    signature = Webhook(secret.get_secret_value()).sign(msg_id, timestamp, body)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }


# --- one attempt and the retry policy ---------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one attempt tells the retry loop."""

    kind: str  # delivered | retry | failed | gone
    reason: str  # delivered, timeout, connect_error, http_429, http_503, http_404, ...
    detail: str = ""
    status: int | None = None
    retry_after_s: float | None = None


def backoff_s(attempt: int, base_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Delay after failed attempt `attempt` (1-based): exponential, capped, with jitter
    (uniform between half and the full step, so replicas never retry in lockstep)."""
    step = min(max_s, base_s * (2 ** (attempt - 1)))
    return (rng or random).uniform(step / 2, step)


async def attempt(
    http: httpx.AsyncClient, sub: Subscription, msg_id: str, body: str, timeout_s: float
) -> Outcome:
    """POST once; classify the result. Never raises for network or HTTP trouble."""
    try:
        response = await http.post(
            sub.url,
            content=body.encode(),
            headers=signed_headers(sub.secret, msg_id, body),
            timeout=timeout_s,
            follow_redirects=False,
        )
    except httpx.TimeoutException as exc:
        return Outcome(
            "retry", "timeout", f"no answer within {timeout_s:g}s ({type(exc).__name__})"
        )
    except httpx.TransportError as exc:
        return Outcome("retry", "connect_error", f"{type(exc).__name__}: {exc}"[:500])
    status = response.status_code
    if 200 <= status < 300:
        return Outcome("delivered", "delivered", status=status)
    detail = f"HTTP {status}: {response.text[:200]}"
    if status == 410:
        return Outcome("gone", "http_410", detail, status)
    if status == 429 or status >= 500:
        return Outcome(
            "retry",
            f"http_{status}",
            detail,
            status,
            parse_retry_after(response.headers.get("retry-after")),
        )
    return Outcome("failed", f"http_{status}", detail, status)


# --- storage ----------------------------------------------------------------------------


def subscriptions_key(streams: Streams) -> str:
    return streams.key("subscriptions")


def last_outcome_key(streams: Streams) -> str:
    return streams.key("subscriptions", "last")


def disabled_key(streams: Streams) -> str:
    return streams.key("subscriptions", "disabled")


# A subscription's queue, markers and held alerts share its hash slot (scripts write a marker
# and a queue entry together); subscriptions spread over a cluster's nodes.
def delivery_stream(streams: Streams, sub_id: str) -> str:
    """The durable queue of deliveries to one subscription."""
    return streams.key("webhook", shard=sub_id)


def delivered_key(streams: Streams, sub_id: str, alert_id: str) -> str:
    return streams.key("webhook", "delivered", alert_id, shard=sub_id)


def queued_key(streams: Streams, sub_id: str, alert_id: str) -> str:
    return streams.key("webhook", "queued", alert_id, shard=sub_id)


def env_subscription(settings: Settings) -> Subscription | None:
    if not settings.webhook_url:
        return None
    return Subscription(id=DEFAULT_ID, url=settings.webhook_url, secret=settings.webhook_secret)


class SubscriptionStore:
    def __init__(self, redis: Redis, streams: Streams, settings: Settings) -> None:
        self._redis = redis
        self._streams = streams
        self._settings = settings

    async def add(self, sub: Subscription) -> None:
        if sub.target == "apprise":
            check_apprise_target(sub.url, self._settings.webhook_allow_private)
        else:
            check_target(sub.url, self._settings.webhook_allow_private)
            validate_secret(sub.secret.get_secret_value())
        await self._redis.hset(subscriptions_key(self._streams), sub.id, sub.stored_json())
        await self._redis.hdel(disabled_key(self._streams), sub.id)

    async def record_outcome(
        self, sub_id: str, alert_id: str, outcome: Outcome, attempts: int
    ) -> None:
        """The last delivery's result per subscription, for `claimwatch status`."""
        record = {
            "outcome": outcome.kind,
            "reason": outcome.reason,
            "status": outcome.status,
            "attempts": attempts,
            "alert_id": alert_id,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        await self._redis.hset(last_outcome_key(self._streams), sub_id, json.dumps(record))

    async def last_outcomes(self) -> dict[str, dict[str, Any]]:
        raw: dict[Any, Any] = await self._redis.hgetall(last_outcome_key(self._streams))
        return {k.decode(): json.loads(v) for k, v in raw.items()}

    async def remove(self, sub_id: str) -> bool:
        await self._redis.hdel(disabled_key(self._streams), sub_id)
        await self._redis.hdel(last_outcome_key(self._streams), sub_id)
        return bool(await self._redis.hdel(subscriptions_key(self._streams), sub_id))

    async def all(self) -> list[Subscription]:
        """Stored subscriptions plus the env default (a stored `default` wins)."""
        raw: dict[Any, Any] = await self._redis.hgetall(subscriptions_key(self._streams))
        subs = {k.decode(): Subscription.model_validate_json(v) for k, v in raw.items()}
        default = env_subscription(self._settings)
        if default is not None and default.id not in subs:
            subs[default.id] = default
        return [subs[k] for k in sorted(subs)]

    async def disabled(self) -> dict[str, str]:
        raw: dict[Any, Any] = await self._redis.hgetall(disabled_key(self._streams))
        return {k.decode(): v.decode() for k, v in raw.items()}

    async def disable(self, sub_id: str, why: str) -> None:
        await self._redis.hset(disabled_key(self._streams), sub_id, why)

    async def enable(self, sub_id: str) -> bool:
        return bool(await self._redis.hdel(disabled_key(self._streams), sub_id))

    async def active(self) -> list[Subscription]:
        off = await self.disabled()
        return [s for s in await self.all() if s.id not in off]
