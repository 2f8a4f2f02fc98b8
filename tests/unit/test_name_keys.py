"""Claims about places and people are compared under the name (`ids.keyed_by_name`), and the
judge tells apart two entities that share one (`shared.domain.names.two_entities`)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.domain.alerts import Outcome
from shared.domain.claims import Claim
from shared.domain.contradiction import compare
from shared.domain.entities import EntityRef, EntityType
from shared.domain.ids import keyed_by_name

T0 = datetime(2025, 5, 2, 9, tzinfo=UTC)


def _place(id_: str, name: str) -> EntityRef:
    return EntityRef(id=id_, name=name, type=EntityType.PLACE)


def _person(name: str) -> EntityRef:
    return EntityRef(id="person:" + name.lower().replace(" ", "-"), name=name,
                     type=EntityType.PERSON)  # fmt: skip


def _status(subject: EntityRef, state: str, aid: str) -> Claim:
    return Claim(article_id=aid, source=f"src-{aid}", published_at=T0, subject=keyed_by_name(
        subject), relation="status", state=state, time=T0, sentence=f"{aid} {state}",
        start=0, end=10).with_id()  # fmt: skip


def test_a_linked_and_an_unlinked_place_of_one_name_share_a_key() -> None:
    linked = keyed_by_name(_place("geo:2332079", "Léré"))
    unlinked = keyed_by_name(_place("name:lere", "Lere"))
    assert linked.id == unlinked.id == "place:lere"
    assert linked.linked == "geo:2332079"
    assert keyed_by_name(linked) is linked  # keyed once


def test_countries_events_and_organisations_keep_their_ids() -> None:
    for ref in (_place("country:ml", "Mali"), EntityRef(id="org:acme", name="Acme",
                                                        type=EntityType.ORG)):
        assert keyed_by_name(ref) is ref


def test_two_places_the_linker_told_apart_do_not_compare() -> None:
    a = _status(_place("geo:1", "Springfield"), "closed", "a1")
    b = _status(_place("geo:2", "Springfield"), "open", "a2")
    assert a.subject.id == b.subject.id
    assert compare(b, a).outcome is Outcome.UNRELATED


def test_a_surname_and_the_full_name_are_one_person() -> None:
    a = _status(_person("Oumar Sangare"), "released", "a1")
    b = _status(_person("Sangare"), "detained", "a2")
    assert compare(b, a).outcome is Outcome.CONTRADICTION


def test_two_people_with_one_surname_are_two() -> None:
    a = _status(_person("Oumar Sangare"), "released", "a1")
    b = _status(_person("Fatou Sangare"), "detained", "a2")
    assert compare(b, a).outcome is Outcome.UNRELATED
