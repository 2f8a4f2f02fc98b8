"""Wire phrasings the seventh pass of issue 9 reads (docs/detection-quality.md): each test is
one phenomenon in invented names and words, not the text of any scenario. Real spaCy
parses through the entity pipeline; the lexicon and gazetteer as shipped."""

from __future__ import annotations

from typing import Any

from shared.domain.claims import Claim, Polarity
from tests.unit.phrasing_support import claims, nlp, of

__all__ = ["nlp"]  # the fixture, used by name


def places(cs: list[Claim]) -> set[str]:
    return {c.object.name for c in of(cs, "located_in") if c.object is not None}


# --- where a place lies --------------------------------------------------------------------

def test_a_district_of_a_province_lies_in_it(nlp: Any) -> None:
    cs = claims(nlp, "The storm flattened dozens of homes in Dolpa district of Karnali "
                     "Province, officials said.")
    assert "Karnali" in places(cs), cs


def test_in_y_hung_on_the_verb_after_a_district_still_places_it(nlp: Any) -> None:
    # the parser attaches "in Y" to "swept", right after "X district"
    cs = claims(nlp, "A flash flood swept through the upper valley of Chitral district in "
                     "Khyber Pakhtunkhwa on Monday, the disaster authority said.")
    assert "Khyber Pakhtunkhwa" in places(cs), cs


def test_a_district_the_text_does_not_place_says_nothing(nlp: Any) -> None:
    cs = claims(nlp, "The storm flattened dozens of homes in Dorvali district on Monday, "
                     "officials said.")
    assert not of(cs, "located_in"), cs


# --- counts ---------------------------------------------------------------------------------

def test_villages_cut_off_are_no_job_cuts(nlp: Any) -> None:
    cs = claims(nlp, "The landslide cut off about 15 villages in the valley, the district "
                     "office said.")
    assert not [c for c in cs if "job" in c.relation], cs


def test_jobs_cut_are_still_job_cuts(nlp: Any) -> None:
    cs = claims(nlp, "Talvora Steel will cut 1,400 jobs at its mill, the company said.")
    assert [c for c in cs if c.relation == "quantity:job-cuts"], cs


def test_a_fee_up_to_an_amount_keeps_its_bound(nlp: Any) -> None:
    # "for up to 17 million euros": the NER leaves "up to" out of the amount
    cs = of(claims(nlp, "Brenvik United have sold Teo Marsal to Kordal City for up to 16 "
                        "million euros, the club said."), "quantity:value")
    assert cs and all(c.value is not None and c.value.bound.value == "at_most" for c in cs), cs


# --- acts and states -----------------------------------------------------------------------

def test_a_mission_that_left_without_a_deal_denies_the_deal(nlp: Any) -> None:
    cs = of(claims(nlp, "A World Bank mission ended its visit to Accra on Friday without "
                        "reaching an agreement with Ghana, the bank said."), "event:deal")
    assert cs and all(c.polarity == Polarity.NEGATED for c in cs), cs


def test_surviving_a_strike_is_alive(nlp: Any) -> None:
    cs = of(claims(nlp, "Karim Aldaoud survived the drone strike, a spokesman for the "
                        "group said."), "status")
    assert [c.state for c in cs] == ["alive"], cs


def test_a_crossing_named_by_its_town_is_the_town(nlp: Any) -> None:
    # "the X border crossing was reopened" and "X remained closed" are one facility
    one = of(claims(nlp, "The Torkham border crossing was reopened for trade on Saturday, "
                         "customs officials said."), "status")
    two = of(claims(nlp, "Torkham remained closed on Saturday, officials said."), "status")
    assert one and two and one[0].subject.id == two[0].subject.id, (one, two)


def test_where_a_quake_was_felt_is_not_where_it_struck(nlp: Any) -> None:
    cs = claims(nlp, "Tremors from the earthquake were felt as far away as Pokhara, "
                     "residents said.")
    assert not of(cs, "occurred_in"), cs


# --- where an incident happened ------------------------------------------------------------

def test_the_ends_of_a_route_do_not_place_an_incident(nlp: Any) -> None:
    cs = claims(nlp, "Sixteen passengers were hurt when a train derailed on the "
                     "Huancayo–Huancavelica line on Tuesday, the operator said.")
    assert not [c for c in of(cs, "occurred_in") if c.object is not None
                and c.object.name in ("Huancayo", "Huancavelica")], cs


def test_a_namesake_abroad_does_not_place_an_incident_at_home(nlp: Any) -> None:
    # "Inca" is also a town in Mallorca: in a story about Peru the Peruvian town is the place
    cs = claims(nlp, "A bus carrying 30 tourists to the Inca ruins of Machu Picchu overturned "
                     "in southern Peru on Tuesday, injuring 12 people, officials said.")
    assert all(c.object is None or c.object.country in (None, "PE", "pe")
               for c in of(cs, "occurred_in")), cs


# --- where a named facility stands ---------------------------------------------------------

def test_a_named_facility_lies_in_the_place_its_phrase_names(nlp: Any) -> None:
    cs = of(claims(nlp, "The Nurek dam in the Khatlon region was closed to traffic on "
                        "Monday, officials said."), "located_in")
    assert [(c.subject.id, c.object.name) for c in cs if c.object is not None] == [
        ("name:nurek-dam", "Khatlon")], cs


def test_a_facility_named_after_a_town_is_not_placed_by_its_name(nlp: Any) -> None:
    # the bridge's name is a town's; only the "in" phrase says where it stands
    cs = of(claims(nlp, "The Tema bridge collapsed on Monday, officials said."), "located_in")
    assert not cs, cs


def test_a_region_name_the_ner_cut_short_is_read_whole(nlp: Any) -> None:
    from tests.unit.phrasing_support import mentions

    found = [m.text for m in mentions(nlp, "The bridge in Yen Bai province collapsed on "
                                           "Monday, state media reported.")]
    assert "Yen Bai" in found, found


# --- tallies --------------------------------------------------------------------------------

def test_a_tally_that_stands_at_a_figure_is_a_count(nlp: Any) -> None:
    cs = of(claims(nlp, "The number of cholera cases registered in Malawi this year stood at "
                        "4,250 on Friday, according to the health ministry."), "quantity:cases")
    assert [(c.subject.id, c.value.value) for c in cs if c.value is not None] == [
        ("place:malawi", 4250)], cs


def test_a_count_a_country_records_is_that_country_s(nlp: Any) -> None:
    # (the article's main place is a city it names later: the count is still the country's)
    cs = of(claims(nlp, "Malawi has recorded more than 4,000 cholera cases so far this year, "
                        "the health ministry said on Friday. Clinics in Blantyre are full, "
                        "and Blantyre's mayor has asked for help."), "quantity:cases")
    assert [c.subject.id for c in cs] == ["place:malawi"], cs


# --- elections ------------------------------------------------------------------------------

def test_the_share_of_voters_who_voted_is_the_turnout(nlp: Any) -> None:
    cs = of(claims(nlp, "About 57 percent of Zambia's registered voters cast ballots in "
                        "Thursday's election, the electoral commission said."), "quantity:turnout")
    assert [c.subject.id for c in cs] == ["place:zambia"], cs


def test_a_share_of_voters_that_backs_someone_is_no_turnout(nlp: Any) -> None:
    cs = claims(nlp, "About 57 percent of voters in Zambia support the new constitution, a "
                     "poll found.")
    assert not of(cs, "quantity:turnout"), cs


def test_an_election_held_on_a_weekday_is_past_not_scheduled(nlp: Any) -> None:
    cs = claims(nlp, "Turnout was low in Zambia's general election held on Thursday, the "
                     "commission said.")
    assert not of(cs, "scheduled_for"), cs


def test_a_person_whose_body_was_recovered_is_dead(nlp: Any) -> None:
    cs = of(claims(nlp, "The body of Tomas Ilves, a student who went missing on the mountain "
                        "on Thursday, was recovered on Sunday, police said."), "status")
    assert [(c.subject.id, c.state) for c in cs] == [("person:ilves", "dead")], cs


def test_bodies_of_unnamed_people_give_no_status(nlp: Any) -> None:
    cs = of(claims(nlp, "The bodies of two fishermen were recovered on Sunday, police said."),
            "status")
    assert not cs, cs


def test_a_deal_for_a_total_of_an_amount_is_worth_it(nlp: Any) -> None:
    cs = of(claims(nlp, "Kordal City have completed the signing of Teo Marsal from Brenvik "
                        "United for a total of 9 million euros, the club said."), "quantity:value")
    assert cs and all(c.value is not None and c.value.value == 9e6 for c in cs), cs
