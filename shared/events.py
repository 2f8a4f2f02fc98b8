"""Messages on the streams, versioned in one place.

Every message carries `schema_version`; a consumer rejects (dead-letters) versions it does
not know rather than guessing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from shared.domain.alerts import AmbiguousMention
from shared.domain.claims import Claim
from shared.domain.entities import Mention

SCHEMA_VERSION: Literal[1] = 1


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class ArticleIn(BaseModel):
    """What a user hands to the ingestor (one JSON object per line)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str | None = Field(default=None, description="Ignored for identity; kept as external_id")
    url: str | None = None
    source: str = Field(min_length=1, max_length=500)
    title: str = Field(default="", max_length=2_000)
    text: str = Field(min_length=1)
    published_at: AwareDatetime
    store: str = Field(default="default", pattern=r"^[A-Za-z0-9_.\-]{1,100}$")

    def article_id(self) -> str:
        """Same URL, or same source + title + text, gives the same id: re-ingesting is a no-op."""
        basis = self.url if self.url else f"{self.source}\n{self.title}\n{self.text}"
        return "art_" + hashlib.sha256(f"{self.store}\n{basis}".encode()).hexdigest()[:24]

    def to_article(self) -> Article:
        return Article(
            id=self.article_id(),
            external_id=self.id,
            url=self.url,
            source=self.source,
            title=self.title,
            text=self.text,
            published_at=_utc(self.published_at),
            store=self.store,
        )


class ArticleMeta(BaseModel):
    """An article without its text: what downstream messages carry along."""

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str
    external_id: str | None = None
    url: str | None = None
    source: str
    title: str = ""
    published_at: datetime
    store: str = "default"

    @field_validator("published_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("published_at must carry a timezone")
        return value


class Article(ArticleMeta):
    """On `articles`: ingestor -> entity worker."""

    text: str

    def meta(self) -> ArticleMeta:
        return ArticleMeta.model_validate(self.model_dump(exclude={"text"}))


class ArticleEntities(BaseModel):
    """On `entities`: entity worker -> claim worker. `doc` is the spaCy parse (DocBin, base64)
    so that the claim worker never parses the article again."""

    schema_version: Literal[1] = SCHEMA_VERSION
    article: ArticleMeta
    mentions: list[Mention]
    doc: str


class ArticleClaims(BaseModel):
    """On `claims`: claim worker -> alert worker."""

    schema_version: Literal[1] = SCHEMA_VERSION
    article: ArticleMeta
    claims: list[Claim]
    ambiguous: list[AmbiguousMention] = Field(default_factory=list)
    # entity id -> how the article wrote it ("Severodonetsk" for Sievierodonetsk), for the
    # desk's entity search; optional, so messages without it still read.
    aliases: dict[str, list[str]] = Field(default_factory=dict)


class ArticleProcessed(BaseModel):
    """On `processed`: the alert worker is done with an article."""

    schema_version: Literal[1] = SCHEMA_VERSION
    article_id: str
    store: str
    claims: int
    alerts: list[str] = Field(default_factory=list)


class DeadLetter(BaseModel):
    """On `deadletter`: a message a service could not process, with why."""

    schema_version: Literal[1] = SCHEMA_VERSION
    service: str
    stream: str
    message_id: str | None = None
    error: str
    reason: str  # short machine-readable category: invalid_json, invalid_schema, too_large, ...
    payload: str  # the original message, as text (truncated for huge inputs)
    attempts: int = 1
    failed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
