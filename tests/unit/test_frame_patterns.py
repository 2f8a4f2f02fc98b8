"""The frame patterns of relations.yaml that key claims on a story rather than on one
phrase: dated events, their venues, acts asserted or denied, where incidents happened,
bare titles. Sentences are invented for the phenomenon (places and names are real so that
the gazetteer links them); each test could fail both ways: no claim, or claims that do not
meet, or meet where they should not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain.alerts import Outcome
from shared.domain.contradiction import compare
from shared.nlp.claim_extraction import ArticleInfo, extract_claims, read_claims

T0 = datetime(2025, 3, 4, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def nlp() -> Any:
    from shared.nlp.pipeline import build_nlp

    return build_nlp()


def read(nlp: Any, text: str, hours: float = 0, aid: str = "a1") -> Any:
    from shared.nlp.pipeline import link_doc

    doc, mentions = link_doc(nlp, text)
    art = ArticleInfo(id=aid, source=f"src-{aid}", published_at=T0 + timedelta(hours=hours))
    return read_claims(doc, mentions, art)


def claims(nlp: Any, text: str, relation: str, hours: float = 0, aid: str = "a1") -> list[Any]:
    from shared.nlp.pipeline import link_doc

    doc, mentions = link_doc(nlp, text)
    art = ArticleInfo(id=aid, source=f"src-{aid}", published_at=T0 + timedelta(hours=hours))
    return [c for c in extract_claims(doc, mentions, art) if c.relation.startswith(relation)]


def both(nlp: Any, first: str, second: str, relation: str,
         hours: float = 3) -> tuple[list[Any], list[Any]]:  # fmt: skip
    """The claims of `relation` in two reports, `hours` apart; each must have some."""
    a = claims(nlp, first, relation)
    b = claims(nlp, second, relation, hours, "a2")
    assert a, first
    assert b, second
    return a, b


def _folded(name: str) -> str:
    """A gazetteer name without its accents ("Hpākān": "hpakan")."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", name.lower())
                   if not unicodedata.combining(ch))  # fmt: skip


def conflicts(a: list[Any], b: list[Any]) -> list[Any]:
    return [v for x in a for y in b if x.subject.id == y.subject.id and x.relation == y.relation
            for v in [compare(y, x)] if v.outcome is Outcome.CONTRADICTION]  # fmt: skip


def test_one_election_named_two_ways_with_two_dates_conflicts(nlp: Any) -> None:
    first = ("Zambia will hold general elections on 13 August, the electoral "
             "commission in Lusaka said.")
    second = "Zambians are to go to the polls on 20 August, officials in Lusaka said."
    a, b = both(nlp, first, second, "scheduled_for", 5)
    assert conflicts(a, b)


def test_a_date_in_the_past_is_no_schedule(nlp: Any) -> None:
    found = claims(nlp, "Zambia held general elections on 13 January, officials in Lusaka "
                        "said.", "scheduled_for")
    assert not found


def test_two_trials_of_two_people_in_one_week_do_not_meet(nlp: Any) -> None:
    a = claims(nlp, "The trial of John Phiri will begin on 3 June in Lusaka.",
               "scheduled_for")
    b = claims(nlp, "The trial of Peter Mwansa will begin on 9 June in Lusaka.",
               "scheduled_for", 2, "a2")
    assert a and b
    assert not conflicts(a, b)


def test_the_end_of_a_month_is_a_span_that_a_day_in_it_fits(nlp: Any) -> None:
    first = ("Zambia Sugar will shut its plant in Mazabuka at the end of March, the "
             "company said.")
    second = "Zambia Sugar's plant in Mazabuka will stop operating on 28 March."
    a, b = both(nlp, first, second, "scheduled_for", 3)
    assert not conflicts(a, b)


def test_a_venue_named_two_ways_conflicts(nlp: Any) -> None:
    first = ("The next round of peace talks will be held in Nairobi on Monday, "
             "mediators said.")
    second = "The talks will take place in Mombasa on Monday, a diplomat said."
    a, b = both(nlp, first, second, "held_at", 2)
    assert conflicts(a, b)


def test_a_deal_announced_and_denied_by_one_party_conflicts(nlp: Any) -> None:
    first = ("Copperbelt Energy signed an agreement on Monday to acquire Lunsemfwa "
             "Hydro Power for $200 million.")
    second = ("Lunsemfwa Hydro Power has not agreed to any sale to Copperbelt Energy, "
              "its board said.")
    a, b = both(nlp, first, second, "event:deal", 4)
    assert conflicts(a, b)


def test_a_denied_deal_with_another_party_is_no_conflict(nlp: Any) -> None:
    a = claims(nlp, "Copperbelt Energy signed an agreement to acquire Lunsemfwa Hydro Power.",
               "event:deal")
    b = claims(nlp, "Copperbelt Energy has not agreed to any purchase of Zesco Holdings.",
               "event:deal", 4, "a2")
    assert a and b
    assert not conflicts(a, b)


def test_a_company_selling_to_customers_is_no_deal(nlp: Any) -> None:
    assert not claims(nlp, "Shoprite sells nothing but fresh bread, the company said.",
                      "event:deal")


def test_an_arrest_reported_and_denied_conflicts_whatever_the_ner_calls_the_name(
        nlp: Any) -> None:  # fmt: skip
    a = claims(nlp, "A court in Lusaka issued an arrest warrant for Mulenga Kapwepwe.",
               "event:arrest")
    b = claims(nlp, "No court has ordered the arrest of Mulenga Kapwepwe, prosecutors said.",
               "event:arrest", 3, "a2")
    assert a and b
    assert conflicts(a, b)


def test_an_act_told_of_in_passing_is_not_claimed(nlp: Any) -> None:
    found = claims(nlp, "Protesters called for the arrest of Mulenga Kapwepwe outside the "
                        "court.", "event:arrest")
    assert not found


def test_a_false_report_claiming_an_arrest_is_not_asserted(nlp: Any) -> None:
    reading = read(nlp, "The false report claiming Mulenga Kapwepwe had been arrested spread "
                        "online.")
    assert not [c for c in reading.claims if c.relation == "event:arrest"]
    assert [why for c, why in reading.dropped if c.relation == "event:arrest"]


def test_an_ambush_placed_in_two_towns_of_one_country_conflicts(nlp: Any) -> None:
    first = ("Gunmen ambushed an army convoy near Gao on Sunday, killing nine "
             "soldiers in Mali.")
    second = ("The convoy was targeted in an ambush just outside Timbuktu on Sunday, "
              "the Malian army said.")
    a, b = both(nlp, first, second, "occurred_in", 3)
    assert conflicts(a, b)


def test_where_a_quake_was_felt_is_not_where_it_struck(nlp: Any) -> None:
    found = claims(nlp, "A strong earthquake struck central Chile on Sunday, shaking buildings "
                        "in Santiago.", "occurred_in")
    assert not [c for c in found if c.object is not None and c.object.name == "Santiago"]


def test_a_bare_title_in_a_story_about_one_country_is_that_countrys_office(
        nlp: Any) -> None:  # fmt: skip
    a = claims(nlp, "Senegal's Prime Minister Ousmane Sonko spoke in Dakar on Monday.",
               "office:prime-minister")
    b = claims(nlp, "Prime Minister Amadou Ba opened a hospital near Dakar on Tuesday.",
               "office:prime-minister", 24, "a2")
    assert a and b and a[0].subject.id == b[0].subject.id


def test_a_bare_title_in_a_story_about_several_countries_names_no_office(nlp: Any) -> None:
    found = claims(nlp, "Prime Minister Amadou Ba met officials from Mali and Guinea in "
                        "Dakar.", "office:prime-minister")
    assert not found


def test_job_cuts_counted_two_ways_meet_on_the_company(nlp: Any) -> None:
    a = claims(nlp, "Zambia Sugar will cut 400 jobs at its Mazabuka estate, the company said.",
               "quantity:job-cuts")
    b = claims(nlp, "Zambia Sugar plans to eliminate 900 positions in Mazabuka, the union "
                    "said.", "quantity:job-cuts", 3, "a2")
    assert a and b
    assert conflicts(a, b)


def test_a_rate_of_a_place_is_keyed_on_the_place(nlp: Any) -> None:
    a = claims(nlp, "Turnout in Lusaka was 54 percent, the electoral commission said.",
               "quantity:turnout")
    b = claims(nlp, "Turnout in Lusaka stood at 71 percent, observers said.",
               "quantity:turnout", 2, "a2")
    assert a and b and a[0].subject.id == b[0].subject.id
    assert conflicts(a, b)


# --- 2026-12 third pass: names, titles, bare dates, states ------------------------------


def test_a_date_set_as_a_bare_noun_phrase_for_a_ruling_conflicts(nlp: Any) -> None:
    a, b = both(nlp, "The High Court in Lusaka will deliver its ruling on 16 May in the "
                "fraud trial of former minister Chanda Mwewa, a court clerk said.",
                "Judges have set May 23 for the verdict in the case against Chanda Mwewa, "
                "his lawyer told reporters.", "scheduled_for")  # fmt: skip
    assert conflicts(a, b)


def test_a_titled_name_the_model_calls_an_organisation_holds_the_company_office(
        nlp: Any) -> None:  # fmt: skip
    first = ("Kestrel Bank reported higher quarterly earnings on Tuesday. Loan demand was "
             "strong, chief executive Tendai Moyo said at a briefing.")
    second = ("Kestrel Bank will expand in Mozambique, its chief executive, Grace "
              "Banda, told reporters on Tuesday.")
    a, b = both(nlp, first, second, "office:")
    assert {c.object.name for c in a} == {"Tendai Moyo"}
    assert conflicts(a, b)


def test_a_released_person_named_in_full_and_a_detained_one_by_surname_conflict(
        nlp: Any) -> None:  # fmt: skip
    a, b = both(nlp, "Opposition activist Moussa Traore was released on bail on Monday, "
                "his lawyer said.", "Mr Traore remains in custody in Bamako, a relative said.",
                "status")  # fmt: skip
    assert conflicts(a, b)


def test_a_person_killed_in_one_report_and_alive_in_another_conflict(nlp: Any) -> None:
    a, b = both(nlp, "A drone strike near Gao killed Hamadou Kone, the group's commander, "
                "the army said.", "Hamadou Kone is alive, a spokesman for the group said.",
                "status")  # fmt: skip
    assert {c.state for c in a} == {"dead"}
    assert conflicts(a, b)


def test_a_closed_crossing_is_a_state_whatever_the_tagger_calls_crossing(nlp: Any) -> None:
    found = claims(nlp, "The Kapikule crossing was closed to lorries on Monday because of "
                   "flooding, the governor's office said.", "status")  # fmt: skip
    assert [c.state for c in found] == ["closed"]


def test_talks_reported_and_denied_in_other_words_conflict(nlp: Any) -> None:
    first = ("Harbour Cement is in advanced talks to merge with Delta Aggregates, according "
             "to two people familiar with the matter.")
    second = ("Harbour Cement said on Monday it was not in negotiations with Delta "
              "Aggregates about a merger, rejecting a media report.")
    a, b = both(nlp, first, second, "statement")
    assert conflicts(a, b)
    # a plain "not" answers no report: no statement to compare
    plain = claims(nlp, "Harbour Cement is not in negotiations with Delta Aggregates about "
                   "a merger.", "statement", aid="a3")  # fmt: skip
    assert not conflicts(a, plain)


def test_a_denial_of_another_route_is_no_conflict(nlp: Any) -> None:
    first = "Kestrel Air will resume flights to Manchester next month, the airline said."
    second = ("Kestrel Air has no plan to resume flights to Chicago this year, a spokesman "
              "said, dismissing reports of a new route.")
    a, b = both(nlp, first, second, "statement")
    assert not conflicts(a, b)


def test_one_thing_counted_twice_in_a_place_conflicts_and_a_rising_count_later_does_not(
        nlp: Any) -> None:  # fmt: skip
    first = "Health officials have recorded 42 cholera cases in Kasese since Monday."
    same_day = "Health officials said 17 cholera cases had been confirmed in Kasese."
    a, b = both(nlp, first, same_day, "quantity:cases")
    assert conflicts(a, b)
    later = claims(nlp, "Health officials have recorded 90 cholera cases in Kasese.",
                   "quantity:cases", hours=72, aid="a3")  # fmt: skip
    assert later and not conflicts(a, later)


def test_counts_of_time_and_distance_are_no_claims(nlp: Any) -> None:
    found = claims(nlp, "The town lies 300 kilometres east of Gao and has been under "
                   "blockade for two years.", "quantity")  # fmt: skip
    assert found == []


def test_a_capture_by_someone_and_a_holder_that_kept_the_town_conflict(nlp: Any) -> None:
    first = "Gunmen took control of Dori on Tuesday after attacking the police station."
    second = ("Burkina Faso's army said on Tuesday that its troops still held Dori after "
              "beating back the attack.")
    a, b = both(nlp, first, second, "controlled_by")
    assert conflicts(a, b)


def test_a_new_factory_sited_in_two_towns_conflicts(nlp: Any) -> None:
    a, b = both(nlp, "Nordvolt Cells will build its new battery factory in Umea, the "
                "company said.", "Nordvolt Cells has chosen Lulea for its new battery "
                "plant, chief executive Anna Berg said.", "sited_in")  # fmt: skip
    assert conflicts(a, b)


def test_an_assertion_is_keyed_on_its_subject_not_a_place_named_in_passing(nlp: Any) -> None:
    found = claims(nlp, "Fenwick Rail suspended its night trains near the border with "
                   "Austria on Monday.", "statement")  # fmt: skip
    assert {c.subject.name for c in found} == {"Fenwick Rail"}


def test_a_wish_and_a_not_in_a_clause_of_purpose_are_no_statements(nlp: Any) -> None:
    wish = claims(nlp, "A columnist at the Harbour Post wants Fenwick Rail to open a new "
                  "line to Graz.", "statement")  # fmt: skip
    assert not [c for c in wish if c.subject.name == "Fenwick Rail"]
    purpose = claims(nlp, "Fenwick Rail denied the claim and said it takes care to make sure "
                     "that its trains are not running late.", "statement")  # fmt: skip
    assert not [c for c in purpose if c.polarity.value != "asserted"]


def test_a_sentence_that_goes_on_telling_an_earlier_episode_is_dated_to_it(nlp: Any) -> None:
    text = ("Mara Lindqvist is being held by armed men in the north, her family said. She was "
            "previously held captive by a militia in 2011. She was released after 40 days "
            "following a campaign by her colleagues.")
    found = [c.state for c in claims(nlp, text, "status") if c.subject.name == "Mara Lindqvist"]
    assert found == ["detained"]
    # without the dated sentence before it, the release is the report's own news
    undated = text.replace("She was previously held captive by a militia in 2011. ", "")
    assert "released" in {c.state for c in claims(nlp, undated, "status")}


def test_he_is_not_a_woman_the_article_names(nlp: Any) -> None:
    text = ("The militants said the American woman, Sara Holm, was killed in an airstrike. "
            "Officials say he is alive.")
    found = claims(nlp, text, "status")
    assert {c.state for c in found if c.subject.name == "Sara Holm"} == {"dead"}


def test_control_of_the_region_town_is_control_of_the_town_named_before(nlp: Any) -> None:
    text = ("Rebel fighters overran the headquarters of the 9th Brigade in Kadugli on Sunday, "
            "taking control of the South Kordofan town, residents said.")
    found = claims(nlp, text, "controlled_by")
    assert {c.subject.name for c in found} == {"Kadugli"}


def test_a_town_that_a_group_captured_is_the_named_town_and_the_group_its_own_side(
        nlp: Any) -> None:  # fmt: skip
    text = ("Hpakant, the Kachin State town that the Kachin Independence Army captured on "
            "Sunday, was quiet on Monday, residents said.")
    found = claims(nlp, text, "controlled_by")
    assert [(_folded(c.subject.name)[:5], c.object.id) for c in found] == [
        ("hpaka", "side:kachin-independence-army")]


def test_the_centre_of_a_district_is_the_district_and_seized_vehicles_are_no_place(
        nlp: Any) -> None:  # fmt: skip
    text = ("Taliban fighters overran the administrative centre of Khwaja Ghar district in "
            "northern Takhar province on Tuesday. The group seized three Humvees.")
    found = claims(nlp, text, "controlled_by")
    assert [_folded(c.subject.name)[:5] for c in found] == ["khwaj"]


def test_bail_granted_and_leaving_prison_are_releases_bail_refused_is_detention(
        nlp: Any) -> None:  # fmt: skip
    granted = claims(nlp, "A Beira court on Monday granted bail to former mayor Jaime "
                     "Chissano, his lawyer said.", "status")  # fmt: skip
    assert [c.state for c in granted] == ["released"]
    left = claims(nlp, "Jaime Chissano walked out of the Beira central prison on Monday.",
                  "status")  # fmt: skip
    assert [c.state for c in left] == ["released"]
    refused = claims(nlp, "The judge refused bail to Jaime Chissano on Monday.", "status")
    assert [c.state for c in refused] == ["detained"]
    assert all(c.subject.type.value == "person" for c in granted + left + refused)


def test_an_amount_in_a_currency_the_ner_calls_an_organisation(nlp: Any) -> None:
    found = claims(nlp, "Tana Savings Bank said its net profit rose 12 percent to 2.1 billion "
                   "birr in the fiscal year, and deposits reached 40 billion birr.", "quantity")
    profit = [c for c in found if c.relation == "quantity:profit"]
    # (the unit carries the period the text gives: "ETB|annual" for "in the fiscal year")
    assert [(c.subject.name, (c.value.unit or "").split("|")[0]) for c in profit] == [
        ("Tana Savings Bank", "ETB")]


def test_a_hyphenated_event_word_and_the_name_it_is_of_key_its_date(nlp: Any) -> None:
    first = ("The commission on Monday announced that the by-election to the Karimganj-4 "
             "constituency will be held on September 5.")
    second = "Voting in the by-election to Karimganj-4 will take place on September 19."
    a, b = both(nlp, first, second, "scheduled_for")
    assert {c.subject.id for c in a} & {c.subject.id for c in b}
    assert conflicts(a, b)


def test_office_holders_the_ner_missed_and_offices_named_by_initials(nlp: Any) -> None:
    # a name the NER did not tag, in apposition to the title
    untagged = claims(nlp, "Chad's Minister of Mines, Abakar Moussa Hassane, said on Tuesday "
                      "that exports would resume.", "office")  # fmt: skip
    assert [(c.relation, c.subject.id) for c in untagged] == [("office:mines-minister",
                                                               "country:td")]
    # the article's own short form keys the organisation, as later reports name it
    first = ("The National Flood Relief Authority (NFRA) said on Monday its head, Rahima "
             "Sultana Chowdhury, had visited the camps.")
    second = "NFRA chairman Anwar Hossain Khan said on Monday the camps were full."
    a, b = both(nlp, first, second, "office")
    assert {c.subject.id for c in a} == {c.subject.id for c in b}
    # who appointed the holder is not the office's organisation
    appointed = claims(nlp, "The Taliban-appointed governor of Kunduz, Abdul Sattar Mirzakwal, "
                       "said on Sunday that the road was open.", "office")  # fmt: skip
    assert [c.subject.type.value for c in appointed] == ["place"]


def test_two_holders_of_one_office_with_one_surname_are_one_person(nlp: Any) -> None:
    first = "Verenia's foreign minister, William Castell, said on Monday the talks would go on."
    second = "Verenia's foreign minister, Bill Castell, told reporters on Monday he was hopeful."
    a, b = both(nlp, first, second, "office:foreign-minister")
    assert not conflicts(a, b)
    rival = claims(nlp, "Verenia's foreign minister, Anna Dorsey, said on Monday the talks had "
                   "stalled.", "office:foreign-minister", 4, "a3")  # fmt: skip
    assert conflicts(a, rival)
