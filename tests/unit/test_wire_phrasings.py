"""Wire phrasings the fifth pass of issue 9 reads (docs/detection-quality.md): each test is
one phenomenon in invented names and words, not the text of any scenario. Real spaCy
parses through the entity pipeline; the lexicon and gazetteer as shipped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.domain.claims import Claim, Polarity
from shared.domain.entities import Mention
from shared.domain.ids import entity_id
from shared.nlp.claim_extraction import ArticleInfo, read_claims
from tests.unit.phrasing_support import WHEN, claims, mentions, nlp

__all__ = ["nlp"]  # the fixture, used by name

def keyed(cs: list[Claim], prefix: str) -> set[tuple[str, str]]:
    return {(c.subject.id, c.object.id if c.object else (c.state or "")) for c in cs
            if c.relation.startswith(prefix)}  # fmt: skip


def subjects(cs: list[Claim], relation: str,
             keep: Callable[[Claim], bool] = lambda c: True) -> set[str]:  # fmt: skip
    return {c.subject.id for c in cs if c.relation == relation and keep(c)}


def share_a_key(nlp: Any, relation: str, first: str, second: str) -> set[str]:
    """The subjects two reports make claims of `relation` under, in common."""
    return subjects(claims(nlp, first), relation) & subjects(claims(nlp, second), relation)


# --- offices -------------------------------------------------------------------------------

def test_a_title_of_a_club_the_ner_calls_a_facility(nlp: Any) -> None:
    cs = claims(nlp, "Younes Tazi, the head coach of Raja Casablanca, said his side had work to "
                     "do.")
    assert (entity_id("org", "Raja Casablanca"), entity_id("person", "Younes Tazi")) in keyed(
        cs, "office:coach")


def test_a_team_the_country_owns_is_the_country_s(nlp: Any) -> None:
    cs = claims(nlp, "Kofi Mensah, the head coach of Ghana's Black Meteors, named his squad.")
    assert ("country:gh", entity_id("person", "Kofi Mensah")) in keyed(cs, "office:coach")


def test_a_company_s_short_name_keys_its_full_name(nlp: Any) -> None:
    text = ("Swedish miner Lappland Mining reported a loss on Tuesday. \"We cut costs,\" "
            "Anna Berglund, Lappland's chief executive, told reporters.")
    assert (entity_id("org", "Lappland Mining"), entity_id("person", "Anna Berglund")) in keyed(
        claims(nlp, text), "office:chief-executive")


def test_an_acting_holder_holds_the_office(nlp: Any) -> None:
    cs = claims(nlp, "Samir Belkacem, the acting governor of the Bank of Algeria, said on "
                     "Monday that rates would stay unchanged.")
    assert any(p == entity_id("person", "Samir Belkacem") for _, p in keyed(cs, "office:governor"))


# --- control -------------------------------------------------------------------------------

def test_a_township_is_a_place_and_a_named_camp_is_its_place(nlp: Any) -> None:
    town = claims(nlp, "Mawlaik township in Sagaing Region was taken by rebel fighters on "
                       "Friday, a spokesman said.")
    assert any(c.relation == "controlled_by" for c in town)
    camp = claims(nlp, "The army said it still holds the Tessit military camp after an attack.")
    assert any(c.relation == "controlled_by" and c.subject.name == "Tessit" for c in camp), camp


def test_an_armed_group_the_ner_missed_is_its_own_side(nlp: Any) -> None:
    cs = claims(nlp, "The town of Kenscoff was in the hands of the Grand Ravine gang coalition "
                     "on Tuesday, residents said.")
    assert any(c.relation == "controlled_by" and c.object is not None
               and c.object.id == entity_id("side", "Grand Ravine") for c in cs)  # fmt: skip


# --- quantities ----------------------------------------------------------------------------

def test_a_total_of_counts_the_people(nlp: Any) -> None:
    cs = claims(nlp, "A total of 61 people were killed after a landslide buried a village in "
                     "Nepal's Rasuwa district, police said.")
    assert any(c.relation == "quantity:killed" and c.value is not None
               and c.value.value == 61 for c in cs)  # fmt: skip


def test_crowns_by_any_name_are_one_unit() -> None:
    from shared.domain.quantities import parse_money

    kroner, crowns = parse_money("11.2 billion kroner"), parse_money("18.4 billion crowns")
    assert kroner is not None and crowns is not None and kroner.unit == crowns.unit


def test_a_count_for_a_closed_period_holds_as_of_its_end(nlp: Any) -> None:
    cs = claims(nlp, "A total of 830 suspected measles cases were recorded in Kano state in the "
                     "week to Sept. 14, the health agency said on Friday.")
    counts = [c for c in cs if c.relation.startswith("quantity")]
    assert counts and all(c.time.date().isoformat() == "2025-09-14" for c in counts)


def test_a_transfer_fee_is_keyed_on_the_player(nlp: Any) -> None:
    assert share_a_key(nlp, "quantity:value",
                       "Porto have signed striker Rafael Ventura from Gremio for 31 million "
                       "euros, the club said.",
                       "The club's filing showed a fee of 19 million euros for the transfer of "
                       "Rafael Ventura.")


# --- status, plans -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "state"), [
    ("The militant commander Abu Tariq al-Masri was neutralised in an air strike, the army said.",
     "dead"),
    ("Commander Abu Tariq al-Masri survived the air strike and is alive, sources said.", "alive"),
])
def test_status_verbs_as_data(nlp: Any, text: str, state: str) -> None:
    assert any(s == state for _, s in keyed(claims(nlp, text), "status"))


def test_survived_by_says_nothing_of_the_survivor(nlp: Any) -> None:
    cs = claims(nlp, "The late senator Paul Okafor is survived by his wife Grace Okafor.")
    assert not any(s == "alive" for _, s in keyed(cs, "status"))


def test_one_act_in_other_verbs_and_a_ministry_for_its_country(nlp: Any) -> None:
    plan = claims(nlp, "Ecuador will cut its oil output by 50,000 barrels a day in June, the "
                       "minister said.")
    denial = claims(nlp, "Ecuador's Energy Ministry said on Thursday it had no plans to reduce "
                         "oil output in June.")
    negated = subjects(denial, "event:cut", lambda c: c.polarity != Polarity.ASSERTED)
    assert subjects(plan, "event:cut") & negated == {"country:ec"}


# --- framing -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "In the interview Mr Diallo did not say that the rebels had agreed to a truce.",
    "Reports last week had suggested that the minister may resign over the scandal.",
])
def test_what_a_speaker_did_not_say_or_hearsay_suggested_is_no_claim(nlp: Any, text: str) -> None:
    from shared.nlp.pipeline import link_doc

    doc, found = link_doc(nlp, text)
    r = read_claims(doc, found, ArticleInfo(id="a1", source="Wire", published_at=WHEN))
    assert not [c for c in r.claims if c.relation in ("statement", "event:truce")
                or c.relation.startswith("event:")], r.claims  # fmt: skip


def test_a_verb_beside_a_denial_is_not_denied(nlp: Any) -> None:
    cs = claims(nlp, "Police denied the rumour and released the journalist Amadou Kone on Monday.")
    released = [c for c in cs if c.relation == "status" and c.state == "released"]
    assert released and all(c.polarity == Polarity.ASSERTED for c in released)


# --- linking: namesakes --------------------------------------------------------------------

def _ambiguous(ms: list[Mention], name: str) -> bool:
    return any(m.text == name and m.ambiguous for m in ms)


def test_a_well_known_name_of_two_countries_alone_is_ambiguous(nlp: Any) -> None:
    ms = mentions(nlp, "Gunfire was heard overnight in Tripoli and several roads were closed.")
    assert _ambiguous(ms, "Tripoli")


def test_the_article_s_other_names_settle_a_namesake(nlp: Any) -> None:
    ms = mentions(nlp, "Lebanon's government said the port of Tripoli, the country's second "
                       "city, would be expanded.")
    tripoli = [m for m in ms if m.text == "Tripoli"]
    assert tripoli and not tripoli[0].ambiguous
    assert tripoli[0].entity is not None and tripoli[0].entity.country == "LB"


@pytest.mark.parametrize("text", [
    "The Tripoli-based company said profit rose in the quarter.",
    "Shares will debut on the Colombo bourse next month, the lead manager said.",
    "Transport Minister Jorge Medina said the line would open. Medina said it was on time.",
])
def test_a_name_that_describes_or_is_a_surname_is_no_namesake(nlp: Any, text: str) -> None:
    assert not any(m.ambiguous for m in mentions(nlp, text))


def test_a_person_tagged_once_is_tagged_where_the_model_missed_the_name(nlp: Any) -> None:
    from shared.nlp.pipeline import link_doc

    doc, _ = link_doc(nlp, "Porto paid a fee of 9 million euros to Gremio for Rafael Ventura, "
                           "according to the filing. \"I came to win,\" Ventura said.")
    assert any(e.label_ == "PERSON" and e.text == "Rafael Ventura" for e in doc.ents)
    # and no person made of a word the parser does not call part of a name
    doc, _ = link_doc(nlp, "Abu Bakr al-Baghdadi was reported dead. Killing Baghdadi would be a "
                           "coup for the president.")
    assert not any(e.label_ == "PERSON" and e.text.startswith("Killing") for e in doc.ents)


def test_a_deal_s_value_under_an_agreement_and_not_a_valuation(nlp: Any) -> None:
    agreed = claims(nlp, "Kestrel Holdings signed an agreement to buy Dunmore Dairy for $1 "
                         "billion.")
    assert any(c.relation == "quantity:value" for c in agreed)
    valued = claims(nlp, "Kestrel's agreement to acquire 40% of Dunmore Dairy values the "
                         "company at about $2.5 billion, analysts calculated.")
    assert not any(c.relation == "quantity:value" for c in valued)


def test_a_person_s_alias_keys_their_claims_under_both_names(nlp: Any) -> None:
    cs = claims(nlp, "The army said Ramiro Estupinan, alias 'El Tigre', was killed in a raid.")
    dead = {c.subject.name for c in cs if c.relation == "status" and c.state == "dead"}
    assert {"Ramiro Estupinan", "El Tigre"} <= dead
    later = claims(nlp, "A video showed that Ramiro Estupinan, known as 'El Tigre', appeared "
                        "alive on Monday.")
    assert any(c.state == "alive" and c.subject.name == "El Tigre" for c in later)


def test_a_title_word_tagged_as_an_organisation_and_heads_as(nlp: Any) -> None:
    minister = claims(nlp, "Interior Minister Jose Quispe Rojas said on Monday that Peru would "
                           "send 900 police officers to Piura.")
    assert any(o == "country:pe" for o, _ in keyed(minister, "office:interior-minister"))
    heads = claims(nlp, "Amina Njoroge, who heads the Central Bank of Uganda as its governor, "
                        "urged lenders to cut rates.")
    holders = {p for _, p in keyed(heads, "office:governor")}
    assert entity_id("person", "Amina Njoroge") in holders


def test_a_quake_s_magnitude_is_a_measure_of_its_own(nlp: Any) -> None:
    a = claims(nlp, "A magnitude 6.1 earthquake struck near the city of Mashhad in Iran early on "
                    "Friday, killing two people, officials said.")
    b = claims(nlp, "An earthquake of magnitude 5.4 shook northeast Iran on Friday, killing two "
                    "people near Mashhad, the seismological centre said.")
    assert subjects(a, "quantity:magnitude") and subjects(b, "quantity:magnitude")


def test_a_title_beside_a_name_is_asserted_whatever_the_sentence_denies(nlp: Any) -> None:
    cs = claims(nlp, "Energy Minister Rosa Paredes on Tuesday denied that the government plans to "
                     "sell Ecuador's state oil company, a radio station in Quito reported.")
    offices = [c for c in cs if c.relation.startswith("office:")]
    assert offices and all(c.polarity == Polarity.ASSERTED for c in offices)


def test_where_a_detained_person_is_held(nlp: Any) -> None:
    assert share_a_key(nlp, "detained_in",
                       "Reporter Ko Aung Thu is being held at Tharrawaddy prison in Bago, his "
                       "family said on Tuesday.",
                       "Reporter Ko Aung Thu is currently held in Thayet prison in Magway, "
                       "his lawyer said.")
