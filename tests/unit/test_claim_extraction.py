"""Claim extraction on real parses (spaCy + the entity pipeline), no Redis."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from shared.domain.claims import Bound, Claim, Modality, Polarity
from shared.domain.ids import entity_id
from shared.nlp.claim_extraction import ArticleInfo, extract_claims


@pytest.fixture(scope="module")
def nlp() -> Any:
    from shared.nlp.pipeline import build_nlp

    return build_nlp()


def run(nlp: Any, text: str, when: datetime = datetime(2025, 5, 2, 9, tzinfo=UTC)
        ) -> list[Claim]:
    from shared.nlp.pipeline import link_doc

    doc, mentions = link_doc(nlp, text)
    return extract_claims(doc, mentions, ArticleInfo(id="a1", source="Wire", published_at=when))


def only(claims: list[Claim], relation: str) -> list[Claim]:
    return [c for c in claims if c.relation == relation]


def test_apposition_location(nlp: Any) -> None:
    claims = run(nlp, "Kramatorsk, in eastern Ukraine's Donetsk Oblast, was shelled again.")
    loc = only(claims, "located_in")
    assert any(c.subject.name == "Kramatorsk" and c.object is not None
               and "Donetsk" in c.object.name for c in loc)


def test_city_of_x_in_region_and_coreference(nlp: Any) -> None:
    text = ("Ukrainian forces still hold the city of Kupiansk in the Kharkiv region. "
            "The city, a rail hub in the Donetsk People's Republic, is under fire.")
    loc = only(run(nlp, text), "located_in")
    assert len({c.subject.id for c in loc}) == 1  # "The city" is Kupiansk
    objects = {c.object.name for c in loc if c.object}
    assert any("Kharkiv" in o for o in objects)
    assert any("Donetsk People" in o for o in objects)


def test_event_held_in_and_scheduled(nlp: Any) -> None:
    claims = run(nlp, "The trade summit will be held in Lisbon on 12 June, officials said.")
    held = only(claims, "held_in")
    assert held and held[0].subject.id == "event:summit" and held[0].object is not None
    assert held[0].object.name == "Lisbon"
    sched = only(claims, "scheduled_for")
    assert sched and sched[0].on_date == date(2025, 6, 12)
    assert held[0].attribution == "officials"


def test_control_capture_and_denial(nlp: Any) -> None:
    when = datetime(2023, 1, 11, 8, tzinfo=UTC)
    a = only(run(nlp, "Russian troops captured Bakhmut on Tuesday, Moscow said.", when),
             "controlled_by")
    assert a and a[0].object is not None and a[0].object.id == "side:russia"
    assert a[0].polarity == Polarity.ASSERTED and a[0].state == "captured"
    b = only(run(nlp, "Kyiv denied that Bakhmut had been captured and said the town remains "
                      "under Ukrainian control.", when), "controlled_by")
    assert any(c.polarity == Polarity.DENIED and c.state == "captured" for c in b)
    assert any(c.object is not None and c.object.id == "side:ukraine"
               and c.polarity == Polarity.ASSERTED for c in b)


def test_quantity_with_event_subject(nlp: Any) -> None:
    when = datetime(2023, 2, 6, 9, tzinfo=UTC)
    claims = run(nlp, "A powerful earthquake struck near Gaziantep on Monday, killing at "
                      "least 1,500 people, the disaster agency said.", when)
    q = only(claims, "quantity:killed")
    assert q and q[0].value is not None
    assert q[0].value.value == 1500 and q[0].value.bound == Bound.AT_LEAST
    assert q[0].subject.id.startswith("event:earthquake@")


def test_toll_rose_to(nlp: Any) -> None:
    claims = run(nlp, "The death toll from the flood in Derna rose to 3,000 on Wednesday.")
    q = only(claims, "quantity:killed")
    assert q and q[0].value is not None and q[0].value.value == 3000
    assert q[0].subject.id.startswith("event:flood@")


def test_status_released_and_remains(nlp: Any) -> None:
    a = only(run(nlp, "Reporter Jonas Weber was released on Monday, his employer said."),
             "status")
    assert a and a[0].state == "released" and a[0].subject.type == "person"
    b = only(run(nlp, "Jonas Weber remains in detention, a court official said."), "status")
    assert b and b[0].state == "detained" and b[0].subject.id == a[0].subject.id


def test_office_both_orders(nlp: Any) -> None:
    a = only(run(nlp, "Altavia Bank chief executive Maria Lopez said profits rose."),
             "office:chief-executive")
    b = only(run(nlp, "Peter Holm, the CEO of Altavia Bank, resigned."),
             "office:chief-executive")
    assert a and b and a[0].subject.id == b[0].subject.id
    assert a[0].object is not None and b[0].object is not None
    assert a[0].object.name == "Maria Lopez" and b[0].object.name == "Peter Holm"
    former = run(nlp, "Altavia Bank's former chief executive Maria Lopez spoke.")
    assert not only(former, "office:chief-executive")


def test_plan_hedged_and_denied(nlp: Any) -> None:
    a = only(run(nlp, "Kestrel Steel will close its Sheffield mill next year, sources said."),
             "event:close")
    assert a and a[0].modality == Modality.HEDGED and a[0].polarity == Polarity.ASSERTED
    b = only(run(nlp, "Kestrel Steel denied that it would close the Sheffield mill."),
             "event:close")
    assert b and b[0].polarity == Polarity.DENIED
    c = only(run(nlp, "Kestrel Steel said it has no plans to close the mill."), "event:close")
    assert c and c[0].polarity == Polarity.NEGATED
    assert a[0].subject.id == b[0].subject.id == c[0].subject.id


def test_claim_ids_are_deterministic(nlp: Any) -> None:
    text = "The death toll from the flood in Derna rose to 3,000 on Wednesday."
    assert [c.id for c in run(nlp, text)] == [c.id for c in run(nlp, text)]
    assert all(c.id.startswith("clm_") for c in run(nlp, text))


def test_same_claims_from_a_decoded_parse(nlp: Any) -> None:
    """The claim worker gets the entity worker's parse through a DocBin."""
    from shared.nlp.docbin import decode_doc, encode_doc
    from shared.nlp.pipeline import link_doc

    text = ("Russian troops captured Bakhmut on Tuesday, Moscow said. The death toll from the "
            "flood in Derna rose to 3,000 on Wednesday.")
    doc, mentions = link_doc(nlp, text)
    info = ArticleInfo(id="a1", source="Wire", published_at=datetime(2023, 5, 2, tzinfo=UTC))
    direct = extract_claims(doc, mentions, info)
    decoded = extract_claims(decode_doc(encode_doc(doc), nlp.vocab), mentions, info)
    assert direct and [c.id for c in decoded] == [c.id for c in direct]


# --- paraphrase mechanisms (general dependency patterns, not sentences) -----------------


def _objects(claims: list[Claim], relation: str) -> set[str]:
    return {c.object.name for c in only(claims, relation) if c.object is not None}


def test_population_apposition_places_the_city(nlp: Any) -> None:
    # "a city of about N people in Y": the parser hangs "in Y" on the population count
    claims = run(nlp, "Lysychansk, a city of about 95,000 people in Ukraine's Luhansk Oblast, "
                      "came under heavy shelling overnight.")
    assert any("Luhansk" in o for o in _objects(claims, "located_in"))


@pytest.mark.parametrize("noun", ["administrative centre", "capital", "seat"])
def test_centre_of_region_places_the_city(nlp: Any, noun: str) -> None:
    claims = run(nlp, f"Kramatorsk, the {noun} of Donetsk Oblast, was shelled on Monday.")
    assert any("Donetsk" in o for o in _objects(claims, "located_in"))


def test_person_with_place_words_is_not_located(nlp: Any) -> None:
    # an unlinked name is a place only when the text describes it as one
    claims = run(nlp, "Rep. Duncan Hunter (R-Calif.) said on Tuesday that ten fighters were "
                      "caught. Abu Ubaidah, the youngest fighter in the Islamic State, died.")
    assert not only(claims, "located_in")
    claims = run(nlp, "Militants vowed to fight the Islamic State in Syria and Iraq.")
    assert not only(claims, "located_in")


def test_disaster_toll_anchored_on_a_country_in_the_clause(nlp: Any) -> None:
    claims = run(nlp, "At least 35 people were killed when a landslide buried a village in "
                      "Nepal, police said.")
    q = only(claims, "quantity:killed")
    assert q and q[0].subject.id.startswith("event:landslide@")
    assert q[0].value is not None and q[0].value.bound == Bound.AT_LEAST


def test_named_event_and_hyphenated_runoff(nlp: Any) -> None:
    claims = run(nlp, "The presidential run-off will take place on 9 November, the electoral "
                      "commission said.")
    sched = only(claims, "scheduled_for")
    assert sched and sched[0].subject.id == "event:runoff"
    assert sched[0].subject.name == "presidential run-off"
    held = only(run(nlp, "The Nordic Climate Forum will take place in Oslo in October."),
                "held_in")
    assert held and held[0].subject.id == "event:forum"
    assert held[0].subject.name == "nordic climate forum"


def test_bare_generic_event_is_not_keyed(nlp: Any) -> None:
    claims = run(nlp, "The meeting will be held in Riyadh, officials said.")
    assert not only(claims, "held_in")
    assert only(run(nlp, "The peace talks will be held in Doha, officials said."), "held_in")


def test_set_to_is_a_plan_and_company_name_split_by_ner(nlp: Any) -> None:
    claims = run(nlp, "Kessler Steel is set to shut its Duisburg rolling mill next year.")
    plans = only(claims, "event:close")  # "shut" is of the class "close" (plan_classes)
    assert plans and plans[0].subject.name == "Kessler Steel"
    assert plans[0].polarity == Polarity.ASSERTED
    denied = only(run(nlp, "Solano Telecom denied on Wednesday that it plans to cut jobs."),
                  "event:cut")
    assert denied and denied[0].subject.id == "org:solano-telecom"
    assert denied[0].polarity == Polarity.DENIED


def test_would_not_is_negated_plan(nlp: Any) -> None:
    claims = run(nlp, "Veltra Foods reported higher sales. The company said it would not cut "
                      "2,000 jobs.")
    plans = only(claims, "event:cut")
    assert plans and plans[0].polarity == Polarity.NEGATED


def test_status_from_object_complement(nlp: Any) -> None:
    freed = only(run(nlp, "Aid worker Tomasz Wrona has been set free by his kidnappers."),
                 "status")
    assert freed and freed[0].state == "released"
    # compared under the surname (ids.keyed_by_name), the full name kept
    assert freed[0].subject.id == "person:wrona"
    assert freed[0].subject.name == "Tomasz Wrona"
    dead = only(run(nlp, "The missing climber Anna Berg was found dead on Sunday."), "status")
    assert dead and dead[0].state == "dead"


def test_held_event_is_not_a_detained_person(nlp: Any) -> None:
    claims = run(nlp, "The World Hydrogen Congress will be held in Antwerp, according to a "
                      "draft programme seen by the newspaper.")
    assert not only(claims, "status")


def test_no_hint_is_not_a_negation(nlp: Any) -> None:
    claims = run(nlp, "The video gives no hint as to where Anna Kovac was being held.")
    st = only(claims, "status")
    assert all(c.polarity == Polarity.ASSERTED for c in st)


@pytest.mark.parametrize("text", [
    "Acme Corp named Jane Doe as its new chief executive.",
    "Jane Doe was named chief executive of Acme Corp on Monday.",
    "Jane Doe, who became chief executive of Acme Corp in 2023, said sales rose.",
    "Jane Doe became chief executive of Acme Corp last year.",
])
def test_appointment_and_became_office(nlp: Any, text: str) -> None:
    office = only(run(nlp, text), "office:chief-executive")
    assert office and office[0].object is not None and office[0].object.name == "Jane Doe"
    assert office[0].subject.id == entity_id("org", "Acme Corp")


def test_sub_office_and_person_are_not_keyed(nlp: Any) -> None:
    assert not [c for c in run(nlp, "Acme Corp named Jane Doe as its new head of marketing.")
                if c.relation.startswith("office:")]
    claims = run(nlp, "Hassan Tukur, a secretary to President Goodluck Jonathan, spoke.")
    assert not [c for c in claims if c.relation.startswith("office:")]


def test_claims_of_capture_were_untrue_is_a_denial(nlp: Any) -> None:
    claims = run(nlp, "Ukraine's army said that Marinka is still held by Ukrainian troops and "
                      "that Russian claims of its capture were untrue.")
    ctrl = only(claims, "controlled_by")
    assert any(c.state == "captured" and c.polarity == Polarity.DENIED for c in ctrl)
    assert any(c.object is not None and c.object.id == "side:ukraine" for c in ctrl)


def test_capture_verbs_need_an_armed_subject(nlp: Any) -> None:
    claims = run(nlp, "Father O'Neal entered heaven and took control of the garden.")
    assert not only(claims, "controlled_by")
    claims = run(nlp, "Kim Jong Un is in firm control of his government.")
    assert not only(claims, "controlled_by")
    assert only(run(nlp, "M23 rebels seized Goma on Monday."), "controlled_by")


@pytest.mark.parametrize("text", [
    "Toretsk, located in the Donetsk region, was shelled overnight.",
    "Toretsk, which lies in the Donetsk region, was shelled overnight.",
])
def test_location_clause_on_a_place(nlp: Any, text: str) -> None:
    assert any("Donetsk" in o for o in _objects(run(nlp, text), "located_in"))


def test_postponed_to_and_go_ahead_are_dates(nlp: Any) -> None:
    a = only(run(nlp, "The constitutional referendum has been postponed to 5 May, the "
                      "commission said."), "scheduled_for")
    assert a and a[0].on_date == date(2025, 5, 5)
    b = only(run(nlp, "The constitutional referendum will go ahead on 12 May."),
             "scheduled_for")
    assert b and b[0].on_date == date(2025, 5, 12)


@pytest.mark.parametrize(("text", "state"), [
    ("The Rafah crossing reopened on Monday, officials said.", "open"),
    ("The Rafah crossing remained shut on Monday.", "closed"),
    ("Journalist Evan Marsh remains behind bars.", "detained"),
])
def test_more_status_phrasings(nlp: Any, text: str, state: str) -> None:
    st = only(run(nlp, text), "status")
    assert st and st[0].state == state


def test_past_episodes_make_no_state_claims(nlp: Any) -> None:
    # a state dated to an earlier episode of the story is not the state at report time
    for text in ("Foley was freed six weeks later.",
                 "Foley was detained and held for 44 days in Libya in 2011.",
                 "Russian forces captured Bakhmut two years ago."):
        claims = run(nlp, text)
        assert not only(claims, "status") and not only(claims, "controlled_by"), text
    assert only(run(nlp, "Anna Kovac was released later on Tuesday."), "status")


def test_passive_plan_subject_is_the_thing_not_the_agent(nlp: Any) -> None:
    claims = run(nlp, "The ministry denied reports that Kabul airport would be closed.")
    assert not [c for c in claims if c.relation.startswith("event:")]


def test_deal_value_per_party_not_per_share(nlp: Any) -> None:
    claims = only(run(nlp, "Brenmoor Logistics agreed to buy Tallis Freight for $640 million, "
                           "or $12 a share, the companies said."), "quantity:value")
    assert claims, "no deal value"
    assert {c.value.unit for c in claims if c.value} == {"USD"}
    assert {c.value.value for c in claims if c.value} == {640_000_000}  # not the $12 a share
    assert any(entity_id("org", "Tallis Freight") in c.subject.id for c in claims)


def test_a_count_hangs_on_the_event_verb(nlp: Any) -> None:
    a = only(run(nlp, "A missile struck a market in Kherson on Monday, killing nine people."),
             "quantity:killed")
    b = only(run(nlp, "Eleven people died when a ferry capsized near Mwanza on Monday."),
             "quantity:killed")
    assert a and a[0].subject.id.startswith("event:attack@")
    assert b and b[0].subject.id.startswith("event:sinking@")


def test_the_pronoun_of_a_status_is_the_articles_person(nlp: Any) -> None:
    text = ("Reporter Ilona Varga was detained in Minsk last week, her editor said. "
            "On Monday her family said she remains in custody.")
    st = only(run(nlp, text), "status")
    assert st and all(c.subject.id == st[0].subject.id for c in st)
    assert "varga" in st[0].subject.id


def test_an_incident_asserted_and_denied(nlp: Any) -> None:
    yes = only(run(nlp, "An explosion occurred at a fertiliser plant in Tarnow on Monday, "
                        "firefighters said."), "event:occur")
    no = only(run(nlp, "Azoty said no explosion had taken place at its plant in Tarnow on "
                       "Monday."), "event:occur")
    assert yes and no and yes[0].subject.id == no[0].subject.id
    assert yes[0].polarity == Polarity.ASSERTED and no[0].polarity != Polarity.ASSERTED


def test_a_facility_is_keyed_on_its_place_named_or_not(nlp: Any) -> None:
    a = only(run(nlp, "Juba International Airport in Juba reopened to flights on Monday."),
             "status")
    b = only(run(nlp, "The airport in Juba remained closed on Monday, pilots said."), "status")
    assert a and b and a[0].subject.id == b[0].subject.id
    assert {a[0].state, b[0].state} == {"open", "closed"}


def test_a_report_of_both_sides_is_a_dispute_not_a_claim(nlp: Any) -> None:
    both = run(nlp, "Russia's defence ministry said its forces had captured Avdiivka. "
                    "Ukraine's General Staff denied the claim.")
    one = run(nlp, "Russia's defence ministry said its forces had captured Avdiivka.")
    (disputed,) = only(both, "controlled_by")
    (firm,) = only(one, "controlled_by")
    assert disputed.modality == Modality.DISPUTED and firm.modality != Modality.DISPUTED


def test_arrests_at_a_protest_are_keyed_on_its_place_not_on_a_month(nlp: Any) -> None:
    a = only(run(nlp, "Police detained forty people after a rally in Minsk on Saturday."),
             "quantity:arrested")
    b = only(run(nlp, "More than 300 people were detained during the protest in Minsk."),
             "quantity:arrested")
    assert a and b and {c.subject.id for c in a} & {c.subject.id for c in b}
    month = run(nlp, "In March, at least 12 people were killed in Mariupol, officials said.")
    assert not any("march" in c.subject.id for c in month)
