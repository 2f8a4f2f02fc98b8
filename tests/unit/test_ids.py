"""One id scheme: spellings of one name give one id, whoever makes it."""

from __future__ import annotations

from shared.domain.ids import entity_id, name_key
from shared.nlp.claim_context import fallback_org, fallback_ref


def test_accents_and_doubled_letters_fold_to_one_key() -> None:
    assert name_key("Efraín Castañeda") == name_key("Efrain Castaneda")
    assert name_key("Anna Berg") == name_key("Ana Berg")
    assert name_key("Severodonnetsk") == name_key("Severodonetsk")
    assert name_key("The Kremlin's") == name_key("Kremlin")


def test_different_names_keep_different_keys() -> None:
    assert name_key("Siversk") != name_key("Seversk")
    assert name_key("Lena Brandt") != name_key("Lena Brant-Olsen")


def test_every_maker_of_ids_agrees() -> None:
    assert fallback_org("Castañeda Holdings").id == entity_id("org", "Castaneda Holdings")
    assert fallback_ref("Castañeda", "PERSON").id == entity_id("name", "Castaneda")
    assert entity_id("event", "earthquake", "geo:1") == "event:earthquake@geo:1"


def test_legal_forms_are_not_part_of_an_organisation_id() -> None:
    assert entity_id("org", "Deccan Polymers Ltd") == entity_id("org", "Deccan Polymers")
    assert entity_id("org", "Cordillera Minerals SA") == entity_id("org", "Cordillera Minerals")
    assert entity_id("org", "Ltd") != entity_id("org", "Inc")  # a bare form keeps its name
