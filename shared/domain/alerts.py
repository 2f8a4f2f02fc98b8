"""Alerts: what users are told, and the verdict of comparing two claims."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.domain.claims import Claim
from shared.domain.entities import Candidate


class AlertKind(StrEnum):
    LOCATION = "location"
    CONTROL = "control"
    QUANTITY = "quantity"
    NEGATION = "negation"
    DATE = "date"
    STATUS = "status"
    ROLE = "role"
    AMBIGUITY = "ambiguity"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]


class Outcome(StrEnum):
    CONTRADICTION = "contradiction"
    CONSISTENT = "consistent"  # agrees, or one contains the other
    UPDATE = "update"  # a state that changed between reports far enough apart
    UNRELATED = "unrelated"  # not comparable (different subject, relation, ...)


class Verdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    kind: AlertKind | None = None
    severity: Severity | None = None
    reason: str = ""  # one sentence a person reads at a glance


class AmbiguousMention(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    article_id: str
    source: str
    published_at: datetime
    sentence: str
    start: int
    end: int
    candidates: list[Candidate] = Field(default_factory=list)


class Clash(BaseModel):
    """Another way the same two reports clash on the same subject, folded into one alert
    ("captured by Russia" vs "held by Ukraine" and vs "not captured")."""

    model_config = ConfigDict(frozen=True)

    id: str  # the id the clash would have had as an alert of its own
    kind: AlertKind
    severity: Severity
    reason: str
    new_claim_id: str
    previous_claim_id: str


class Alert(BaseModel):
    """A contradiction between two claims, or an ambiguous mention."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = 1
    id: str
    kind: AlertKind
    severity: Severity
    reason: str
    store: str = "default"
    new: Claim | None = None
    previous: Claim | None = None
    mention: AmbiguousMention | None = None
    created_at: datetime
    # The other clashes of this conflict (same pair of articles, subject and kind), listed
    # rather than alerted on their own; added with a default, so schema_version stays 1.
    also: tuple[Clash, ...] = ()

    @staticmethod
    def pair_id(store: str, a: Claim, b: Claim) -> str:
        """The same pair of claims gives the same id in either order."""
        first, second = sorted([a.id, b.id])
        return "alr_" + hashlib.sha256(f"{store}|{first}|{second}".encode()).hexdigest()[:24]

    @staticmethod
    def mention_id(store: str, m: AmbiguousMention) -> str:
        raw = f"{store}|{m.article_id}|{m.start}|{m.end}|{m.text}"
        return "alr_" + hashlib.sha256(raw.encode()).hexdigest()[:24]
