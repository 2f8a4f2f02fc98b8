"""Alerts built by hand for notification tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.domain.alerts import Alert, AlertKind, Severity
from shared.domain.claims import Claim
from shared.domain.entities import EntityRef, EntityType, PlaceRank

T0 = datetime(2022, 6, 25, 12, tzinfo=UTC)
UA = EntityRef(id="geo:690791", name="Ukraine", type=EntityType.PLACE, rank=PlaceRank.COUNTRY)
LUHANSK = EntityRef(id="geo:702657", name="Luhansk Oblast", type=EntityType.PLACE,
                    rank=PlaceRank.ADMIN1, ancestors=(UA.id,))  # fmt: skip
DPR = EntityRef(id="geo:dpr", name="Donetsk People's Republic", type=EntityType.PLACE)
CITY = EntityRef(id="geo:691999", name="Sievierodonetsk", type=EntityType.PLACE,
                 rank=PlaceRank.CITY, ancestors=(LUHANSK.id, UA.id))  # fmt: skip
PARIS = EntityRef(id="geo:2988507", name="Paris", type=EntityType.PLACE, rank=PlaceRank.CITY,
                  ancestors=("geo:3017382",))  # fmt: skip
RUSSIA = EntityRef(id="geo:2017370", name="Russia", type=EntityType.PLACE)


def claim(article: str, source: str, subject: EntityRef, obj: EntityRef, sentence: str,
          when: datetime, relation: str = "located_in") -> Claim:  # fmt: skip
    return Claim(
        article_id=article, source=source, published_at=when, subject=subject,
        relation=relation, object=obj, time=when, sentence=sentence, start=0,
        end=len(sentence), url=f"https://news.example/{article}", title=f"Title of {article}",
    ).with_id()  # fmt: skip


def alert(
    new_article: str = "art_new",
    old_article: str = "art_old",
    kind: AlertKind = AlertKind.LOCATION,
    severity: Severity = Severity.HIGH,
    subject: EntityRef = CITY,
    values: tuple[EntityRef, EntityRef] = (LUHANSK, DPR),
    sources: tuple[str, str] = ("Kyiv Post", "unknown-blog"),
    relation: str = "located_in",
) -> Alert:
    old = claim(old_article, sources[0], subject, values[0],
                f"{subject.name} is in {values[0].name} ({relation}).", T0, relation)
    new = claim(new_article, sources[1], subject, values[1],
                f"{subject.name} is in {values[1].name} ({relation}).", T0 + timedelta(days=1),
                relation)  # fmt: skip
    return Alert(
        id=Alert.pair_id("default", new, old), kind=kind, severity=severity,
        reason=f"{subject.name}: {sources[0]} says {values[0].name}, {sources[1]} "
        f"{values[1].name}", new=new, previous=old, created_at=T0,
    )  # fmt: skip
