"""Claim extraction on real parses (spaCy + the entity pipeline), no Redis."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from shared.domain.claims import Bound, Claim, Modality, Polarity
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
