"""Claims: typed statements extracted from articles, the unit of comparison."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.domain.entities import EntityRef


class Polarity(StrEnum):
    ASSERTED = "asserted"
    NEGATED = "negated"  # "has not fallen", "will not close"
    DENIED = "denied"  # "denied that", "claims ... were false"


class Modality(StrEnum):
    FIRM = "firm"
    HEDGED = "hedged"  # "may", "reportedly", "could"
    # the report itself gives the other side's denial ("Russia said it captured X. Ukraine
    # denied the claim."): it reports a dispute, and contradicts no other report of it
    DISPUTED = "disputed"


class Bound(StrEnum):
    EXACT = "exact"
    ABOUT = "about"
    AT_LEAST = "at_least"  # "at least", "more than", "over"
    AT_MOST = "at_most"  # "at most", "fewer than", "up to"


class Quantity(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: float
    bound: Bound = Bound.EXACT
    unit: str | None = None  # "people", "USD", "%"
    text: str = ""  # as written: "a dozen", "at least 120"
    upper: float | None = None  # upper end for vague amounts ("dozens", "hundreds")


class Claim(BaseModel):
    """One factual claim. Exactly one of object/value/state/on_date carries the claim's value."""

    model_config = ConfigDict(frozen=True)

    id: str = ""
    article_id: str
    source: str
    published_at: datetime
    store: str = "default"
    # Where the claim was read, so an alert can link both reports (set by the claim worker).
    url: str | None = None
    title: str = ""

    subject: EntityRef
    relation: str  # "located_in", "held_in", "controlled_by", "quantity:killed", ...
    object: EntityRef | None = None
    value: Quantity | None = None
    state: str | None = None  # categorical: "released", "detained", "open", "closed"
    on_date: date | None = None  # for "scheduled_for"
    on_date_end: date | None = None  # last day when the date is a period ("in June")

    polarity: Polarity = Polarity.ASSERTED
    modality: Modality = Modality.FIRM
    attribution: str | None = None
    time: datetime  # when the claim holds: published_at unless the text dates it

    sentence: str
    start: int
    end: int
    # ids of the entities the article names most: what story it tells. Events keyed on a
    # bare noun ("the news conference") are compared only within one story.
    story: tuple[str, ...] = ()

    def content_key(self) -> str:
        """What the claim says, without where it was said (for restatement checks)."""
        value = (
            self.object.id
            if self.object
            else self.value.model_dump_json()
            if self.value
            else self.state or (self.on_date.isoformat() if self.on_date else "")
        )
        return "|".join([self.subject.id, self.relation, value, self.polarity, self.modality])

    def with_id(self) -> Claim:
        """Deterministic id: the same article, span and content always give the same id."""
        raw = f"{self.store}|{self.article_id}|{self.start}|{self.end}|{self.content_key()}"
        digest = hashlib.sha256(raw.encode()).hexdigest()[:24]
        return self.model_copy(update={"id": f"clm_{digest}"})
