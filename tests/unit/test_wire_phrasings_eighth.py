"""Wire phrasings the eighth pass of issue 9 reads (docs/detection-quality.md): each test is
one phenomenon in invented names and words, not the text of any scenario. Real spaCy
parses through the entity pipeline; the lexicon and gazetteer as shipped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.domain.alerts import Outcome
from shared.domain.claims import Claim
from shared.domain.contradiction import compare
from tests.unit.phrasing_support import WHEN, claims, nlp, of

__all__ = ["nlp"]  # the fixture, used by name


def outcomes(a: list[Claim], b: list[Claim]) -> list[Outcome]:
    return [compare(y, x).outcome for x in a for y in b
            if x.subject.id == y.subject.id and x.relation == y.relation]  # fmt: skip


# --- when an incident happened ------------------------------------------------------------

_FIRST = ("Four people were killed when a car bomb exploded at a market in Mosul on "
          "Thursday, 18 September, police said.")
_SECOND = ("A car bomb that killed four people at a Mosul market went off on Tuesday, "
           "16 September, the interior ministry said.")


def test_an_incident_dated_two_ways_conflicts(nlp: Any) -> None:
    a = of(claims(nlp, _FIRST), "occurred_on")
    b = of(claims(nlp, _SECOND, when=WHEN + timedelta(hours=3), article="a2"), "occurred_on")
    assert a and b, (a, b)
    assert Outcome.CONTRADICTION in outcomes(a, b)


def test_an_incident_dated_alike_agrees(nlp: Any) -> None:
    a = of(claims(nlp, _FIRST), "occurred_on")
    b = of(claims(nlp, "A car bomb killed four people at a Mosul market on Thursday, the "
                       "interior ministry said.", when=WHEN + timedelta(hours=3),
                  article="a2"), "occurred_on")  # fmt: skip
    assert a and b and Outcome.CONTRADICTION not in outcomes(a, b)


def test_the_day_a_report_was_told_does_not_date_the_incident(nlp: Any) -> None:
    cs = claims(nlp, "Police said on Friday that four people were killed by a car bomb at a "
                     "market in Mosul.")
    assert not of(cs, "occurred_on"), cs


def test_two_dates_in_one_sentence_date_nothing(nlp: Any) -> None:
    cs = claims(nlp, "Four people were killed by a car bomb in Mosul on Thursday, a week "
                     "after a blast there on 11 September.")
    assert not of(cs, "occurred_on"), cs


def test_the_same_toll_days_apart_is_another_incident(nlp: Any) -> None:
    a = of(claims(nlp, _FIRST), "occurred_on")
    b = of(claims(nlp, "A car bomb killed four people at a market in Mosul on Monday, 22 "
                       "September, police said.", when=WHEN + timedelta(days=3),
                  article="a2"), "occurred_on")  # fmt: skip
    assert a and b and Outcome.CONTRADICTION not in outcomes(a, b)


# --- the state of a facility ---------------------------------------------------------------

def status_subjects(cs: list[Claim]) -> set[str]:
    return {c.subject.id for c in of(cs, "status")}


def test_an_airport_named_by_its_city_is_its_city_s_airport(nlp: Any) -> None:
    full = claims(nlp, "Kabul's Hamid Karzai International Airport was closed on Monday, an "
                       "official said.")
    short = claims(nlp, "Kabul airport was open and flights were operating, the minister "
                        "said.", article="a2")
    assert status_subjects(full) & status_subjects(short), (full, short)


def test_two_bridges_of_one_city_stay_apart(nlp: Any) -> None:
    # a city has many bridges: the name, not the city, says which
    a = claims(nlp, "The Dorvan bridge in Vilnius was closed on Monday, police said.")
    b = claims(nlp, "The Marsal bridge in Vilnius was closed on Monday, police said.")
    assert status_subjects(a) and status_subjects(b), (a, b)
    assert not status_subjects(a) & status_subjects(b)


def test_a_subject_the_parser_hangs_on_the_auxiliary_is_the_subject(nlp: Any) -> None:
    cs = claims(nlp, "The Varno Friendship Bridge, the main crossing between Laos and "
                     "Thailand, was closed to all traffic on Tuesday, officials said.")
    assert [c for c in of(cs, "status") if c.state == "closed"], cs


def test_an_airport_the_ner_names_whole_is_still_its_city_s(nlp: Any) -> None:
    full = claims(nlp, "Port Harcourt International Airport was closed to all flights on "
                       "Monday, the aviation authority said.")
    short = claims(nlp, "The airport in Port Harcourt is operating normally, its manager said.",
                   article="a2")
    assert status_subjects(full) & status_subjects(short), (full, short)


# --- offices --------------------------------------------------------------------------------

def holders(cs: list[Claim]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in of(cs, "office:"):
        if c.object is not None:
            out.setdefault(f"{c.subject.id}|{c.relation}", set()).add(c.object.name)
    return out


def test_the_director_of_an_agency_holds_its_one_office(nlp: Any) -> None:
    cs = claims(nlp, "The attack was carried out from abroad, the director of Latvia's Data "
                     "Protection Agency, Ilze Kalnina, said on Monday.")
    assert any("director" in k for k in holders(cs)), cs


def test_a_company_director_is_one_of_many(nlp: Any) -> None:
    cs = claims(nlp, "Brenvik Foods director Ilze Kalnina said sales had risen.")
    assert not any("director" in k for k in holders(cs)), cs


def test_a_name_its_apposition_calls_a_company_is_the_company(nlp: Any) -> None:
    text = ("Veltranafta, Moldova's largest fuel retailer, raised prices on Tuesday, the "
            "company said. \"We had no choice,\" chief executive Ion Darie said. The firm is "
            "owned by state group Energocom.")
    assert any(k.startswith("org:veltranafta") for k in holders(claims(nlp, text))), text


# --- a winner's share of the vote ----------------------------------------------------------

def shares(cs: list[Claim]) -> dict[str, str]:
    return {c.subject.id: str(c.value.unit) for c in of(cs, "quantity:votes")
            if c.value is not None}  # fmt: skip


def test_the_share_a_winner_won_with_is_the_winner_s(nlp: Any) -> None:
    a = claims(nlp, "Lucia Ferrandez, a former court official, won the mayoral election "
                    "with 41.3% of valid votes, the electoral office said.")
    b = claims(nlp, "Lucia Ferrandez was elected mayor with 36.9% of the votes, officials "
                    "said.", when=WHEN + timedelta(hours=2), article="a2")
    assert shares(a) and set(shares(a)) == set(shares(b)), (a, b)
    assert Outcome.CONTRADICTION in outcomes(of(a, "quantity:votes"), of(b, "quantity:votes"))


def test_a_first_round_share_is_not_the_run_off_s(nlp: Any) -> None:
    a = of(claims(nlp, "Lucia Ferrandez won with 41.3% of the votes in the first round."),
           "quantity:votes")
    b = of(claims(nlp, "Lucia Ferrandez won with 56.2% of the votes in the runoff.",
                  when=WHEN + timedelta(hours=2), article="a2"), "quantity:votes")
    assert a and b and Outcome.CONTRADICTION not in outcomes(a, b), (a, b)


# --- measures and acts asserted and denied -------------------------------------------------

def acts(cs: list[Claim], act: str) -> set[tuple[str, str]]:
    return {(c.subject.id, c.polarity.value) for c in of(cs, f"event:{act}")}


def test_a_declared_emergency_and_its_denial_meet_on_the_place(nlp: Any) -> None:
    a = claims(nlp, "Ecuador's government declared a 30-day state of emergency in Manta on "
                    "Tuesday, according to a decree.")
    b = claims(nlp, "No state of emergency has been declared in Manta, the interior minister "
                    "said on Tuesday.", article="a2")
    assert {s for s, p in acts(a, "emergency") if p == "asserted"} & {
        s for s, p in acts(b, "emergency") if p != "asserted"}, (a, b)


def test_a_strike_at_a_site_and_its_denial_meet_on_the_site(nlp: Any) -> None:
    a = claims(nlp, "About 2,000 workers at the Kolwezi copper mine began a strike on Monday "
                    "over unpaid wages, their union said.")
    b = claims(nlp, "There was no strike at Kolwezi and output was normal, the company said.",
               article="a2")
    assert {s for s, p in acts(a, "strike") if p == "asserted"} & {
        s for s, p in acts(b, "strike") if p != "asserted"}, (a, b)


def test_a_strike_with_no_place_or_party_is_no_act(nlp: Any) -> None:
    cs = claims(nlp, "The strike began on Monday, the union said.")
    assert not of(cs, "event:strike"), cs


# --- places the NER left unnamed ----------------------------------------------------------

def controlled(cs: list[Claim]) -> set[str]:
    return {c.subject.id for c in of(cs, "controlled_by")}


def test_the_name_before_a_district_noun_is_the_place_taken(nlp: Any) -> None:
    cs = claims(nlp, "Rebels have taken control of the Korvani district, the agency said.")
    assert controlled(cs), cs


def test_an_unlinked_name_is_the_story_country_s_namesake(nlp: Any) -> None:
    from shared.nlp.names import unique_place

    # "Salem": towns in India and the United States, none owning the name outright
    anywhere, home = unique_place("Salem"), unique_place("Salem", "in")
    assert home is not None and (home.country or "").lower() == "in", home
    assert anywhere is None or anywhere.id != home.id


def test_a_verb_form_the_model_lemmatizes_wrong_is_still_read(nlp: Any) -> None:
    # the pinned model leaves "retook" as its own lemma (shared/data/claims/lemma_fixes.json)
    cs = claims(nlp, "Government troops retook Tessalit on Tuesday, the army said.")
    assert of(cs, "controlled_by"), cs
