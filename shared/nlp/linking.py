"""Entity linking: spaCy entity spans -> canonical EntityRef, with context and ambiguity.

Places are linked against the gazetteer (see gazetteer.py for the id scheme). People and
organisations get system ids (``person:<slug>``, ``org:<slug>``) from the alias files under
``shared/data/entities/`` and from within-article coreference (a surname joins the full name
mentioned in the same article; an acronym or a leading part joins a longer organisation
name). A place name that cannot be linked becomes ``name:<slug>`` (type place, no rank).

Place scoring = prior (population, rank, how the name matched) + context:
- an explicit qualifier: "Paris, Texas", "Russia's Bryansk region", "X, in Y's Z Oblast";
- other places in the same sentence ("Paris, the capital of France");
- the places of the article as a whole (shared country / admin1 with confident mentions);
- the candidate being mentioned elsewhere in the article.

A mention is flagged ambiguous only when context cannot separate comparable candidates:
an odd-case short form ("SevSk") whose expansions score alike, or a common name shared by
several large places with no context at all.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz
from spacy.tokens import Doc, Span

from shared.domain.entities import Candidate, EntityRef, EntityType, Mention, PlaceRank
from shared.domain.ids import entity_id, name_key
from shared.nlp.gazetteer import ADMIN_SUFFIXES, Gazetteer, Match, norm, strip_admin_suffix

ENTITY_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "entities"

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
LINK_LABELS = frozenset({"GPE", "LOC", "FAC", "PERSON", "ORG"})
COMPASS = frozenset({
    "eastern", "western", "northern", "southern", "central", "northeastern", "northwestern",
    "southeastern", "southwestern", "north-eastern", "north-western", "south-eastern",
    "south-western", "east", "west", "north", "south",
})
LOCATIVE_PREPS = frozenset({"in", "from", "near", "at", "outside", "around", "into", "across",
                            "towards", "toward", "to", "inside", "throughout", "within"})
PLACE_NOUNS = frozenset({"city", "town", "village", "province", "region", "state", "county",
                         "district", "capital", "port", "oblast", "settlement", "municipality",
                         "island", "republic", "country", "area", "hamlet", "suburb"})
TITLES = frozenset({"mr", "mrs", "ms", "dr", "president", "prime", "minister", "governor",
                    "general", "gen", "sen", "senator", "rep", "king", "queen", "prince",
                    "sir", "lord", "pope", "mayor", "chancellor", "judge", "colonel", "lt",
                    "captain", "commander", "chief", "leader", "head"})
_CAMEL_RE = re.compile(r"[a-z][A-Z]")




def is_camel_abbrev(text: str) -> bool:
    """'SevSk', 'KhKv': a short token of two or more capitalised chunks of 2+ letters
    ('MiG', 'KobanE' and 'McAllen' are not)."""
    if " " in text or not 4 <= len(text) <= 6 or not text[0].isupper():
        return False
    if not _CAMEL_RE.search(text) or text.startswith(("Mc", "Mac", "De", "La", "Le", "Di",
                                                      "Van", "O'")):
        return False
    chunks = re.findall(r"[A-Z][a-z]*", text)
    return "".join(chunks) == text and len(chunks) >= 2 and all(len(c) >= 2 for c in chunks)


# --- people and organisations ----------------------------------------------------------------
@dataclass
class AliasTable:
    """Known people and organisations: normalised alias -> EntityRef."""

    people: dict[str, EntityRef] = field(default_factory=dict)
    orgs: dict[str, EntityRef] = field(default_factory=dict)

    @classmethod
    def load(cls, data_dir: Path = ENTITY_DATA_DIR) -> AliasTable:
        t = cls()
        for fname, key, typ, target in (("people.json", "people", EntityType.PERSON, t.people),
                                        ("organizations.json", "organizations",
                                         EntityType.ORG, t.orgs)):
            path = data_dir / fname
            if not path.exists():
                continue
            for e in json.loads(path.read_text(encoding="utf-8")).get(key, []):
                ref = EntityRef(id=e["id"], name=e["name"], type=typ)
                for n in [e["name"], *e.get("aliases", [])]:
                    k = norm(n)
                    if k:
                        target.setdefault(k, ref)
        return t


@lru_cache(maxsize=2)
def default_aliases(data_dir: str | None = None) -> AliasTable:
    return AliasTable.load(Path(data_dir) if data_dir else ENTITY_DATA_DIR)


@lru_cache(maxsize=1)
def default_demonyms() -> dict[str, str]:
    """'ukrainian' -> 'UA' (shared/data/places/demonyms.json)."""
    path = ENTITY_DATA_DIR.parent / "places" / "demonyms.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8")).get("demonyms", {})
    return {norm(k): v for k, v in data.items()}


def strip_titles(text: str) -> str:
    words = text.split()
    while len(words) > 1 and norm(words[0]) in TITLES:
        words = words[1:]
    return " ".join(words)


# --- place candidates --------------------------------------------------------------------------
@dataclass
class Scored:
    match: Match
    prior: float
    context: float = 0.0

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


def _prior(m: Match, has_suffix: bool, curated: bool, capital: bool = False) -> float:
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


class EntityLinker:
    def __init__(self, gazetteer: Gazetteer, aliases: AliasTable | None = None,
                 common_words: frozenset[str] = frozenset()) -> None:
        self.gaz = gazetteer
        self.aliases = aliases or default_aliases()
        # lower-case English words ("justice", "post"): a capitalised one is a place only
        # with good reason
        self.common_words = common_words
        self.demonyms = default_demonyms()

    # --- candidate generation ------------------------------------------------------------
    def place_matches(self, text: str) -> tuple[list[Match], str, bool, bool, str | None]:
        """Candidates for a place name: (matches, key, has_admin_suffix, abbrev, compass)."""
        words = text.split()
        compass = None
        matches = self.gaz.matches(text)
        if not matches and len(words) >= 2 and words[0].lower() in COMPASS and (
                words[0].islower() or words[0].lower().endswith("ern")):
            # "eastern Ukraine", "northern Syria" (but "North Korea" is a name)
            compass = words[0].lower()
            text = " ".join(words[1:])
            matches = [m for m in self.gaz.matches(text)
                       if m.entity.rank in (PlaceRank.COUNTRY, PlaceRank.ADMIN1)]
        key = norm(text)
        _, has_suffix = strip_admin_suffix(key)
        abbrev = is_camel_abbrev(text) and not any(m.entity.name == text for m in matches)
        if abbrev:
            seen = {m.entity.id for m in matches}
            # an exact hit on a differently-cased name ("SevSk" = "Sevsk") is only one
            # possible expansion, but the best-spelled one: it keeps a full score
            matches = [Match(m.entity, m.population, "abbrev", 100.0) for m in matches]
            for m in self.gaz.abbreviation_matches(text):
                if m.entity.id not in seen and m.score >= 50:
                    matches.append(m)
        elif not matches:
            matches = self.gaz.fuzzy_matches(text)
        matches = self._prune(matches, has_suffix)
        return matches, key, has_suffix, abbrev, compass

    def _prune(self, matches: list[Match], has_suffix: bool) -> list[Match]:
        if len(matches) < 2:
            return matches
        curated = [m for m in matches if self.gaz.is_curated(m.entity.id)
                   and m.kind in ("name", "alias", "curated")]
        if curated and not has_suffix:
            ids = {m.entity.id for m in curated}
            # a curated entry wins over gazetteer areas it contains or is the same as
            matches = [m for m in matches if m.entity.id in ids
                       or not (set(m.entity.ancestors) & ids)]
        if not has_suffix:
            # "Donetsk", "Kyiv", "Vienna": the city, not the admin area named after it
            city_anc = {a for m in matches if m.entity.rank == PlaceRank.CITY
                        for a in m.entity.ancestors[:1]}
            city_cc = {m.entity.country for m in matches
                       if m.entity.rank == PlaceRank.CITY and m.kind == "name"}
            matches = [m for m in matches
                       if not (m.entity.rank == PlaceRank.ADMIN1 and m.kind != "abbrev"
                               and (m.entity.id in city_anc
                                    or (m.kind == "alias" and m.entity.country in city_cc)))]
        return matches

    # --- the article -------------------------------------------------------------------------
    def link_doc(self, doc: Doc) -> list[Mention]:
        ents = [e for e in doc.ents if e.label_ in LINK_LABELS]
        places: dict[int, PlaceMention] = {}
        for e in ents:
            if e.label_ in PLACE_LABELS:
                pm = self._place_mention(e)
                places[e.start] = pm
        self._abbrev_in_article(places)
        self._attach_qualifiers(doc, places)
        demonym_countries = Counter(
            cc for e in doc.ents if e.label_ == "NORP"
            for cc in [self.demonyms.get(norm(e.text))] if cc)
        self._score_places(doc, places, demonym_countries)
        people, orgs = self._people_orgs(ents)

        mentions: list[Mention] = []
        for e in ents:
            start, end = e.start_char, e.end_char
            sent = e.sent.text if doc.has_annotation("SENT_START") else ""
            if e.label_ in PLACE_LABELS:
                m = self._decide_place(places[e.start], e)
            elif e.label_ == "PERSON":
                m = Mention(text=e.text, start=start, end=end, label=e.label_,
                            entity=people[e.start])
            else:
                m = Mention(text=e.text, start=start, end=end, label=e.label_,
                            entity=orgs[e.start])
            m.sentence = sent
            mentions.append(m)
        return mentions

    def _place_mention(self, e: Span) -> PlaceMention:
        matches, key, has_suffix, abbrev, compass = self.place_matches(e.text)
        cands = [Scored(m, _prior(m, has_suffix, self.gaz.is_curated(m.entity.id),
                                  self.gaz.is_capital(m.entity.id)))
                 for m in matches]
        cands.sort(key=lambda s: -s.score)
        pm = PlaceMention(e, key, has_suffix, abbrev, cands, compass)
        pm.first = cands[0] if cands else None
        return pm

    def _abbrev_in_article(self, places: dict[int, PlaceMention]) -> None:
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
                    pm.cands.append(Scored(m, _prior(m, False, False)))
                    have.add(fm.entity.id)
            pm.cands.sort(key=lambda s: -s.score)

    def _attach_qualifiers(self, doc: Doc, places: dict[int, PlaceMention]) -> None:
        by_end = {pm.span.end: pm for pm in places.values()}
        for pm in places.values():
            s = pm.span
            # "Russia's Bryansk region": a place, then 's, right before
            if s.start >= 2 and doc[s.start - 1].lower_ in ("'s", "’s"):
                q = by_end.get(s.start - 1)
                if q is not None and self._container_like(q):
                    pm.qualifier = q
                    continue
            # "Paris, Texas" / "Severodonetsk, in ... Luhansk Oblast" / "X in the Y region"
            i = s.end
            gap = 0
            while i < len(doc) and gap < 3 and doc[i].lower_ in (",", "in", "the"):
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
            if q2 is not None and self._container_like(q2) and not pm.has_suffix:
                pm.qualifier = q2

    @staticmethod
    def _container_like(pm: PlaceMention) -> bool:
        return bool(pm.cands) and any(_is_container(c.ref) for c in pm.cands[:3])

    def _score_places(self, doc: Doc, places: dict[int, PlaceMention],
                      demonym_countries: Counter[str] | None = None) -> None:
        # confident first-pass links: single candidate, or a clear margin
        confident: list[EntityRef] = []
        for pm in places.values():
            if pm.abbrev or not pm.cands:
                continue
            top = pm.cands[0]
            if len(pm.cands) == 1 or top.score - pm.cands[1].score >= 1.0:
                confident.append(top.ref)
        # "Ukrainian forces", "the Swiss foreign ministry": one place mention per country
        countries = Counter(r.country for r in confident if r.country)
        extra = 0
        for cc in demonym_countries or ():
            countries[cc] += 1  # one per country, however often it is repeated
            extra += 1
        n = max(len(confident) + extra, 1)
        admin1s = Counter(a for r in confident for a in r.ancestors[:-1])
        admin1s.update(r.id for r in confident if r.rank == PlaceRank.ADMIN1)
        ids_in_article = Counter(r.id for r in confident)
        has_sents = bool(places) and next(iter(places.values())).span.doc.has_annotation(
            "SENT_START")
        sent_of = {id(pm): (pm.span.sent.start if has_sents else 0) for pm in places.values()}
        for pm in places.values():
            sent_refs = [o.cands[0].ref for o in places.values()
                         if o is not pm and o.cands and sent_of[id(o)] == sent_of[id(pm)]
                         and not o.abbrev]
            for c in pm.cands:
                ctx = 0.0
                ref = c.ref
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
                own = 1 if ref.id in ids_in_article else 0
                if ref.country:
                    share = (countries[ref.country] - own) / n
                    ctx += 1.2 * min(share * 2, 1.0)
                area = [a for a in ref.ancestors[:-1]]
                if any(admin1s[a] for a in area):
                    ctx += 0.8
                others = ids_in_article[ref.id] - (
                    1 if pm.first and pm.first.ref.id == ref.id and not pm.abbrev else 0)
                if others > 0:  # named elsewhere in the article, the more often the likelier
                    ctx += 0.6 + 0.3 * min(others, 4)
                c.context = ctx
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
                pm.cands.sort(key=lambda s: -s.score)

    def _decide_place(self, pm: PlaceMention, e: Span) -> Mention:
        m = Mention(text=e.text, start=e.start_char, end=e.end_char, label=e.label_)
        cands = pm.cands
        if cands:
            top = cands[0]
            exps = [math.exp(min(c.score - top.score, 0.0)) for c in cands[:6]]
            total = sum(exps)
            # a candidate with no real chance ("Ukraine" -> a Spanish village) is noise
            m.candidates = [
                Candidate(entity=c.ref, score=round(x / total, 4),
                          description=self.gaz.describe(c.ref.id))
                for i, (c, x) in enumerate(zip(cands[:6], exps, strict=False))
                if i == 0 or x / total >= 0.001
            ]
        if not cands:
            m.entity = EntityRef(id=entity_id("name", pm.key or e.text), name=e.text,
                                 type=EntityType.PLACE)
            return m
        top = cands[0]
        second = cands[1] if len(cands) > 1 else None
        if pm.abbrev:
            close = [c for c in cands if top.score - c.score < 2.5]
            # ambiguous between places this article is about; a short form unrelated to the
            # article's places is left unlinked
            if len(close) >= 2 and any(c.context > 0 for c in close):
                m.ambiguous = True
                return m
            if not any(c.context > 0 for c in cands):
                m.entity = EntityRef(id=entity_id("name", pm.key or e.text), name=e.text,
                                     type=EntityType.PLACE)
                return m
        elif (second is not None and top.score - second.score < 0.25
              and top.context < 0.5 and second.context < 0.5
              and top.match.kind == "name" and second.match.kind == "name"
              and top.ref.rank == PlaceRank.CITY and second.ref.rank == PlaceRank.CITY
              and min(top.match.population, second.match.population) >= 100_000
              and top.ref.country != second.ref.country
              and top.match.population < 1.5 * second.match.population):
            # a big-city name shared across countries, and nothing in the article to choose
            m.ambiguous = True
            return m
        single = len(pm.key.split()) == 1
        common = (single and pm.key in self.common_words and top.context < 2.0
                  and top.ref.rank == PlaceRank.CITY
                  and (top.match.population < 100_000
                       or top.match.kind in ("fuzzy", "other")))
        weak = (top.ref.rank == PlaceRank.CITY and top.match.population < 1000
                and top.context < 0.8 and not self.gaz.is_curated(top.ref.id)
                and top.match.kind != "curated")
        # a translation-like GeoNames alias ("Google" for Topeka) needs support, unless
        # it names a major city ("Saigon")
        # "IPO" is not Ipoh: a short all-caps form needs a curated alias or the exact name
        acronym = (e.text.isupper() and len(pm.key) <= 4 and top.ref.name.upper() != e.text
                   and not self.gaz.is_curated(top.ref.id) and top.match.kind != "curated")
        weak = weak or common or acronym or (top.match.kind == "other" and top.context < 0.8
                                  and top.match.population < 500_000)
        if weak or (top.match.kind == "fuzzy" and top.context < 0.8
                    and top.match.population < 20_000):
            m.entity = EntityRef(id=entity_id("name", pm.key or e.text), name=e.text,
                                 type=EntityType.PLACE)
            return m
        ref = top.ref
        if pm.compass:
            ref = self.vague_region(pm.compass, ref)
        m.entity = ref
        return m

    def vague_region(self, compass: str, base: EntityRef) -> EntityRef:
        """'eastern Ukraine': a vague region inside its base place."""
        curated = self.gaz.lookup(f"{compass} {base.name}")
        if curated:
            return curated[0]
        return EntityRef(
            id=f"region:{compass}-{name_key(base.name)}", name=f"{compass} {base.name}",
            type=EntityType.PLACE, rank=PlaceRank.VAGUE,
            ancestors=(base.id, *base.ancestors), country=base.country,
        )

    # --- people and organisations ------------------------------------------------------------
    def _people_orgs(self, ents: Iterable[Span]) -> tuple[dict[int, EntityRef],
                                                           dict[int, EntityRef]]:
        ents = list(ents)
        people: dict[int, EntityRef] = {}
        orgs: dict[int, EntityRef] = {}
        full_names: list[tuple[list[str], EntityRef]] = []
        for e in ents:
            if e.label_ != "PERSON":
                continue
            name = strip_titles(e.text)
            ref = self.aliases.people.get(norm(name))
            toks = norm(name).split()
            if ref is None and len(toks) >= 2:
                ref = EntityRef(id=entity_id("person", name), name=name, type=EntityType.PERSON)
            if ref is not None and len(toks) >= 2:
                full_names.append((toks, ref))
        for e in ents:
            if e.label_ != "PERSON":
                continue
            name = strip_titles(e.text)
            k = norm(name)
            ref = self.aliases.people.get(k)
            if ref is None:
                toks = k.split()
                for ftoks, fref in full_names:
                    if toks == ftoks or (len(toks) == 1 and toks[0] in (ftoks[-1], ftoks[0])):
                        ref = fref
                        break
            if ref is None:
                ref = EntityRef(id=entity_id("person", name), name=name, type=EntityType.PERSON)
            people[e.start] = ref
        long_orgs: list[tuple[str, EntityRef]] = []
        for e in ents:
            if e.label_ == "ORG":
                k = norm(e.text)
                ref = self.aliases.orgs.get(k) or EntityRef(
                    id=entity_id("org", e.text), name=re.sub(r"^(?i:the)\s+", "", e.text),
                    type=EntityType.ORG)
                if len(k.split()) >= 2:
                    long_orgs.append((k, ref))
        for e in ents:
            if e.label_ != "ORG":
                continue
            k = norm(e.text)
            ref = self.aliases.orgs.get(k)
            if ref is None:
                for lk, lref in long_orgs:
                    words = lk.split()
                    initials = "".join(w[0] for w in words if w not in ("of", "and", "for"))
                    if k != lk and (k == initials or lk.startswith(k + " ")):
                        ref = lref
                        break
            if ref is None:
                ref = EntityRef(id=entity_id("org", e.text),
                                name=re.sub(r"^(?i:the)\s+", "", e.text), type=EntityType.ORG)
            orgs[e.start] = ref
        return people, orgs


def admin_suffix_word(word: str) -> bool:
    return word.lower().rstrip("'’") in ADMIN_SUFFIXES or word.lower() in ADMIN_SUFFIXES
