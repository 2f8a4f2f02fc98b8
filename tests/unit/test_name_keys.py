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


def _org(name: str) -> EntityRef:
    return EntityRef(id="org:" + name.lower().replace(" ", "-").rstrip("."), name=name,
                     type=EntityType.ORG)  # fmt: skip


def test_an_organisation_and_its_initials_share_a_key() -> None:
    full = keyed_by_name(_org("Tasman Freight Company"))
    short = keyed_by_name(_org("TFC"))
    assert full.id == short.id == "org:tfc"
    assert full.linked == "org:tasman-freight-company"
    # the legal form is no word of the name; one or two words keep their own id
    assert keyed_by_name(_org("Tasman Freight Company Ltd.")).id == "org:tfc"
    assert keyed_by_name(_org("Tasman Freight")).id == "org:tasman-freight"


def test_two_names_with_one_set_of_initials_do_not_compare() -> None:
    a = _status(_org("Tasman Freight Company"), "closed", "a1")
    b = _status(_org("Timor Fishing Cooperative"), "open", "a2")
    c = _status(_org("TFC"), "open", "a3")
    d = _status(_org("Tasman Freight Company Ltd."), "open", "a4")
    assert a.subject.id == b.subject.id == c.subject.id
    assert compare(b, a).outcome is Outcome.UNRELATED
    assert compare(c, a).outcome is Outcome.CONTRADICTION
    assert compare(d, a).outcome is Outcome.CONTRADICTION
