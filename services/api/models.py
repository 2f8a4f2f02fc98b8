"""What the desk's HTTP API reads and answers (the OpenAPI document at /docs is built from
these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.articles import StoredArticle
from shared.desk import Mute, MuteScope, VerdictRecord, VerdictValue
from shared.domain.alerts import Alert, Severity
from shared.domain.claims import Claim
from shared.domain.entities import EntityRef

MAX_HOURS = 24 * 366


class MuteFor(BaseModel):
    """Mute what this alert is about, for a while, along with the verdict."""

    model_config = ConfigDict(extra="forbid")

    scope: MuteScope
    hours: float = Field(default=24.0, gt=0, le=MAX_HOURS)
    source: str | None = Field(
        default=None, max_length=500, description="for scope=source: which side's source"
    )


class VerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: VerdictValue
    note: str = Field(default="", max_length=2_000)
    mute: MuteFor | None = None


class MuteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scope: MuteScope
    store: str = Field(default="default", pattern=r"^[A-Za-z0-9_.\-]{1,100}$")
    subject_id: str | None = Field(default=None, max_length=300)
    relation: str | None = Field(default=None, max_length=100)
    source: str | None = Field(default=None, max_length=500)
    hours: float = Field(default=24.0, gt=0, le=MAX_HOURS)
    note: str = Field(default="", max_length=2_000)


class AlertView(Alert):
    """An alert as the desk shows it: with its verdict and whether a mute covers it."""

    entry_id: str | None = Field(default=None, description="its entry on the alert stream")
    verdict: VerdictRecord | None = None
    muted: bool = False
    mute: Mute | None = None


class AlertPage(BaseModel):
    items: list[AlertView]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class VerdictOut(BaseModel):
    alert: AlertView
    mute: Mute | None = None


class ClaimView(Claim):
    alerts: list[str] = Field(default_factory=list, description="alerts this claim is part of")


class ArticleView(StoredArticle):
    claims: list[ClaimView] = Field(description="each claim with its span in `text`")


class EntityHit(EntityRef):
    aliases: list[str] = Field(default_factory=list)


class EntityClaims(BaseModel):
    entity: EntityRef | None
    sources: dict[str, int] = Field(description="claims per source")
    claims: list[ClaimView]


class StatsOut(BaseModel):
    alerts_by_kind: dict[str, int]
    alerts_total: int
    verdicts: dict[str, int]
    per_kind: dict[str, dict[str, Any]] = Field(
        description="verdict counts and precision = confirmed / (confirmed + dismissed)"
    )
    mutes_active: int


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    url: str = Field(min_length=8, max_length=2_000)
    secret: str | None = Field(default=None, max_length=200, description="whsec_...; generated")
    kinds: list[str] = Field(default_factory=list, max_length=10)
    min_severity: Severity = Severity.LOW
    entity_ids: list[str] = Field(default_factory=list, max_length=100)


class IngestOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[dict[str, Any]]


class Health(BaseModel):
    status: str
    checked_at: datetime
