"""Entity linking: spaCy entity spans -> canonical EntityRef, with context and ambiguity.

Places are linked against the gazetteer (see gazetteer.py for the id scheme). People and
organisations get system ids (``person:<slug>``, ``org:<slug>``) from the alias files under
``shared/data/entities/`` and from within-article coreference (people_orgs.py). A place
name that cannot be linked becomes ``name:<slug>`` (type place, no rank).

Place scoring (place_scoring.py) = prior (population, rank, how the name matched) + context:
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
from functools import lru_cache
from typing import Any

from spacy.tokens import Doc, Span

from shared.domain.entities import Candidate, EntityRef, EntityType, Mention, PlaceRank
from shared.domain.ids import entity_id, name_key
from shared.domain.quantities import is_currency_word
from shared.nlp.gazetteer import ADMIN_SUFFIXES, Gazetteer, Match, norm, strip_admin_suffix
from shared.nlp.people_orgs import (
    ENTITY_DATA_DIR,
    AliasTable,
    default_aliases,
    link_people_orgs,
)
from shared.nlp.place_scoring import (
    PlaceMention,
    Scored,
    abbrev_in_article,
    attach_qualifiers,
    prior_score,
    score_places,
)

# AliasTable and default_aliases: the entity pipeline imports them from here
__all__ = [
    "COMPASS", "LINK_LABELS", "LOCATIVE_PREPS", "PLACE_LABELS", "PLACE_NOUNS", "AliasTable",
    "EntityLinker", "admin_suffix_word", "continental_prefixes", "default_aliases",
    "default_demonyms", "facility_nouns",
    "is_camel_abbrev",
]  # fmt: skip

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



@lru_cache(maxsize=1)
def _demonym_data() -> dict[str, Any]:
    """shared/data/places/demonyms.json, read once ({} without the data)."""
    path = ENTITY_DATA_DIR.parent / "places" / "demonyms.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@lru_cache(maxsize=1)
def default_demonyms() -> dict[str, str]:
    """'ukrainian' -> 'UA' (shared/data/places/demonyms.json)."""
    return {norm(k): v for k, v in _demonym_data().get("demonyms", {}).items()}


@lru_cache(maxsize=1)
def continental_prefixes() -> frozenset[str]:
    """Words that make the demonym after them a region's: "South American", "West African"."""
    return frozenset(_demonym_data().get("continental_prefixes", []))


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
        # "4.6 billion birr": the NER may call a currency word an organisation
        ents = [e for e in doc.ents if e.label_ in LINK_LABELS
                and not (e.label_ == "ORG" and is_currency_word(e.text))]  # fmt: skip
        places: dict[int, PlaceMention] = {}
        for e in ents:
            if e.label_ in PLACE_LABELS:
                pm = self._place_mention(e)
                places[e.start] = pm
        abbrev_in_article(places)
        attach_qualifiers(doc, places)
        demonym_countries = Counter(
            cc for e in doc.ents if e.label_ == "NORP"
            for cc in [self.demonyms.get(norm(e.text))] if cc)
        score_places(doc, places, demonym_countries)
        people, orgs = link_people_orgs(self.aliases, ents)
        person_names = frozenset(p.text.split()[-1] for p in ents
                                 if p.label_ == "PERSON" and " " in p.text.strip())

        mentions: list[Mention] = []
        for e in ents:
            start, end = e.start_char, e.end_char
            sent = e.sent.text if doc.has_annotation("SENT_START") else ""
            if e.label_ in PLACE_LABELS:
                m = self._decide_place(places[e.start], e, person_names)
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
        cands = [Scored(m, prior_score(m, has_suffix, self.gaz.is_curated(m.entity.id),
                                       self.gaz.is_capital(m.entity.id)))
                 for m in matches]
        cands.sort(key=lambda s: -s.score)
        pm = PlaceMention(e, key, has_suffix, abbrev, cands, compass)
        pm.first = cands[0] if cands else None
        return pm

    def _decide_place(self, pm: PlaceMention, e: Span,
                      person_names: frozenset[str] = frozenset()) -> Mention:
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
        # a name as written ("Tripoli", not "region" or "eastern" the NER took for one)
        named = e.text[:1].isupper() and pm.key not in self.common_words and (
            pm.key not in COMPASS)
        namesakes = [] if pm.abbrev or not named or _in_a_name(e) else _namesakes(cands)
        settled = max(cands, key=lambda c: c.outside)
        if settled not in namesakes and settled.outside >= _QUALIFIED:
            namesakes = []  # "San Fernando, Trinidad": a smaller namesake, placed by the text
        if top in namesakes and len(namesakes) >= 2 and not _a_surname(e, person_names):
            # "Tripoli", "Hyderabad", "Congo" alone: well-known places of one name in
            # several countries, told apart only by what else the article names
            ranked = sorted(namesakes, key=lambda c: -c.outside)
            if ranked[0].outside - ranked[1].outside < _NAMESAKE_MARGIN:
                m.ambiguous = True
                return m
            top = ranked[0]  # "the port of Tripoli ... Lebanon": the one the article places
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
        elif _names_a_facility(e):
            # "its Santa Rosa mine", "the Al Ahly stadium": the name of a mine or a club,
            # not a place mention for a reader to resolve
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


# how much more the article's other names must say for one namesake than for the next
_NAMESAKE_MARGIN = 0.5
# the context of a place the text qualifies ("X, Texas", "X in Y province"): it settles
# the name, whatever the namesakes
_QUALIFIED = 4.0
# well known: a city, region or country of at least this many people; and no more than this
# many times smaller than the best known of the name ("London", Ontario, is no rival)
_NAMESAKE_POPULATION = 150_000
# (cities and countries only: a region's name is mostly also its capital's or a sea's,
# "Georgia" the state or "Red Sea" the governorate are told by other rules or not at all)
_NAMESAKE_RATIO = {PlaceRank.COUNTRY: 20.0, PlaceRank.CITY: 8.0}


def _namesakes(cands: list[Scored]) -> list[Scored]:
    """The well-known places a name may stand for, of the rank of the likeliest (a city
    does not rival a country of its name), one per country."""
    rank = cands[0].ref.rank
    if rank not in _NAMESAKE_RATIO:
        return []
    big = [c for c in cands[:6] if c.ref.rank == rank
           and c.match.kind in ("name", "curated", "alias")
           and c.match.population >= _NAMESAKE_POPULATION]  # fmt: skip
    if not big:
        return []
    largest = max(c.match.population for c in big)
    out: dict[str, Scored] = {}
    for c in big:
        if largest <= _NAMESAKE_RATIO[rank] * c.match.population:
            out.setdefault(c.ref.country or c.ref.id, c)
    return list(out.values())


@lru_cache(maxsize=1)
def facility_nouns() -> frozenset[str]:
    """'mine', 'stadium', 'club': nouns a place name before them names (facility_nouns.json)."""
    path = ENTITY_DATA_DIR.parent / "places" / "facility_nouns.json"
    if not path.exists():
        return frozenset()
    return frozenset(json.loads(path.read_text(encoding="utf-8")).get("nouns", []))


def _a_surname(e: Span, person_names: frozenset[str]) -> bool:
    """"Transport Minister Jorge Luis Medina said ... Medina told reporters": the last word
    of a person the article names is that person, not a city."""
    return e.text in person_names


def _in_a_name(e: Span) -> bool:
    """"the Colombo High Court", "the Flood Forecasting and Warning Centre": a place name
    inside a longer name, or naming a facility or qualifying a noun, is no place for a
    reader to tell."""
    doc = e.doc
    before = doc[e.start - 1] if e.start > 0 else None
    # "the Hyderabad-based company": a name that describes, not a place the story is in
    hyphened = e.end < len(doc) and doc[e.end].text == "-"
    # "the Colombo bourse", "a St. Louis attorney", "the Tripoli airport siege": a name
    # that qualifies a noun names an institution or someone's base, not a place to tell
    modifier = e.root.dep_ in ("compound", "nmod") and e.root.head.pos_ in ("PROPN", "NOUN")
    return _names_a_facility(e) or hyphened or modifier or (
        before is not None and before.pos_ == "PROPN" and before.head.i in range(e.start, e.end))


def _names_a_facility(e: Span) -> bool:
    nxt = e.doc[e.end] if e.end < len(e.doc) else None
    return nxt is not None and nxt.lemma_.lower() in facility_nouns()


def admin_suffix_word(word: str) -> bool:
    return word.lower().rstrip("'’") in ADMIN_SUFFIXES or word.lower() in ADMIN_SUFFIXES
