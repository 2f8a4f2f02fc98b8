"""The relation registry (relations.yaml) and the claims its frame patterns read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain.alerts import Outcome
from shared.domain.contradiction import compare
from shared.domain.policy import default_policy, relation_windows
from shared.nlp.claim_extraction import ArticleInfo, extract_claims
from shared.nlp.claim_lexicon import load_lexicon
from shared.nlp.relations import registry

T0 = datetime(2025, 3, 4, 8, tzinfo=UTC)


def test_every_pattern_names_a_relation_and_word_lists_that_exist() -> None:
    reg, lex = registry(), load_lexicon()
    for pattern in reg.frames:
        assert reg.spec(pattern["relation"]) is not None
        trigger = pattern["trigger"]
        # a word list, or for the counted-thing pattern the map of counted classes
        assert lex.map(trigger.get("words") or trigger["counted"]), pattern["name"]


def test_each_relation_names_the_judge_that_compares_it() -> None:
    from shared.domain.contradiction import judge_of

    for name, spec in registry().relations.items():
        assert judge_of(name) == spec.judge, name
    assert judge_of("no-such-relation") is None


def test_the_policy_windows_are_the_registry_windows() -> None:
    reg = registry()
    windows = relation_windows()
    for name, spec in reg.relations.items():
        assert windows[name] == spec.window_hours
        assert default_policy().window(f"{name}:x") == spec.window_hours


@pytest.fixture(scope="module")
def nlp() -> Any:
    from shared.nlp.pipeline import build_nlp

    return build_nlp()


def claims(nlp: Any, text: str, hours: float = 0, aid: str = "a1") -> list[Any]:
    from shared.nlp.pipeline import link_doc

    doc, mentions = link_doc(nlp, text)
    art = ArticleInfo(id=aid, source=f"src-{aid}", published_at=T0 + timedelta(hours=hours))
    return extract_claims(doc, mentions, art)


def test_an_amount_as_noun_and_as_copula_meet_on_one_key(nlp: Any) -> None:
    a = [c for c in claims(nlp, "Norvik Energy reported quarterly revenue of $4.2 billion "
                                "on Tuesday.") if c.relation == "quantity:revenue"]
    b = [c for c in claims(nlp, "Norvik Energy said its sales for the quarter came to $3.1 "
                                "billion.", 3, "a2") if c.relation == "quantity:revenue"]
    assert a and b and a[0].subject.id == b[0].subject.id
    assert compare(b[0], a[0]).outcome is Outcome.CONTRADICTION


def test_a_share_is_no_amount_of_money(nlp: Any) -> None:
    found = claims(nlp, "Norvik Energy shifted sales to Europe, which took 70% of them.")
    assert not [c for c in found if c.relation == "quantity:revenue"]


def test_a_crowd_counted_two_ways_meets_on_the_place(nlp: Any) -> None:
    a = [c for c in claims(nlp, "About 3,000 protesters gathered outside parliament in "
                                "Nairobi on Monday.") if c.relation == "quantity:protesters"]
    b = [c for c in claims(nlp, "Some 30,000 people joined the protest in Nairobi on "
                                "Monday.", 2, "a2") if c.relation == "quantity:protesters"]
    assert a and b and a[0].subject.id == b[0].subject.id
    assert compare(b[0], a[0]).outcome is Outcome.CONTRADICTION


def test_one_incident_with_one_toll_in_two_places_is_a_location_conflict(nlp: Any) -> None:
    a = claims(nlp, "A cholera outbreak in Larkana has killed 14 children this week, "
                    "officials said.")
    b = claims(nlp, "Fourteen children have died in a cholera outbreak in Quetta this week, "
                    "officials said.", 4, "a2")
    wa = [c for c in a if c.relation == "occurred_in"]
    wb = [c for c in b if c.relation == "occurred_in"]
    assert wa and wb and wa[0].subject.id == wb[0].subject.id
    verdict = compare(wb[0], wa[0])
    assert verdict.outcome is Outcome.CONTRADICTION and verdict.kind == "location"


def test_a_vague_toll_identifies_no_incident(nlp: Any) -> None:
    found = claims(nlp, "A cholera outbreak in Larkana has killed at least 14 children.")
    assert not [c for c in found if c.relation == "occurred_in"]
