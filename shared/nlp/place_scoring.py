"""Place candidates and how the article's context scores them: the prior of a gazetteer
match (population, rank, how the name matched), qualifiers ("Paris, Texas", "Russia's
Bryansk region"), other places in the sentence and in the article, and short forms
("SevSk") that may stand for a place the article names in full.

Separate from linking.py, which generates the candidates and decides the link: this module
only scores, so the weights can be read in one place.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz
from spacy.tokens import Doc, Span

from shared.domain.entities import EntityRef, PlaceRank
from shared.nlp.gazetteer import Match, norm


@dataclass
class Scored:
    match: Match
    prior: float
    context: float = 0.0
    # the context from the article's other names only (not this name's repeats): whether
    # anything beside the name itself says which place it is
    outside: float = 0.0

    @property
    def score(self) -> float:
        return self.prior + self.context

    @property
    def ref(self) -> EntityRef:
        return self.match.entity


@dataclass
class PlaceMention:
    span: Span
    key: str
    has_suffix: bool
    abbrev: bool
    cands: list[Scored]
    compass: str | None = None  # "eastern" in "eastern Ukraine"
    qualifier: PlaceMention | None = None
    first: Scored | None = None  # best before context


_RANK_BONUS = {
    PlaceRank.COUNTRY: 2.5, PlaceRank.ADMIN1: 1.0, PlaceRank.ADMIN2: 0.6,
    PlaceRank.CITY: 0.0, PlaceRank.VAGUE: 1.0, PlaceRank.CONTINENT: 2.5,
}
_KIND_BONUS = {"name": 0.6, "alias": 0.3, "curated": 1.5, "base": 0.5, "base_name": -0.5,
               "other": -1.5}


def prior_score(m: Match, has_suffix: bool, curated: bool, capital: bool = False) -> float:
    p = 0.8 * math.log10(m.population + 10)
    if capital:
        p += 2.0
    if m.entity.rank is not None:
        p += _RANK_BONUS.get(m.entity.rank, 0.0)
        if has_suffix and m.entity.rank in (PlaceRank.ADMIN1, PlaceRank.ADMIN2):
            p += 2.0
    if curated:
        p += 3.0
    if m.kind in _KIND_BONUS:
        p += _KIND_BONUS[m.kind]
    elif m.kind == "fuzzy":
        p -= (100.0 - m.score) / 5.0
    elif m.kind == "abbrev":
        p -= (100.0 - m.score) / 25.0
    return p


def _is_container(ref: EntityRef) -> bool:
    return ref.rank in (PlaceRank.COUNTRY, PlaceRank.ADMIN1, PlaceRank.ADMIN2,
                        PlaceRank.VAGUE, PlaceRank.CONTINENT)


def _within(ref: EntityRef, container: EntityRef) -> bool:
    if ref.id == container.id:
        return False
    if container.id in ref.ancestors:
        return True
    if container.rank == PlaceRank.COUNTRY and ref.country == container.country:
        return True
    return container.id in ref.overlaps


def abbrev_in_article(places: dict[int, PlaceMention]) -> None:
    """'SevSk' may also stand for a place the article names in full ('Sevastopol')."""
    for pm in places.values():
        if not pm.abbrev:
            continue
        head = re.findall(r"[A-Z][a-z]*|[a-z]+", pm.span.text)
        if not head:
            continue
        prefix = head[0].lower()
        have = {c.ref.id for c in pm.cands}
        for o in places.values():
            if o.abbrev or not o.first or o.first.ref.id in have:
                continue
            if norm(o.first.ref.name).startswith(prefix) or o.key.startswith(prefix):
                fm = o.first.match
                m = Match(fm.entity, fm.population, "abbrev",
                          float(fuzz.ratio(pm.key, norm(fm.entity.name))))
                pm.cands.append(Scored(m, prior_score(m, False, False)))
                have.add(fm.entity.id)
        pm.cands.sort(key=lambda s: -s.score)


# the words that may stand between a place and the larger place that qualifies it
_QUALIFIER_GAP = frozenset({
    ",", "in", "the", "of", "part", "district", "region", "province", "governorate", "county",
    "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
})


def attach_qualifiers(doc: Doc, places: dict[int, PlaceMention]) -> None:
    by_end = {pm.span.end: pm for pm in places.values()}
    for pm in places.values():
        s = pm.span
        # "Russia's Bryansk region": a place, then 's, right before
        if s.start >= 2 and doc[s.start - 1].lower_ in ("'s", "’s"):
            q = by_end.get(s.start - 1)
            if q is not None and _container_like(q):
                pm.qualifier = q
                continue
        # "Paris, Texas" / "Severodonetsk, in ... Luhansk Oblast" / "X in the Y region" /
        # "the X district in the south of Y governorate"
        i = s.end
        gap = 0
        while i < len(doc) and gap < 6 and doc[i].lower_ in _QUALIFIER_GAP:
            i += 1
            gap += 1
        if gap == 0 or i >= len(doc):
            continue
        q2 = places.get(i)
        # skip a possessive container chain: "in eastern Ukraine's Luhansk Oblast"
        if q2 is not None and q2.span.end + 1 < len(doc) and \
                doc[q2.span.end].lower_ in ("'s", "’s"):
            q3 = places.get(q2.span.end + 1)
            if q3 is not None:
                q2 = q3
        if q2 is not None and _container_like(q2) and not pm.has_suffix:
            pm.qualifier = q2

def _container_like(pm: PlaceMention) -> bool:
    return bool(pm.cands) and any(_is_container(c.ref) for c in pm.cands[:3])

def score_places(doc: Doc, places: dict[int, PlaceMention],
                 demonym_countries: Counter[str] | None = None) -> None:
    # confident first-pass links: single candidate, or a clear margin
    confident: list[tuple[str, EntityRef]] = []
    for pm in places.values():
        if pm.abbrev or not pm.cands:
            continue
        top = pm.cands[0]
        if len(pm.cands) == 1 or top.score - pm.cands[1].score >= 1.0:
            confident.append((pm.key, top.ref))
    has_sents = bool(places) and next(iter(places.values())).span.doc.has_annotation(
        "SENT_START")
    sent_of = {id(pm): (pm.span.sent.start if has_sents else 0) for pm in places.values()}
    every = _Evidence([r for _, r in confident], demonym_countries)
    besides: dict[str, _Evidence] = {}
    for pm in places.values():
        sent_refs = [o for o in places.values()
                     if o is not pm and o.cands and sent_of[id(o)] == sent_of[id(pm)]
                     and not o.abbrev]  # fmt: skip
        if pm.key not in besides:
            # what the article says beside this name: its own (repeated) mentions are no
            # evidence for which place it is
            besides[pm.key] = _Evidence([r for k, r in confident if k != pm.key],
                                        demonym_countries)
        for c in pm.cands:
            c.context = every.context(pm, c.ref, [o.cands[0].ref for o in sent_refs])
            c.outside = besides[pm.key].context(
                pm, c.ref, [o.cands[0].ref for o in sent_refs if o.key != pm.key],
                repeats=False)
        pm.cands.sort(key=lambda s: -s.score)
    # a qualified mention ("Paris, Texas") decides the same name elsewhere in the article
    decided: dict[str, Scored] = {}
    for pm in places.values():
        if pm.qualifier is not None and pm.cands and pm.cands[0].context >= 4.0:
            decided.setdefault(pm.key, pm.cands[0])
    for pm in places.values():
        d = decided.get(pm.key)
        if d is not None and pm.cands and pm.cands[0].ref.id != d.ref.id:
            for c in pm.cands:
                if c.ref.id == d.ref.id:
                    c.context += 4.0
                    c.outside += 4.0
            pm.cands.sort(key=lambda s: -s.score)



class _Evidence:
    """The places an article names with confidence, counted for scoring one mention."""

    def __init__(self, confident: list[EntityRef], demonym_countries: Counter[str] | None):
        # "Ukrainian forces", "the Swiss foreign ministry": one place mention per country
        self.countries = Counter(r.country for r in confident if r.country)
        extra = 0
        for cc in demonym_countries or ():
            self.countries[cc] += 1  # one per country, however often it is repeated
            extra += 1
        self.n = max(len(confident) + extra, 1)
        self.admin1s = Counter(a for r in confident for a in r.ancestors[:-1])
        self.admin1s.update(r.id for r in confident if r.rank == PlaceRank.ADMIN1)
        self.ids = Counter(r.id for r in confident)

    def context(self, pm: PlaceMention, ref: EntityRef, sent_refs: list[EntityRef],
                repeats: bool = True) -> float:
        ctx = 0.0
        if pm.qualifier is not None:
            qrefs = [q.ref for q in pm.qualifier.cands[:3]]
            if any(_within(ref, q) for q in qrefs):
                ctx += 4.0
        for o in sent_refs:
            if o.id == ref.id:
                if pm.abbrev:  # "Severodonetsk, referred to as SevSk": named beside it
                    ctx += 1.5
                continue
            if _within(ref, o):
                ctx += 1.5
            elif ref.country and o.country == ref.country:
                ctx += 0.8
        own = 1 if ref.id in self.ids else 0
        if ref.country:
            share = (self.countries[ref.country] - own) / self.n
            ctx += 1.2 * min(share * 2, 1.0)
        if any(self.admin1s[a] for a in ref.ancestors[:-1]):
            ctx += 0.8
        if repeats:
            others = self.ids[ref.id] - (
                1 if pm.first and pm.first.ref.id == ref.id and not pm.abbrev else 0)
            if others > 0:  # named elsewhere in the article, the more often the likelier
                ctx += 0.6 + 0.3 * min(others, 4)
        return ctx
