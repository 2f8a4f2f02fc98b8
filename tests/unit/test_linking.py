"""Entity rules and linking in the real spaCy pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.language import Language

from claimwatch.el_eval import DEFAULT_SET, evaluate
from shared.domain.entities import EntityType, Mention, PlaceRank
from shared.domain.ids import entity_id
from shared.nlp.pipeline import build_nlp, link_doc

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "000_125535ed156f251c.txt"
DEV = REPO.parent / "shared" / "eval" / "dev.jsonl"
ACCURACY_THRESHOLD = 0.9

SEED_TEXT = """The strategic withdrawal of Ukrainian forces from Severodonnetsk, referred to as \
SevSk in some reports, has sparked intense debate among military analysts and international \
observers.
According to The New York Times, this move has significantly diminished Ukraine’s leverage in \
ongoing negotiations with Russia, a development that could reshape the trajectory of the conflict \
in eastern Ukraine.
The city, once a critical stronghold for Ukrainian troops in the Donetsk People’s Republic (DPR), \
now lies in the hands of Russian forces.
Its capture by Russian forces has symbolized a major setback for Kyiv’s efforts to reclaim \
territories lost since the full-scale invasion began in February 2022.
Such buffer zones, as described by DPR leader Denis Pushilin, are being fortified.
Pushilin, who has emerged as a key voice from the DPR, confirmed ongoing evacuations of civilians \
from Severodonnetsk amid the shifting front lines.
The DPR head also reiterated reports of Russian forces extending buffer zones near Sevastopol, a \
move that has raised concerns about further encroachment in the Crimean Peninsula.
Meanwhile, the international community faces mounting pressure to respond with greater support \
for Kyiv.
"""


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


def _by_text(mentions: list[Mention], text: str) -> list[Mention]:
    return [m for m in mentions if m.text == text]


def test_pipeline_components(nlp: Language) -> None:
    names = nlp.pipe_names
    assert names.index("ner") < names.index("claimwatch_place_ruler") < names.index(
        "claimwatch_linker")
    assert build_nlp() is nlp  # memoised


def test_seed_kyiv_is_a_place(nlp: Language) -> None:
    doc, _ = link_doc(nlp, SEED_TEXT)
    kyiv = [e for e in doc.ents if e.text == "Kyiv"]
    assert len(kyiv) == 2
    assert all(e.label_ == "GPE" and e.kb_id_ == "geo:703448" for e in kyiv)


def test_seed_misspelling_links(nlp: Language) -> None:
    _, mentions = link_doc(nlp, SEED_TEXT)
    sev = _by_text(mentions, "Severodonnetsk")
    assert len(sev) == 2
    for m in sev:
        assert m.label == "GPE" and m.entity is not None and m.entity.id == "geo:691999"
        assert m.entity.ancestors == ("geo:702657", "geo:690791")


def test_seed_sevsk_is_the_only_ambiguous_mention(nlp: Language) -> None:
    _, mentions = link_doc(nlp, SEED_TEXT)
    flagged = [m for m in mentions if m.ambiguous]
    assert [m.text for m in flagged] == ["SevSk"]
    cands = {c.entity.id for c in flagged[0].candidates}
    assert {"geo:691999", "geo:694403"} <= cands  # Severodonetsk, Siversk (Seversk)
    assert len(cands) >= 3
    scores = [c.score for c in flagged[0].candidates]
    assert scores == sorted(scores, reverse=True)
    assert flagged[0].entity is None
    # "Severodonnetsk, referred to as SevSk": the name it stands beside ranks first
    assert flagged[0].candidates[0].entity.id == "geo:691999"


@pytest.mark.parametrize(
    ("text", "first"),
    [
        (
            "Ukrainian troops left Sievierodonetsk, called SevSk by some bloggers, on Friday. "
            "Russian warships were later seen off Sevastopol and near Siversk.",
            "geo:691999",
        ),
        (
            "Warships left Sevastopol, called SevSk by some bloggers, on Friday. "
            "Fighting went on near Sievierodonetsk and Siversk in eastern Ukraine.",
            "geo:694423",
        ),
    ],
)
def test_a_short_form_ranks_the_name_it_is_introduced_with_first(
    nlp: Language, text: str, first: str
) -> None:
    _, mentions = link_doc(nlp, text)
    (sevsk,) = _by_text(mentions, "SevSk")
    assert sevsk.candidates and sevsk.candidates[0].entity.id == first


def test_seed_people_orgs_and_dpr(nlp: Language) -> None:
    _, mentions = link_doc(nlp, SEED_TEXT)
    people = {m.text: m.entity.id for m in mentions if m.label == "PERSON" and m.entity}
    assert people == {"Denis Pushilin": "person:denis-pushilin",
                      "Pushilin": "person:denis-pushilin"}
    assert {m.entity.id for m in _by_text(mentions, "The New York Times") if m.entity} == {
        "org:new-york-times"}
    dpr = [m for m in mentions if m.text in ("DPR", "Donetsk People’s Republic")]
    assert len(dpr) >= 3
    for m in dpr:
        assert m.entity is not None and m.entity.id == "region:donetsk-peoples-republic"
        assert "geo:709716" in m.entity.overlaps
    crimea = _by_text(mentions, "Crimean Peninsula")
    assert crimea and crimea[0].entity is not None and crimea[0].entity.id == "region:crimea"
    east = _by_text(mentions, "eastern Ukraine")
    assert east and east[0].entity is not None
    assert east[0].entity.rank == PlaceRank.VAGUE and "geo:690791" in east[0].entity.ancestors


def test_mentions_match_doc(nlp: Language) -> None:
    text = "Severodonetsk, in eastern Ukraine's Luhansk Oblast, had about 100,000 people."
    doc, mentions = link_doc(nlp, text)
    for m in mentions:
        assert text[m.start:m.end] == m.text
        assert m.text in m.sentence
    kb = {e.text: e.kb_id_ for e in doc.ents}
    assert kb["Severodonetsk"] == "geo:691999"
    assert kb["Luhansk Oblast"] == "geo:702657"


@pytest.mark.parametrize("text,expected", [
    ("A tornado damaged dozens of homes in Paris, Texas, on Sunday night, Lamar County "
     "officials said.", "geo:4717560"),
    ("Paris, the capital of France, is preparing to host the Olympic Games in July.",
     "geo:2988507"),
])
def test_paris_disambiguation(nlp: Language, text: str, expected: str) -> None:
    _, mentions = link_doc(nlp, text)
    paris = _by_text(mentions, "Paris")
    assert paris and not paris[0].ambiguous
    assert paris[0].entity is not None and paris[0].entity.id == expected


@pytest.mark.parametrize("text,mention,expected_id,rank", [
    ("Ukrainian forces hold Severodonetsk in the Luhansk region, the governor said.",
     "Luhansk region", "geo:702657", PlaceRank.ADMIN1),
    ("Shelling hit villages in Russia's Bryansk region on Monday.", "Bryansk region",
     "geo:571473", PlaceRank.ADMIN1),
    ("The summit will take place in Switzerland next month.", "Switzerland", "geo:2658434",
     PlaceRank.COUNTRY),
    ("The peace summit will be held in Geneva in June.", "Geneva", "geo:2660646",
     PlaceRank.CITY),
    ("The talks moved to Vienna and later to Munich.", "Munich", "geo:2867714",
     PlaceRank.CITY),
    ("Russian troops were forced out of Seversk, a town in the Donetsk region.", "Seversk",
     "geo:694403", PlaceRank.CITY),
])
def test_place_variants(nlp: Language, text: str, mention: str, expected_id: str,
                        rank: PlaceRank) -> None:
    _, mentions = link_doc(nlp, text)
    found = _by_text(mentions, mention)
    assert found, [m.text for m in mentions]
    ent = found[0].entity
    assert ent is not None and ent.id == expected_id and ent.rank == rank
    if rank != PlaceRank.COUNTRY:
        assert ent.ancestors and ent.ancestors[-1].startswith("geo:")


def test_unknown_place_stays_unlinked(nlp: Language) -> None:
    _, mentions = link_doc(nlp, "A magnitude 6.8 earthquake struck the mountain province of "
                                "Valdera early on Monday.")
    valdera = _by_text(mentions, "Valdera")
    assert valdera and valdera[0].entity is not None
    assert valdera[0].entity.id == "name:valdera"
    assert valdera[0].entity.type == EntityType.PLACE and not valdera[0].ambiguous


def test_org_prefix_is_not_a_place(nlp: Language) -> None:
    _, mentions = link_doc(nlp, "Harrow Motors will close its Detroit assembly plant.")
    assert {m.text: m.entity.id for m in mentions if m.entity} == {
        "Harrow Motors": entity_id("org", "Harrow Motors"), "Detroit": "geo:4990729"}


def test_shipped_set_accuracy(nlp: Language) -> None:
    result = evaluate(DEFAULT_SET, nlp)
    assert result["items"] >= 60
    assert result["accuracy"] >= ACCURACY_THRESHOLD, result["errors"]
    assert result["ambiguity_precision"] == 1.0 and result["ambiguity_recall"] == 1.0


def test_dev_scenarios_flag_only_expected_ambiguity(nlp: Language) -> None:
    if not DEV.exists():
        pytest.skip(f"{DEV} not found")
    for line in DEV.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        scenario = json.loads(line)
        expected = {(e["article"], e["ambiguous"].lower())
                    for e in scenario.get("expect", []) if "ambiguous" in e}
        flagged = set()
        for article in scenario["articles"]:
            _, mentions = link_doc(nlp, article["text"])
            flagged |= {(article["id"], m.text.lower()) for m in mentions if m.ambiguous}
        assert flagged == expected, scenario["scenario"]


def test_seed_file_if_present(nlp: Language) -> None:
    if not SEED.exists():
        pytest.skip(f"{SEED} not found")
    _, mentions = link_doc(nlp, SEED.read_text(encoding="utf-8"))
    assert [m.text for m in mentions if m.ambiguous] == ["SevSk"]


def test_a_disease_named_after_a_town_is_no_place_to_resolve(nlp: Language) -> None:
    virus = _mentions(nlp, "Two cases of Marburg virus were confirmed on Monday.")
    assert not any(m.ambiguous for m in virus)
    assert all(m.entity is None or not m.entity.id.startswith("geo:") for m in virus)


def _mentions(nlp: Language, text: str) -> list[Mention]:
    return link_doc(nlp, text)[1]
