"""Canonical entities: what a mention refers to, independent of how it was written."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class EntityType(StrEnum):
    PLACE = "place"
    PERSON = "person"
    ORG = "org"
    EVENT = "event"
    OTHER = "other"


class PlaceRank(StrEnum):
    """How precise a place is; containment is judged between ranks."""

    CONTINENT = "continent"
    COUNTRY = "country"
    ADMIN1 = "admin1"  # oblast, state, province, region with legal borders
    ADMIN2 = "admin2"
    CITY = "city"  # city, town, village
    VAGUE = "vague"  # "eastern Ukraine", "the Donbas": overlaps, never excludes


class EntityRef(BaseModel):
    """A canonical entity as carried in events and claims.

    `id` is stable across runs ("geo:703845" for a GeoNames place, "org:new-york-times",
    "person:denis-pushilin", "name:valdera" for a name we could not link).
    `ancestors` is the containment chain, nearest first (city -> admin1 -> country), so that
    the domain core can judge containment without a gazetteer at hand.
    `overlaps` lists ids this entity covers or claims without being contained in them
    (the DPR claims Donetsk Oblast).
    """

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    type: EntityType
    rank: PlaceRank | None = None
    ancestors: tuple[str, ...] = ()
    overlaps: tuple[str, ...] = ()
    country: str | None = None  # ISO 3166-1 alpha-2 for places
    # the linker's id when a claim is keyed on the name instead (ids.keyed_by_name): two
    # reports compare whether or not each linked the name, and two linked to different
    # entities ("Paris", France and "Paris", Texas) are told apart by the judge
    linked: str | None = None
    # a person's year of birth as the article gives their age ("Quispe, 51, was detained"):
    # two people of one name whose ages differ are two people (names.two_entities)
    born: int | None = None


class Candidate(BaseModel):
    """One possible referent of an ambiguous mention, best first in a list."""

    model_config = ConfigDict(frozen=True)

    entity: EntityRef
    score: float = Field(ge=0.0, le=1.0)
    description: str = ""  # e.g. "city in Luhansk Oblast, Ukraine (pop. 130,000)"


class Mention(BaseModel):
    """A named-entity mention in an article, with its link (if any)."""

    text: str
    start: int  # character offsets into the article text
    end: int
    label: str  # spaCy label after our entity rules (GPE, LOC, PERSON, ORG, ...)
    entity: EntityRef | None = None
    candidates: list[Candidate] = Field(default_factory=list)
    ambiguous: bool = False
    sentence: str = ""
