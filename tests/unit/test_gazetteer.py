"""The gazetteer: names, aliases, misspellings, containment, curated regions, cache."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from shared.domain.entities import PlaceRank
from shared.nlp.gazetteer import Gazetteer, default_gazetteer, norm, strip_admin_suffix

SEVERODONETSK = "geo:691999"
LUHANSK_OBLAST = "geo:702657"
DONETSK_OBLAST = "geo:709716"
UKRAINE = "geo:690791"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return default_gazetteer()


def test_norm_and_suffixes() -> None:
    assert norm("Sivers’k") == "siversk"
    assert norm("the Donetsk People’s Republic") == "donetsk peoples republic"
    assert strip_admin_suffix(norm("Luhansk Oblast")) == ("luhansk", True)
    assert strip_admin_suffix("paris") == ("paris", False)


@pytest.mark.parametrize("name", ["Severodonetsk", "Sievierodonetsk", "Sjewjerodonezk"])
def test_severodonetsk_spellings(gaz: Gazetteer, name: str) -> None:
    assert gaz.lookup(name)[0].id == SEVERODONETSK


def test_siversk_is_seversk(gaz: Gazetteer) -> None:
    assert "geo:694403" in {r.id for r in gaz.lookup("Seversk")}
    assert gaz.lookup("Siversk")[0].id == "geo:694403"


def test_bakhmut_is_artemivsk(gaz: Gazetteer) -> None:
    assert gaz.lookup("Bakhmut")[0].id == gaz.lookup("Artemivsk")[0].id == "geo:713174"


def test_misspelling_is_bounded(gaz: Gazetteer) -> None:
    hits = gaz.fuzzy("Severodonnetsk")
    assert hits and hits[0][0].id == SEVERODONETSK and hits[0][1] >= 0.9
    assert gaz.fuzzy("Valdera") == []  # short and unknown: never fuzzy-linked
    assert all(r.name != "North America" for r, _ in gaz.fuzzy("North Africa"))


def test_containment_chain(gaz: Gazetteer) -> None:
    city = gaz.get(SEVERODONETSK)
    assert city is not None and city.rank == PlaceRank.CITY
    assert city.ancestors == (LUHANSK_OBLAST, UKRAINE)
    oblast = gaz.get(LUHANSK_OBLAST)
    assert oblast is not None and oblast.rank == PlaceRank.ADMIN1
    assert oblast.ancestors == (UKRAINE,)
    assert oblast.name == "Luhansk Oblast"


def test_admin_suffix_variants(gaz: Gazetteer) -> None:
    for name in ("Luhansk region", "Luhansk Oblast", "the Luhansk region"):
        assert gaz.lookup(name)[0].id == LUHANSK_OBLAST
    bryansk = gaz.lookup("Bryansk region")[0]
    assert bryansk.rank == PlaceRank.ADMIN1 and bryansk.country == "RU"


def test_countries_and_states(gaz: Gazetteer) -> None:
    ch = gaz.lookup("Switzerland")[0]
    assert ch.rank == PlaceRank.COUNTRY and ch.country == "CH"
    assert gaz.lookup("Britain")[0].id == gaz.lookup("United Kingdom")[0].id
    texas = gaz.lookup("Texas")[0]
    assert texas.rank == PlaceRank.ADMIN1 and texas.country == "US"


def test_dpr_overlaps_donetsk_oblast(gaz: Gazetteer) -> None:
    dpr = gaz.lookup("DPR")[0]
    assert dpr.id == "region:donetsk-peoples-republic"
    assert DONETSK_OBLAST in dpr.overlaps
    assert gaz.lookup("Donetsk People's Republic")[0].id == dpr.id


def test_crimea_contains_sevastopol(gaz: Gazetteer) -> None:
    crimea = gaz.get("region:crimea")
    assert crimea is not None and UKRAINE in crimea.ancestors
    sevastopol = gaz.get("geo:694423")
    assert sevastopol is not None and "region:crimea" in sevastopol.ancestors
    assert sevastopol.ancestors[-1] == UKRAINE


def test_not_places(gaz: Gazetteer) -> None:
    assert gaz.lookup("Earth") == []


def test_cache_round_trip(tmp_path: Path) -> None:
    first = Gazetteer.load(tmp_path)
    assert list(tmp_path.glob("gazetteer-*.pkl"))
    t0 = time.perf_counter()
    second = Gazetteer.load(tmp_path)
    warm = time.perf_counter() - t0
    assert len(first) == len(second) > 200_000
    assert second.get(SEVERODONETSK) == first.get(SEVERODONETSK)
    assert warm < 10.0
