"""Names in a parse, with no article state: whether a token looks like a proper name, the
cleaned text of a name, the fallback ids of names the linker did not link, and the
gazetteer's one clear owner of a place name.

Separate from the article context so that every layer of it (mentions, coreference, sides)
and the relation readers can use these without importing one another.
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.domain.ids import entity_id

_LABEL_TYPES = {
    "GPE": EntityType.PLACE,
    "LOC": EntityType.PLACE,
    "FAC": EntityType.PLACE,
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORG,
    "NORP": EntityType.ORG,
    "EVENT": EntityType.EVENT,
}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
_COUNTRY_NAMES: frozenset[str] | None = None


def country_names() -> frozenset[str]:
    """Lower-case country names (pycountry, and the short forms news uses): a place named so
    is no local place and no settlement. Loaded on first use: pycountry is slow to read."""
    global _COUNTRY_NAMES
    if _COUNTRY_NAMES is None:
        try:
            import pycountry

            names = set()
            for c in pycountry.countries:
                names.add(c.name.lower())
                for attr in ("common_name", "official_name"):
                    if hasattr(c, attr):
                        names.add(str(getattr(c, attr)).lower())
            _COUNTRY_NAMES = frozenset(names | {"russia", "iran", "syria", "the us", "us", "uk"})
        except ImportError:  # pragma: no cover
            _COUNTRY_NAMES = frozenset()
    return _COUNTRY_NAMES


def is_label_guess(ref: EntityRef) -> bool:
    """A link made from the NER label alone ("person:avdiivka"), not from a knowledge
    base: in a place slot ("captured X", "in X") the slot wins."""
    return ref.id.split(":", 1)[0] in ("person", "org", "name") and ref.type != EntityType.PLACE


@lru_cache(maxsize=4096)
def capital_of(country: str) -> EntityRef | None:
    """The country's capital from the gazetteer, if it is at hand ("the Omani capital")."""
    try:
        from shared.nlp.gazetteer import default_gazetteer

        return default_gazetteer().capital_of(country)
    except Exception:  # the gazetteer is optional here, as for unique_place
        return None


def unique_place(
    name: str, country: str | None = None, rank: PlaceRank | None = None
) -> EntityRef | None:
    """The gazetteer's place for `name` when one place clearly owns the name: the only match
    ("Marinka" -> Mar'yinka) or a town of 10,000+ with ten times the population of any
    namesake ("Avdiivka", not its two hamlets). Used where the linker left a name unlinked
    in a place slot, so that the article agrees with others where it was linked. Names with
    comparable namesakes stay unresolved: choosing among them is the linker's job. With the
    story's `country` (ISO code), only its places count when it has any ("Hays" in a story
    from Yemen is Yemen's, not the larger one in Kansas). With `rank`, only places of that
    rank count (a city's airport is in the city, not in the county named after it)."""
    try:
        from shared.nlp.gazetteer import default_gazetteer

        gaz = default_gazetteer()
        places = [r for r in gaz.lookup(name) if r.type == EntityType.PLACE
                  and (rank is None or r.rank == rank)]  # fmt: skip
        home = [r for r in places if country and (r.country or "").lower() == country.lower()]
        places = home or places
        if len(places) <= 1:
            return places[0] if places else None
        pops = sorted(((gaz.population(r.id), r) for r in places), key=lambda x: -x[0])
    except Exception:  # the gazetteer is optional here: no cache, no data, other API
        return None
    (top, best), (second, _) = pops[0], pops[1]
    return best if top >= 10_000 and top >= 10 * max(second, 1) else None


def namelike(tok: Token) -> bool:
    """A proper name, or a capitalised unknown word the tagger took for an adverb or noun
    ("Toretsk/ADV lies in ...")."""
    if tok.pos_ == "PROPN":
        return True
    return (
        tok.is_title and not tok.is_stop and tok.pos_ in ("ADV", "X", "NOUN", "ADJ")
        and tok.ent_type_ not in ("DATE", "TIME", "NORP")
        and (not tok.is_sent_start or tok.pos_ in ("ADV", "X"))
    )  # fmt: skip


def clean_name(text: str) -> str:
    t = re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.I)
    return re.sub(r"\s*['’]s$", "", t).strip(" ,")


def fallback_org(text: str) -> EntityRef:
    name = clean_name(text)
    return EntityRef(id=entity_id("org", name), name=name, type=EntityType.ORG)


def fallback_ref(text: str, label: str, type_: EntityType | None = None) -> EntityRef:
    name = clean_name(text)
    return EntityRef(
        id=entity_id("name", name),
        name=name,
        type=type_ or _LABEL_TYPES.get(label, EntityType.OTHER),
    )


def name_start(tok: Token) -> Token:
    """The first word of the proper name `tok` ends: follows proper-noun compounds to the
    left ("Solano Telecom", "Norvik Energy")."""
    left = tok
    while True:
        comp = [c for c in left.children if c.dep_ == "compound" and c.pos_ == "PROPN"
                and c.i < left.i]  # fmt: skip
        if not comp:
            return left
        left = comp[0]


def np_text(tok: Token, drop_det: bool = True) -> str:
    """The words of the NP before and including its head: "snap parliamentary election"."""
    toks = [t for t in tok.subtree if t.i <= tok.i and t.dep_ not in ("punct",)]
    start = tok.i
    for t in reversed(toks):
        if t.i == start - 1:
            start = t.i
    words = [t for t in tok.doc[start : tok.i + 1]]
    if drop_det:
        words = [t for t in words if t.dep_ not in ("det", "poss", "case", "nummod", "quantmod")
                 and t.pos_ not in ("DET", "PRON", "NUM")]  # fmt: skip
    return " ".join(t.text for t in words)


@lru_cache(maxsize=512)
def country_of_name(name: str) -> EntityRef | None:
    """The country a name is ("Pakistan", "Zambia"), as `country_ref`; None for any other
    name."""
    if name.lower() not in country_names():
        return None
    import pycountry

    try:
        found = pycountry.countries.lookup(name)
    except LookupError:
        return None
    return country_ref(found.alpha_2, name)


def country_ref(code: str, name: str) -> EntityRef:
    """A country as a story key or the holder of an office: `country:<iso code>`, one id
    whether the article names the country or only its towns and people."""
    return EntityRef(id=f"country:{code.lower()}", name=name, type=EntityType.PLACE,
                     rank=PlaceRank.COUNTRY)  # fmt: skip


def as_country(place: EntityRef) -> EntityRef:
    """A linked country re-keyed as `country_ref`; any other place as it is."""
    if place.rank == PlaceRank.COUNTRY and place.country:
        return country_ref(place.country, place.name)
    return place


def party_ref(ref: EntityRef, typ: EntityType | None = None) -> EntityRef:
    """A person or organisation keyed on its name (`party:<name>`), whatever the NER or the
    linker called it: one report tags "Vitalie Grosu" a person, the next an organisation."""
    return EntityRef(id=entity_id("party", ref.name), name=ref.name, type=typ or ref.type)


_ALIAS_WORDS = ("alias", "aka", "a.k.a.")
_ALIAS_PHRASES = (("known", "as"), ("nicknamed",), ("dubbed",), ("nom", "de", "guerre"))


def alias_after(doc: Doc, end: int) -> Span | None:
    """The name a person goes by, told right after the name: "X, alias 'Y'", "X (alias Y)",
    "X, known as 'Y'", "X, nicknamed Y": Y's capitalised words, quotes left out."""
    i = end
    while i < len(doc) and doc[i].text in (",", "(", "also"):
        i += 1
    if i < len(doc) and doc[i].lower_ in _ALIAS_WORDS:
        i += 1
    else:
        for phrase in _ALIAS_PHRASES:
            words = [t.lower_ for t in doc[i : i + len(phrase)]]
            if tuple(words) == phrase:
                i += len(phrase)
                break
        else:
            return None
    while i < len(doc) and doc[i].is_quote:
        i += 1
    j = i
    while j < len(doc) and doc[j].is_title and doc[j].is_alpha and j - i < 4:
        j += 1
    return doc[i:j] if j > i else None


def person_name(tok: Token) -> str | None:
    """"Tomasz Wrona": the head name and its capitalised first-name compounds (the tagger
    sometimes takes an unfamiliar first name for a common noun)."""
    parts = [c for c in tok.children if c.dep_ == "compound" and c.i < tok.i
             and (c.pos_ == "PROPN" or (c.is_title and c.pos_ == "NOUN"))]  # fmt: skip
    if not parts:
        return None
    span = tok.doc[parts[0].i : tok.i + 1]
    if not all(t.is_title for t in span):
        return None  # "Hip hop pioneer dies"
    return span.text
