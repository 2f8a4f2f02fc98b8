"""Wire phrasings the sixth pass of issue 9 reads (docs/detection-quality.md): each test is
one phenomenon in invented names and words, not the text of any scenario. Real spaCy
parses through the entity pipeline; the lexicon and gazetteer as shipped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain.claims import Claim
from shared.domain.entities import Mention
from shared.nlp.claim_extraction import ArticleInfo, read_claims

WHEN = datetime(2025, 9, 20, 11, tzinfo=UTC)


@pytest.fixture(scope="module")
def nlp() -> Any:
    from shared.nlp.pipeline import build_nlp

    return build_nlp()


def claims(nlp: Any, text: str, when: datetime = WHEN) -> list[Claim]:
    from shared.nlp.pipeline import link_doc

    doc, found = link_doc(nlp, text)
    return read_claims(doc, found, ArticleInfo(id="a1", source="Wire", published_at=when)).claims


def mentions(nlp: Any, text: str) -> list[Mention]:
    from shared.nlp.pipeline import link_doc

    return link_doc(nlp, text)[1]


def of(cs: list[Claim], prefix: str) -> list[Claim]:
    return [c for c in cs if c.relation.startswith(prefix)]


# --- amounts -------------------------------------------------------------------------------

def test_an_amount_earned_in_a_measure_is_that_measure(nlp: Any) -> None:
    # "<company> earned <amount> in revenue": the measure after the amount, the verb's agent
    cs = of(claims(nlp, "Korvath Telecom earned 48.2 billion rupees in revenue in the "
                        "quarter to June, the company said."), "quantity:")
    assert any("korvath" in c.subject.id and c.value is not None
               and c.value.value == pytest.approx(48.2e9) for c in cs), cs


def test_an_amount_a_verb_outside_the_list_takes_is_no_measure(nlp: Any) -> None:
    # the same shape with a verb that earns nothing ("lost 3 billion in revenue" is a loss)
    cs = of(claims(nlp, "Korvath Telecom lost 3 billion rupees in revenue after the outage, "
                        "analysts said."), "quantity:revenue")
    assert not [c for c in cs if c.value is not None and c.value.value == pytest.approx(3e9)]


# --- venues --------------------------------------------------------------------------------

def test_the_place_that_hosts_an_event_is_its_venue(nlp: Any) -> None:
    cs = of(claims(nlp, "Mombasa will host the final of the regional cup on Saturday, the "
                        "federation said."), "held_at")
    assert cs, "a host verb's agent names the venue"


def test_an_adjective_the_parser_makes_an_argument_is_the_noun(nlp: Any) -> None:
    # "final" tagged ADJ as a clause's subject is the match, as "the final" is
    cs = claims(nlp, "The Copa Andina final will be played in Quito on November 22, the "
                     "confederation said.")
    assert of(cs, "held_at") or of(cs, "scheduled"), cs


# --- tolls over a span ---------------------------------------------------------------------

def test_since_last_month_is_the_event_s_own_days(nlp: Any) -> None:
    # in September, "since late August" is the event's own span: the count holds as of now
    cs = of(claims(nlp, "Floods have killed 61 people in Varnia province since late August, "
                        "officials said."), "quantity:")
    assert cs


def test_since_a_month_long_ago_is_a_running_total(nlp: Any) -> None:
    cs = of(claims(nlp, "Floods have killed 61 people in Varnia province since March, "
                        "officials said."), "quantity:")
    assert not cs


# --- status --------------------------------------------------------------------------------

def test_a_person_named_after_of_the_group_is_the_one_whose_status_it_is(nlp: Any) -> None:
    cs = of(claims(nlp, "A senior commander of the Kelo Front, Amadou Teriba, was killed in an "
                        "air strike on Tuesday, the army said."), "status")
    assert any(c.subject.type == "person" and "teriba" in c.subject.id for c in cs), cs


# --- incidents placed by their toll --------------------------------------------------------

def test_a_toll_placed_by_the_story_only_places_no_incident(nlp: Any) -> None:
    # the sentence names the country, the story's main place is elsewhere in it: where the
    # outbreak is is not what this report says
    text = ("Zambia has recorded 4,100 cholera cases and 62 deaths since October, the health "
            "ministry said at a briefing in Lusaka. Most infections are in Chipata.")
    assert not of(claims(nlp, text), "occurred_in")


def test_a_toll_the_sentence_places_places_the_incident(nlp: Any) -> None:
    cs = claims(nlp, "A cholera outbreak in Chipata has killed 17 people this week, officials "
                     "said.")
    assert of(cs, "occurred_in")


# --- context -------------------------------------------------------------------------------

def test_a_continental_demonym_names_no_country(nlp: Any) -> None:
    from shared.nlp.claim_lexicon import load_lexicon
    from shared.nlp.pipeline import link_doc
    from shared.nlp.salience import ArticleSalience

    def country(text: str) -> str | None:
        doc, found = link_doc(nlp, text)
        article = ArticleInfo(id="a1", source="Wire", published_at=WHEN)
        s = ArticleSalience(doc=doc, mentions=found, article=article, lex=load_lexicon())
        return s.main_country[0] if s.main_country else None

    # the same sentence with a country's demonym does name the country: the prefix decides
    assert country("The American football body fined the club on Monday.") == "us"
    assert country("The South American football body fined the club on Monday.") != "us"
