"""One alert per conflict, one story per bare event noun, one person per name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.detection import contradiction_alert, one_per_conflict
from shared.domain.alerts import Outcome
from shared.domain.claims import Claim, Polarity
from shared.domain.contradiction import compare
from shared.domain.entities import EntityRef, EntityType, PlaceRank

T0 = datetime(2025, 1, 10, 8, tzinfo=UTC)
TOWN = EntityRef(id="geo:1", name="Kibali", type=EntityType.PLACE, rank=PlaceRank.CITY)
RUSSIA = EntityRef(id="side:russia", name="Russia", type=EntityType.ORG)
UKRAINE = EntityRef(id="side:ukraine", name="Ukraine", type=EntityType.ORG)


def claim(article: str, subject: EntityRef, relation: str, hours: float = 0,
          story: tuple[str, ...] = (), **kw: object) -> Claim:  # fmt: skip
    t = T0 + timedelta(hours=hours)
    return Claim(article_id=article, source=f"src-{article}", published_at=t, subject=subject,
                 relation=relation, time=t, sentence=f"{article} {relation} {kw}", start=0,
                 end=5, story=story, **kw).with_id()  # type: ignore[arg-type]


def test_two_clashes_of_one_pair_of_sentences_are_one_alert_in_either_order() -> None:
    captured = claim("a1", TOWN, "controlled_by", object=RUSSIA, state="captured")
    held = claim("a2", TOWN, "controlled_by", 2, object=UKRAINE, state="held")
    not_captured = claim("a2", TOWN, "controlled_by", 2, object=RUSSIA, state="captured",
                         polarity=Polarity.NEGATED)
    alerts = [a for c in (held, not_captured)
              if (a := contradiction_alert(c, captured, T0)) is not None]  # fmt: skip
    assert len(alerts) == 2
    once = one_per_conflict(alerts)
    assert len(once) == 1
    assert one_per_conflict(list(reversed(alerts))) == once
    (kept,) = once.values()
    (listed,) = kept.also  # the other clash is listed in the alert, not dropped
    assert {listed.id, kept.id} == {a.id for a in alerts}
    assert listed.reason and listed.new_claim_id in {held.id, not_captured.id}


def test_different_subjects_stay_separate_alerts() -> None:
    other = TOWN.model_copy(update={"id": "geo:2", "name": "Lomera"})
    alerts = [contradiction_alert(claim("a2", t, "controlled_by", 2, object=UKRAINE,
                                        state="held"),
                                  claim("a1", t, "controlled_by", object=RUSSIA,
                                        state="captured"), T0) for t in (TOWN, other)]
    assert len(one_per_conflict([a for a in alerts if a is not None])) == 2


def test_a_bare_event_noun_in_two_stories_is_two_events() -> None:
    conf = EntityRef(id="event:conference", name="conference", type=EntityType.EVENT)
    sofia = EntityRef(id="geo:s", name="Sofia", type=EntityType.PLACE, rank=PlaceRank.CITY,
                      ancestors=("geo:bg",), country="BG")
    manama = EntityRef(id="geo:m", name="Manama", type=EntityType.PLACE, rank=PlaceRank.CITY,
                       ancestors=("geo:bh",), country="BH")
    a = claim("a1", conf, "held_in", object=sofia, story=("p:1", "p:2", "p:3", "geo:s"))
    b = claim("a2", conf, "held_in", 1, object=manama, story=("p:7", "p:8", "p:9", "geo:m"))
    assert compare(b, a).outcome is Outcome.UNRELATED
    same_story = claim("a3", conf, "held_in", 1, object=manama, story=("p:1", "p:8", "p:9"))
    assert compare(same_story, a).outcome is Outcome.CONTRADICTION


def test_a_name_with_and_without_its_middle_initial_is_one_person() -> None:
    org = EntityRef(id="org:mgm", name="MGM", type=EntityType.ORG)
    one = EntityRef(id="person:james-j-murren", name="James J. Murren", type=EntityType.PERSON)
    two = EntityRef(id="person:james-murren", name="James Murren", type=EntityType.PERSON)
    other = EntityRef(id="person:jim-harlow", name="Jim Harlow", type=EntityType.PERSON)
    a = claim("a1", org, "office:chief-executive", object=one)
    assert compare(claim("a2", org, "office:chief-executive", 1, object=two),
                   a).outcome is Outcome.CONSISTENT
    assert compare(claim("a3", org, "office:chief-executive", 1, object=other),
                   a).outcome is Outcome.CONTRADICTION
