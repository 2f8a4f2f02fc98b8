from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.domain.alerts import AlertKind, Outcome, Severity
from shared.domain.claims import Claim, Modality, Polarity
from shared.domain.contradiction import compare
from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.domain.policy import Policy, default_policy
from shared.domain.quantities import parse_quantity

T0 = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)


def ref(id_: str, name: str, type_: EntityType = EntityType.PLACE, **kw: Any) -> EntityRef:
    return EntityRef(id=id_, name=name, type=type_, **kw)


SUMMIT = ref("event:summit", "peace summit", EntityType.EVENT)
CH = ref("geo:ch", "Switzerland", rank=PlaceRank.COUNTRY, country="CH")
GENEVA = ref("geo:gva", "Geneva", rank=PlaceRank.CITY, ancestors=("geo:ge", "geo:ch"),
             country="CH")
VIENNA = ref("geo:vie", "Vienna", rank=PlaceRank.CITY, ancestors=("geo:w", "geo:at"),
             country="AT")
SOLEDAR = ref("geo:soledar", "Soledar", rank=PlaceRank.CITY, ancestors=("geo:don", "geo:ua"),
              country="UA")
RUSSIA = ref("side:russia", "Russia", EntityType.ORG)
UKRAINE = ref("side:ukraine", "Ukraine", EntityType.ORG)
QUAKE = ref("event:earthquake@name:valdera", "Valdera earthquake", EntityType.EVENT)
LUHANSK = ref("geo:luh", "Luhansk Oblast", rank=PlaceRank.ADMIN1, ancestors=("geo:ua",),
              country="UA")
DPR = ref("region:dpr", "Donetsk People's Republic", rank=PlaceRank.VAGUE,
          overlaps=("geo:don",), country="UA")
SEVERODONETSK = ref("geo:sev", "Severodonetsk", rank=PlaceRank.CITY,
                    ancestors=("geo:luh", "geo:ua"), country="UA")


def claim(article: str, subject: EntityRef, relation: str, *, hours: float = 0,
          source: str | None = None, sentence: str | None = None, **kw: Any) -> Claim:
    t = T0 + timedelta(hours=hours)
    return Claim(article_id=article, source=source or f"src-{article}", published_at=t,
                 subject=subject, relation=relation, time=t,
                 sentence=sentence or f"sentence of {article} {relation}", start=0, end=10,
                 **kw).with_id()


def qty(text: str):  # type: ignore[no-untyped-def]
    value = parse_quantity(text)
    assert value is not None
    return value


def test_policy_loads_windows_from_data() -> None:
    policy = default_policy()
    assert policy.window("controlled_by") == 48
    assert policy.window("quantity:killed") == 18
    assert policy.window("held_in") is None
    assert frozenset({"released", "detained"}) in policy.status_groups


def test_different_subject_or_relation_is_unrelated() -> None:
    a = claim("a1", SUMMIT, "held_in", object=GENEVA)
    b = claim("a2", SOLEDAR, "held_in", object=VIENNA)
    assert compare(a, b).outcome == Outcome.UNRELATED
    c = claim("a3", SUMMIT, "located_in", object=VIENNA)
    assert compare(a, c).outcome == Outcome.UNRELATED


def test_location_containment_is_consistent_disjoint_conflicts() -> None:
    geneva = claim("a1", SUMMIT, "held_in", object=GENEVA)
    swiss = claim("a2", SUMMIT, "held_in", object=CH)
    vienna = claim("a3", SUMMIT, "held_in", object=VIENNA, hours=24)
    assert compare(swiss, geneva).outcome == Outcome.CONSISTENT
    v = compare(vienna, geneva)
    assert v.outcome == Outcome.CONTRADICTION and v.kind == AlertKind.LOCATION
    assert "Geneva" in v.reason and "Vienna" in v.reason
    assert compare(vienna, swiss).outcome == Outcome.CONTRADICTION


def test_location_through_org_like_region() -> None:
    a = claim("a1", SEVERODONETSK, "located_in", object=LUHANSK)
    b = claim("a2", SEVERODONETSK, "located_in", object=DPR, hours=24 * 28)
    v = compare(b, a)
    assert v.outcome == Outcome.CONTRADICTION
    assert "Luhansk Oblast and Donetsk People's Republic do not overlap" in v.reason


def test_control_same_day_conflict_and_later_update() -> None:
    taken = claim("a1", SOLEDAR, "controlled_by", object=RUSSIA, state="captured")
    held = claim("a2", SOLEDAR, "controlled_by", object=UKRAINE, state="held", hours=7)
    v = compare(held, taken)
    assert v.outcome == Outcome.CONTRADICTION and v.kind == AlertKind.CONTROL
    assert v.severity == Severity.HIGH and "Soledar" in v.reason
    months = claim("a3", SOLEDAR, "controlled_by", object=RUSSIA, state="held",
                   hours=24 * 120)
    assert compare(months, held).outcome == Outcome.UPDATE


def test_denied_capture_conflicts_with_capture() -> None:
    taken = claim("a1", SOLEDAR, "controlled_by", object=RUSSIA, state="captured")
    denial = claim("a2", SOLEDAR, "controlled_by", object=None, state="captured",
                   polarity=Polarity.DENIED, hours=6)
    v = compare(denial, taken)
    assert v.outcome == Outcome.CONTRADICTION and v.kind == AlertKind.CONTROL
    # a withdrawal (not held by Ukraine) agrees with Russia holding it
    withdrew = claim("a3", SOLEDAR, "controlled_by", object=UKRAINE, state="held",
                     polarity=Polarity.NEGATED, hours=6)
    assert compare(withdrew, taken).outcome == Outcome.CONSISTENT


def test_quantity_same_day_conflict_rising_toll_update() -> None:
    a1 = claim("a1", QUAKE, "quantity:killed", value=qty("at least 120"))
    a2 = claim("a2", QUAKE, "quantity:killed", value=qty("40"), hours=1.5)
    a3 = claim("a3", QUAKE, "quantity:killed", value=qty("250"), hours=48)
    v = compare(a2, a1)
    assert v.outcome == Outcome.CONTRADICTION and v.kind == AlertKind.QUANTITY
    assert "at least 120 killed" in v.reason and "40 killed" in v.reason
    assert "same day" in v.reason
    assert compare(a3, a1).outcome == Outcome.CONSISTENT  # 250 is "at least 120"
    assert compare(a3, a2).outcome == Outcome.UPDATE


def test_quantity_equivalents_are_consistent() -> None:
    a = claim("a1", QUAKE, "quantity:killed", value=qty("12"))
    b = claim("a2", QUAKE, "quantity:killed", value=qty("a dozen"))
    c = claim("a3", QUAKE, "quantity:evacuated", value=qty("1,012"))
    d = claim("a4", QUAKE, "quantity:evacuated", value=qty("about 1,000"))
    assert compare(b, a).outcome == Outcome.CONSISTENT
    assert compare(d, c).outcome == Outcome.CONSISTENT
    e = claim("a5", QUAKE, "quantity:evacuated", value=qty("5,000"))
    f = claim("a6", QUAKE, "quantity:evacuated", value=qty("500"))
    assert compare(f, e).outcome == Outcome.CONTRADICTION


def test_falling_cumulative_count_later_is_low_severity_conflict() -> None:
    a = claim("a1", QUAKE, "quantity:killed", value=qty("250"))
    b = claim("a2", QUAKE, "quantity:killed", value=qty("40"), hours=72)
    v = compare(b, a)
    assert v.outcome == Outcome.CONTRADICTION and v.severity == Severity.LOW


def test_a_count_that_fell_a_week_later_is_no_conflict() -> None:
    # beyond the policy's fall window a lower toll keyed on a region is another incident
    a = claim("a1", QUAKE, "quantity:killed", value=qty("250"))
    b = claim("a2", QUAKE, "quantity:killed", value=qty("40"), hours=24 * 6)
    assert default_policy().fall_window_hours == 72
    assert compare(b, a).outcome == Outcome.UPDATE


def test_office_two_holders_conflict_one_person_two_offices_not() -> None:
    org = ref("org:norvik", "Norvik Energy", EntityType.ORG)
    lena = ref("person:lena", "Lena Brandt", EntityType.PERSON)
    tomas = ref("person:tomas", "Tomas Egeland", EntityType.PERSON)
    a = claim("a1", org, "office:chief-executive", object=lena)
    b = claim("a2", org, "office:chief-executive", object=tomas, hours=2)
    v = compare(b, a)
    assert v.outcome == Outcome.CONTRADICTION and v.kind == AlertKind.ROLE
    assert "Lena Brandt" in v.reason and "Tomas Egeland" in v.reason
    chair = claim("a3", org, "office:chair", object=lena, hours=2)
    assert compare(chair, a).outcome == Outcome.UNRELATED
    # "Brandt" in one report and "Lena Brandt" in another are one holder
    brandt = claim("a4", org, "office:chief-executive",
                   object=ref("person:brandt", "Brandt", EntityType.PERSON), hours=3)
    assert compare(brandt, a).outcome == Outcome.CONSISTENT
    assert compare(brandt, b).outcome == Outcome.CONTRADICTION


def test_negation_and_hedge_lowers_severity() -> None:
    harrow = ref("org:harrow", "Harrow Motors", EntityType.ORG)
    plant = ref("thing:plant@geo:detroit", "Detroit plant", EntityType.OTHER)
    plant_bare = ref("thing:plant", "plant", EntityType.OTHER)
    a = claim("a1", harrow, "event:close", object=plant, modality=Modality.HEDGED)
    b = claim("a2", harrow, "event:close", object=plant_bare, polarity=Polarity.DENIED,
              hours=6)
    v = compare(b, a)
    assert v.outcome == Outcome.CONTRADICTION and v.kind == AlertKind.NEGATION
    assert v.severity == Severity.MEDIUM and "hedged" in v.reason
    firm = claim("a3", harrow, "event:close", object=plant, hours=1)
    v2 = compare(b, firm)
    assert v2.severity == Severity.HIGH
    other = ref("thing:plant@geo:ohio", "Ohio plant", EntityType.OTHER)
    c = claim("a4", harrow, "event:close", object=other, polarity=Polarity.DENIED, hours=6)
    assert compare(c, a).outcome == Outcome.UNRELATED


def test_status_and_date() -> None:
    anna = ref("person:anna", "Anna Kovac", EntityType.PERSON)
    rel = claim("a1", anna, "status", state="released")
    det = claim("a2", anna, "status", state="detained", hours=4)
    v = compare(det, rel)
    assert v.outcome == Outcome.CONTRADICTION and v.kind == AlertKind.STATUS
    later = claim("a3", anna, "status", state="detained", hours=24 * 30)
    assert compare(later, rel).outcome == Outcome.UPDATE
    dead = claim("a4", anna, "status", state="dead", hours=1)
    assert compare(dead, rel).outcome == Outcome.CONSISTENT  # other dimension
    vote = ref("event:election", "snap election", EntityType.EVENT)
    d1 = claim("a5", vote, "scheduled_for", on_date=date(2025, 3, 12))
    d2 = claim("a6", vote, "scheduled_for", on_date=date(2025, 3, 19), hours=9)
    march = claim("a7", vote, "scheduled_for", on_date=date(2025, 3, 1),
                  on_date_end=date(2025, 3, 31), hours=9)
    vd = compare(d2, d1)
    assert vd.outcome == Outcome.CONTRADICTION and vd.kind == AlertKind.DATE
    assert compare(march, d1).outcome == Outcome.CONSISTENT


def test_restatements_are_consistent() -> None:
    a = claim("a1", QUAKE, "quantity:killed", value=qty("40"), source="AP",
              sentence="Officials said 40 people died.")
    same = claim("a2", QUAKE, "quantity:killed", value=qty("40"), source="Yahoo", hours=1,
                 sentence="Officials said 40 people died.")
    assert compare(same, a).outcome == Outcome.CONSISTENT
    syndicated = claim("a3", SOLEDAR, "controlled_by", object=RUSSIA, state="captured",
                       source="AP", sentence="Russia says it took Soledar.")
    copy = claim("a4", SOLEDAR, "controlled_by", object=UKRAINE, state="held",
                 source="MSN", sentence="Russia says it took  Soledar.")
    assert compare(copy, syndicated).outcome == Outcome.CONSISTENT


def test_custom_policy_window() -> None:
    policy = Policy(windows_hours={"controlled_by": 1.0, "default": 48.0})
    a = claim("a1", SOLEDAR, "controlled_by", object=RUSSIA, state="captured")
    b = claim("a2", SOLEDAR, "controlled_by", object=UKRAINE, state="held", hours=3)
    assert compare(b, a, policy).outcome == Outcome.UPDATE


def test_named_event_and_its_short_reference_compare_different_kinds_do_not() -> None:
    forum = ref("event:forum", "nordic climate forum", EntityType.EVENT)
    short = ref("event:forum", "forum", EntityType.EVENT)
    other = ref("event:forum", "asian investment forum", EntityType.EVENT)
    oslo = ref("geo:oslo", "Oslo", rank=PlaceRank.CITY, ancestors=("geo:no",), country="NO")
    a = claim("a1", forum, "held_in", object=oslo)
    b = claim("a2", short, "held_in", hours=2, object=VIENNA)
    c = claim("a3", other, "held_in", hours=3, object=VIENNA)
    assert compare(b, a).outcome == Outcome.CONTRADICTION
    assert compare(c, a).outcome == Outcome.UNRELATED
    pres = ref("event:election", "presidential election", EntityType.EVENT)
    parl = ref("event:election", "snap parliamentary election", EntityType.EVENT)
    d1 = claim("a1", pres, "scheduled_for", on_date=date(2025, 3, 12))
    d2 = claim("a2", parl, "scheduled_for", hours=1, on_date=date(2025, 3, 19))
    assert compare(d2, d1).outcome == Outcome.UNRELATED


def test_a_claim_its_own_report_disputes_contradicts_nothing() -> None:
    town = ref("geo:t", "Avdiivka", rank=PlaceRank.CITY)
    russia = ref("side:russia", "Russia", EntityType.ORG)
    ukraine = ref("side:ukraine", "Ukraine", EntityType.ORG)
    a = claim("a1", town, "controlled_by", object=russia, state="captured")
    b = claim("a2", town, "controlled_by", object=ukraine, state="held", hours=2)
    assert compare(b, a).outcome == Outcome.CONTRADICTION
    disputed = a.model_copy(update={"modality": Modality.DISPUTED})
    assert compare(b, disputed).outcome == Outcome.CONSISTENT


def test_an_act_s_reason_names_its_parties_once() -> None:
    mosul = ref("geo:mosul", "Mosul", rank=PlaceRank.CITY, country="IQ")
    case = ref("thing:case:cholera", "case of cholera", EntityType.OTHER)
    a = claim("a1", mosul, "event:case", object=case)
    b = claim("a2", mosul, "event:case", object=case, polarity=Polarity.DENIED, hours=2)
    v = compare(b, a)
    assert v.outcome == Outcome.CONTRADICTION and v.reason.startswith("Mosul: case of cholera:")
    harrow = ref("org:harrow", "Harrow Motors", EntityType.ORG)
    plant = ref("thing:plant", "plant", EntityType.OTHER)
    c = claim("a3", harrow, "event:close", object=plant)
    d = claim("a4", harrow, "event:close", object=plant, polarity=Polarity.DENIED, hours=2)
    assert compare(d, c).reason.startswith("Harrow Motors to close plant:")


def test_a_company_s_results_ten_per_cent_apart_conflict_rounding_does_not() -> None:
    firm = ref("org:morvelo", "Morvelo", EntityType.ORG)
    a = claim("a1", firm, "quantity:revenue", value=qty("$9.1 billion"))
    b = claim("a2", firm, "quantity:revenue", value=qty("$8.3 billion"), hours=1)
    c = claim("a3", firm, "quantity:revenue", value=qty("$9.06 billion"), hours=1)
    assert compare(b, a).outcome == Outcome.CONTRADICTION
    assert compare(c, a).outcome == Outcome.CONSISTENT


def test_two_holders_of_an_office_are_named_in_the_plural_of_its_title() -> None:
    jp = ref("country:jp", "Japan", rank=PlaceRank.COUNTRY, country="JP")
    a = claim("a1", jp, "office:chief-cabinet-secretary",
              object=ref("person:a", "Aya Mori", EntityType.PERSON))
    b = claim("a2", jp, "office:chief-cabinet-secretary",
              object=ref("person:b", "Ken Oda", EntityType.PERSON), hours=1)
    verdict = compare(b, a)
    assert verdict.outcome == Outcome.CONTRADICTION
    assert "two chief cabinet secretaries" in verdict.reason, verdict.reason
