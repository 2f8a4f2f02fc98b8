"""Claims come only from clauses the report asserts (shared/nlp/modality.py), and clause
frames read one predication into the same roles whatever its surface form (frames.py).
Real spaCy parses; sentences are generic wire phrasings, not scenario text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.nlp.claim_extraction import ArticleInfo, read_claims
from shared.nlp.claim_lexicon import load_lexicon
from shared.nlp.frames import APPOSITION, COPULA, NOMINAL, read_frames

WHEN = datetime(2025, 5, 2, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def nlp() -> Any:
    from shared.nlp.pipeline import build_nlp

    return build_nlp()


def reading(nlp: Any, text: str) -> Any:
    from shared.nlp.pipeline import link_doc

    doc, mentions = link_doc(nlp, text)
    return read_claims(doc, mentions, ArticleInfo(id="a1", source="Wire", published_at=WHEN))


def states(r: Any) -> set[str]:
    return {c.state for c in r.claims if c.relation == "status" and c.state}


ASSERTED = "Singer Tomas Brandvik was found dead at his home in Oslo, police said on Friday."


def test_an_asserted_clause_gives_its_claim(nlp: Any) -> None:
    assert "dead" in states(reading(nlp, ASSERTED))


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("If singer Tomas Brandvik was found dead, the concert will be cancelled.", "conditional"),
        ("Police said they could not confirm that singer Tomas Brandvik was found dead.",
         "unconfirmed"),
        ("A fake news story claimed that singer Tomas Brandvik was found dead in Oslo.",
         "framed"),
        ("According to unconfirmed reports, singer Tomas Brandvik was found dead in Oslo.",
         "framed"),
        ("Fans are convinced that singer Tomas Brandvik was found dead in Oslo.", "belief"),
    ],
)
def test_unasserted_clauses_give_no_claim_and_say_why(nlp: Any, text: str, why: str) -> None:
    r = reading(nlp, text)
    assert "dead" not in states(r)
    assert any(c.state == "dead" and reason == why for c, reason in r.dropped), r.dropped


def test_an_owned_report_is_attribution_not_hearsay(nlp: Any) -> None:
    r = reading(nlp, "A police report said singer Tomas Brandvik was found dead in Oslo.")
    assert "dead" in states(r)


def test_an_attempt_is_not_the_state_it_sought(nlp: Any) -> None:
    r = reading(nlp, "Commandos attempted to free aid worker Lena Marsh in a raid on Friday.")
    assert "released" not in states(r)


def test_a_comparison_with_last_year_is_no_earlier_episode(nlp: Any) -> None:
    r = reading(nlp, "Norvik Energy reported quarterly revenue of $4.2 billion on Tuesday, "
                     "down 8% from a year earlier.")
    assert any(c.relation == "quantity:revenue" for c in r.claims)


def test_line_breaks_end_sentences(nlp: Any) -> None:
    from shared.nlp.pipeline import link_doc

    doc, _ = link_doc(nlp, "Good night everyone!\n\n— Ana Ruiz (@anaruiz) May 2\n\nThe "
                           "President of Chile is Mario Soto.")
    assert len(list(doc.sents)) >= 3
    assert not any("Ana Ruiz" in s.text and "Mario Soto" in s.text for s in doc.sents)


def frames_of(nlp: Any, text: str) -> list[Any]:
    from shared.nlp.pipeline import link_doc

    doc, _ = link_doc(nlp, text)
    return read_frames(doc, load_lexicon())


def test_active_and_passive_verbs_fill_the_same_roles(nlp: Any) -> None:
    active = next(f for f in frames_of(nlp, "Rebels seized the town of Kibali.")
                  if f.lemma == "seize")
    passive = next(f for f in frames_of(nlp, "The town of Kibali was seized by rebels.")
                   if f.lemma == "seize")
    assert [t.lemma_ for t in active.arg("agent")] == [t.lemma_ for t in passive.arg("by")]
    assert active.arg("patient")[0].lemma_ == passive.arg("patient")[0].lemma_ == "town"


def test_copula_apposition_and_nominal_frames(nlp: Any) -> None:
    frames = frames_of(nlp, "Mira Okafor, the head of the agency, said its revenue was "
                            "$3 billion and reported a loss of $40 million.")
    kinds = {f.kind for f in frames}
    assert {COPULA, APPOSITION, NOMINAL} <= kinds
    appos = next(f for f in frames if f.kind == APPOSITION)
    assert appos.arg("theme")[0].text == "Okafor" and appos.lemma == "head"
    cop = next(f for f in frames if f.kind == COPULA and f.lemma == "be")
    assert cop.arg("theme")[0].lemma_ == "revenue" and cop.arg("attr")


def test_negation_is_read_from_the_frame(nlp: Any) -> None:
    f = next(f for f in frames_of(nlp, "The company did not sign the agreement.")
             if f.lemma == "sign")
    assert f.negated


@pytest.mark.parametrize(
    ("text", "word", "why"),
    [
        ("Did the rebels capture the town of Kibali on Monday?", "capture", "question"),
        ("Who Cried 'Rebels Capture Kibali Town'", "Capture", "headline"),
        ("Kibali would fall within days if the rebels advanced, he said.", "fall", "conditional"),
    ],
)
def test_mood_of_a_clause(nlp: Any, text: str, word: str, why: str) -> None:
    from shared.nlp import modality
    from shared.nlp.pipeline import link_doc

    doc, _ = link_doc(nlp, text)
    tok = next(t for t in doc if t.text == word)
    assert modality.mood(tok, load_lexicon()) == why
    plain, _ = link_doc(nlp, "The rebels captured the town of Kibali on Monday, he said.")
    assert modality.mood(next(t for t in plain if t.text == "captured"), load_lexicon()) is None
