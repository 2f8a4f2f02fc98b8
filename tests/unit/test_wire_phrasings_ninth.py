"""Wire phrasings the ninth pass of issue 9 reads (docs/detection-quality.md): each test is
one phenomenon in invented sentences, not the text of any scenario. Real spaCy parses through
the entity pipeline; the lexicon and gazetteer as shipped."""

from __future__ import annotations

from typing import Any

from tests.unit.phrasing_support import claims, mentions, nlp, of

__all__ = ["nlp"]  # the fixture, used by name


def test_a_verb_made_another_by_its_particle_tells_no_state(nlp: Any) -> None:
    # "closed in on" is an approach; the same verb without the particle is a closure
    moving = claims(nlp, "Tropical Storm Odette closed in on the coast of Veracruz on Sunday.")
    shut = claims(nlp, "The airport in Veracruz was closed on Sunday, officials said.")
    assert not of(moving, "status") and not of(moving, "event:close"), moving
    assert [c.state for c in of(shut, "status")] == ["closed"]


def test_a_name_spelled_with_letters_english_lacks_is_a_place_at_a_sentence_start(
        nlp: Any) -> None:  # fmt: skip
    text = ("Colombian troops were sent to Nariño on Monday. Acandí remains under the "
            "control of the army, the governor said.")
    linked = {m.text: m.entity.id for m in mentions(nlp, text) if m.entity is not None}
    assert linked.get("Acandí", "").startswith("geo:"), linked
    held = of(claims(nlp, text), "controlled_by")
    assert [c.subject.name for c in held] == ["Acandí"], held


def test_an_organisation_that_takes_a_town_is_a_side_of_its_own(nlp: Any) -> None:
    text = "The Ejército Popular de Liberación seized Tumaco on Monday, residents said."
    held = of(claims(nlp, text), "controlled_by")
    assert held and held[0].object is not None, held
    assert held[0].object.id.startswith("side:") and "liberacion" in held[0].object.id


def test_a_company_that_takes_control_is_no_side(nlp: Any) -> None:
    text = "Harlow Mining Ltd took control of Tumaco port operations on Monday."
    held = of(claims(nlp, text), "controlled_by")
    assert not any(c.object and "harlow" in c.object.id for c in held), held


def test_inmates_who_seize_a_prison_hold_it(nlp: Any) -> None:
    a = of(claims(nlp, "Inmates seized control of the Tarvo Central Prison in Quito on "
                       "Tuesday, officials said."), "controlled_by")
    b = of(claims(nlp, "Soldiers are in full control of the Tarvo Central Prison in Quito, "
                       "the prison service said.", article="a2"), "controlled_by")
    assert a and b and a[0].subject.id == b[0].subject.id, (a, b)
    assert a[0].object is not None and b[0].object is not None
    assert a[0].object.id != b[0].object.id


def test_a_toll_of_a_group_is_a_toll_not_a_count_of_the_group(nlp: Any) -> None:
    cs = claims(nlp, "At least nine inmates were killed and 14 were injured in a riot at a "
                     "prison in Cuenca on Sunday.")
    killed = of(cs, "quantity:killed")
    assert [c.value.value for c in killed if c.value] == [9.0], cs
    assert not of(cs, "quantity:prisoners"), cs
    released = of(claims(nlp, "More than 300 prisoners were released in Cuenca on Sunday."),
                  "quantity:prisoners")
    assert released, "a count of the group itself is still read"


def test_a_city_name_two_countries_know_well_is_ambiguous_without_context(nlp: Any) -> None:
    bare = mentions(nlp, "Flooding in Hamilton forced 200 people from their homes overnight.")
    placed = mentions(nlp, "Flooding in Hamilton, New Zealand, forced 200 people from their "
                           "homes overnight.")
    assert any(m.text == "Hamilton" and m.ambiguous for m in bare), bare
    assert not any(m.ambiguous for m in placed), placed


def test_a_vehicle_that_collides_or_hits_is_the_crash_a_toll_is_of(nlp: Any) -> None:
    a = of(claims(nlp, "A minibus collided with a tanker near Tumaco on Sunday, killing "
                       "eight people and injuring 19, police said."), "quantity:injured")
    b = of(claims(nlp, "Eight people died and six were injured when a minibus hit a tanker "
                       "near Tumaco on Sunday, police said.", article="a2"), "quantity:injured")
    assert a and b and a[0].subject.id == b[0].subject.id, (a, b)
    assert "crash" in a[0].subject.id


def test_an_airport_named_by_the_city_it_serves_is_the_city_s(nlp: Any) -> None:
    a = of(claims(nlp, "The airport serving the city of Cuenca was closed on Monday."),
           "status")
    b = of(claims(nlp, "The airport in Cuenca reopened on Monday, officials said.",
                  article="a2"), "status")
    assert a and b and a[0].subject.id == b[0].subject.id, (a, b)


def test_who_finds_the_body_of_a_person_says_the_person_is_dead(nlp: Any) -> None:
    found = of(claims(nlp, "Rescuers found the body of Lena Marsh, a hiker missing since "
                           "Sunday, on Tuesday."), "status")
    assert [c.state for c in found] == ["dead"], found
    wreck = of(claims(nlp, "Divers found the body of a trawler off the coast on Tuesday."),
               "status")
    assert not wreck, "a body that is no person's is no death"


def test_a_second_passive_verb_takes_the_first_verb_s_subject(nlp: Any) -> None:
    cs = of(claims(nlp, "Oskar Lind was pulled from the water and was pronounced dead at a "
                        "hospital in Bergen, police said."), "status")
    assert [c.state for c in cs] == ["dead"], cs
    assert "lind" in cs[0].subject.id


def test_a_company_the_ner_missed_is_the_owner_of_its_results(nlp: Any) -> None:
    cs = of(claims(nlp, "Quorvel reported first-quarter revenue of 2.3 billion euros on "
                        "Wednesday."), "quantity:revenue")
    assert [c.subject.name for c in cs] == ["Quorvel"], cs


def test_a_named_storm_s_landfall_is_one_incident_across_countries(nlp: Any) -> None:
    a = of(claims(nlp, "Hurricane Odile made landfall near Veracruz in Mexico late on "
                       "Thursday, forecasters said."), "occurred_in")
    b = of(claims(nlp, "Hurricane Odile made landfall just north of Corpus Christi, Texas, "
                       "late on Thursday.", article="a2"), "occurred_in")
    assert a and b and a[0].subject.id == b[0].subject.id, (a, b)
    assert a[0].object is not None and b[0].object is not None
    assert a[0].object.country != b[0].object.country


def test_a_date_in_a_later_role_than_one_without_a_date_is_read(nlp: Any) -> None:
    cs = of(claims(nlp, "Marta Vinter will stand trial in Oslo from March 9 on charges of "
                        "fraud, prosecutors said on Monday."), "scheduled_for")
    assert [str(c.on_date) for c in cs] == ["2026-03-09"], cs


def test_a_verb_with_its_object_names_the_act(nlp: Any) -> None:
    a = of(claims(nlp, "North Korea fired a ballistic missile into the sea on Thursday, "
                       "the South Korean military said."), "event:")
    b = of(claims(nlp, "Japan said North Korea did not launch any ballistic missile on "
                       "Thursday.", article="a2"), "event:")
    assert {c.relation for c in a} & {c.relation for c in b} == {"event:launch"}, (a, b)
    sacked = of(claims(nlp, "Norrland FC fired its coach Tomas Berg on Monday."), "event:")
    assert all(c.relation != "event:launch" for c in sacked), sacked


def test_a_minister_some_governments_call_a_secretary_is_the_minister(nlp: Any) -> None:
    cs = of(claims(nlp, "Heavy rain in Kumamoto left six people dead, Chief Cabinet "
                        "Secretary Kenji Orimo told reporters in Tokyo."), "office:")
    assert [(c.relation, c.subject.id) for c in cs] == [
        ("office:chief-cabinet-secretary", "country:jp")], cs


def test_a_country_named_once_among_other_nations_troops_keys_no_bare_title(
        nlp: Any) -> None:  # fmt: skip
    text = ("Some 9,000 Filipino, American and Japanese troops began drills on Monday. "
            "\"These drills target no one,\" Defense Secretary Ramon Ilagan said. China's "
            "foreign ministry criticised the exercises.")
    assert not of(claims(nlp, text), "office:"), "the story is not China's"


def test_only_a_volcano_erupts_into_an_eruption(nlp: Any) -> None:
    gunfire = claims(nlp, "Three people were wounded when gunfire erupted outside a house on "
                          "the north side of Bacolod early Sunday, police said.")
    volcano = claims(nlp, "Two villagers were killed when the volcano erupted near Bacolod "
                          "early Tuesday.")
    assert not any("eruption" in c.subject.id for c in gunfire), gunfire
    assert any("eruption" in c.subject.id for c in of(volcano, "quantity:killed")), volcano


def test_a_president_director_heads_a_company_not_a_country(nlp: Any) -> None:
    cs = of(claims(nlp, "PT Sarana Niaga plans to spend $1 billion in Sulawesi this year, "
                        "President Director Budi Hartono said in Jakarta."), "office:")
    assert cs and all(c.relation == "office:chief-executive" for c in cs), cs
    assert all(c.subject.id == "org:sarana-niaga" for c in cs), cs
