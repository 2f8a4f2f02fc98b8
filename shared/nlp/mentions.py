"""The linker's mentions laid over the tokens of a parse: which mention, entity, place or
organisation a token names. The base layer of the article context (claim_context.py).

Works on a parsed spaCy Doc (possibly decoded from a DocBin: only ORTH, LEMMA, POS, TAG,
DEP, HEAD, ENT_* and sentence starts are used) plus the linker's mentions. Separate from
salience and coreference, which count and choose among what this layer finds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from shared.domain.entities import EntityRef, EntityType, Mention, PlaceRank
from shared.domain.ids import entity_id
from shared.nlp.article import ArticleLike
from shared.nlp.claim_lexicon import Lexicon
from shared.nlp.names import (
    PLACE_LABELS,
    alias_after,
    clean_name,
    country_names,
    fallback_org,
    fallback_ref,
    is_label_guess,
    name_start,
    namelike,
)


@dataclass
class ArticleMentions:
    """An article's parse with the linker's mentions indexed by token."""

    doc: Doc
    mentions: list[Mention]
    article: ArticleLike
    lex: Lexicon
    tok_mention: dict[int, Mention] = field(default_factory=dict)
    _places_cache: tuple[tuple[int, EntityRef], ...] | None = None
    acronyms: dict[str, str] = field(default_factory=dict)  # "Fegafoot" -> its full name
    # a person's name <-> the name they go by ("Wilmer Arboleda, alias 'Jhon Lucero'")
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Tokens overlapping each mention; the first (longest at a start) mention wins.
        by_start = sorted(self.mentions, key=lambda m: (m.start, -(m.end - m.start)))
        for m in by_start:
            span = self.mention_span(m)
            for tok in span if span is not None else ():
                self.tok_mention.setdefault(tok.i, m)
            if span is not None and m.label == "ORG":
                self._note_acronym(m, span)
            if span is not None and m.label == "PERSON":
                alias = alias_after(self.doc, span.end)
                if alias is not None and clean_name(alias.text) != clean_name(m.text):
                    self.aliases.setdefault(clean_name(m.text), clean_name(alias.text))
                    self.aliases.setdefault(clean_name(alias.text), clean_name(m.text))

    def mention_span(self, m: Mention) -> Span | None:
        """The tokens a mention covers (its character span widened to whole tokens)."""
        return self.doc.char_span(m.start, m.end, alignment_mode="expand")

    def mention_at(self, tok: Token) -> Mention | None:
        return self.tok_mention.get(tok.i)

    def ref_of_mention(self, m: Mention) -> EntityRef:
        return m.entity or fallback_ref(m.text, m.label)

    def entity_at(self, tok: Token) -> EntityRef | None:
        """The entity a noun-phrase head (or its compound/name parts) names."""
        if tok.lower_ == "alias":
            # "X, alias 'Y', was killed" parsed with "alias" as the subject: X; "Alias 'Y'
            # survived": Y, named or not
            named = [c for c in tok.children if c.dep_ in ("nsubj", "attr", "appos")
                     and (self.mention_at(c) is not None or c.pos_ == "PROPN")]  # fmt: skip
            if named and self.mention_at(named[0]) is None:
                name = self.doc[name_start(named[0]).i : named[0].i + 1].text
                return EntityRef(id=entity_id("person", name), name=name,
                                 type=EntityType.PERSON)  # fmt: skip
            if named:
                tok = named[0]
        m = self.mention_at(tok)
        if m is None:
            for child in tok.children:
                if child.dep_ in ("compound", "nmod", "amod") and child.i < tok.i:
                    m = self.mention_at(child)
                    if m is not None:
                        break
        if m is not None:
            return self.ref_of_mention(m)
        if namelike(tok):
            left = name_start(tok)
            span = self.doc[left.i : tok.i + 1]
            return fallback_ref(span.text, tok.ent_type_ or "")
        return None

    def is_place_token(self, tok: Token) -> bool:
        m = self.mention_at(tok)
        if m is None:
            return False
        if m.entity is not None:
            return m.entity.type == EntityType.PLACE
        if m.label in PLACE_LABELS:
            return True
        # The small NER model calls unknown towns PERSON or ORG: "in Valdera", "of Soledar"
        head = tok.head
        return tok.dep_ == "pobj" and head.lower_ in ("in", "of", "near", "from") and (
            head.head.lemma_.lower() in self.lex.set("place_nouns") or head.lower_ == "in"
        ) and m.label not in ("ORG",)

    def is_local_place(self, r: EntityRef) -> bool:
        if r.type != EntityType.PLACE:
            return False
        if r.rank is not None:
            return r.rank in (PlaceRank.CITY, PlaceRank.ADMIN1, PlaceRank.ADMIN2)
        return r.name.lower() not in country_names()

    def _place_mentions(self) -> list[tuple[int, EntityRef]]:
        # asked by salience (twice) and coreference (per "the city"): computed once
        cached = self._places_cache
        if cached is not None:
            return list(cached)
        out = self._read_place_mentions()
        self._places_cache = tuple(out)
        return out

    def _read_place_mentions(self) -> list[tuple[int, EntityRef]]:
        out = []
        seen_mentions: set[int] = set()
        for tok in self.doc:
            m = self.mention_at(tok)
            if m is None or id(m) in seen_mentions:
                continue
            seen_mentions.add(id(m))
            if self.is_place_token(tok):
                ref = self.ref_of_mention(m)
                out.append((tok.i, ref.model_copy(update={"type": EntityType.PLACE})))
        return out

    def proper_org(self, tok: Token) -> EntityRef | None:
        """A company name the NER split or mislabelled: a proper-noun phrase whose head is an
        organisation word ("Solano Telecom", with "Solano" tagged as a town)."""
        if tok.pos_ != "PROPN" or tok.lower_ not in self.lex.set("org_suffixes"):
            return None
        m = self.mention_at(tok)
        if (m is not None and m.label in ("ORG", "PERSON")) or tok.dep_ == "compound":
            return None  # the NER got it (ORG), or the word is inside a longer name
        left = name_start(tok)
        if left is tok:
            return None  # a lone "Bank" is no name
        return fallback_org(self.doc[left.i : tok.i + 1].text)

    def org_of_mention(self, m: Mention) -> EntityRef | None:
        """The organisation a mention names: linked ORG, or a label-only guess re-keyed as
        org:<name> ("Helix Pharma's" tagged PERSON -> org:helix-pharma)."""
        if m.entity is not None and m.entity.type == EntityType.ORG and not m.entity.id.startswith(
            "org:"
        ):
            return m.entity  # linked to a knowledge base
        guess = m.entity is not None and is_label_guess(m.entity)
        if m.entity is not None and not guess and m.entity.type != EntityType.ORG:
            return None
        text = clean_name(m.text)
        long_name = self.acronyms.get(text) or self._company_name(m, text)
        return fallback_org(long_name or m.text)

    def _company_name(self, m: Mention, text: str) -> str | None:
        """"Kestrel's chief executive" after "Kestrel Energy": the linker's longer name, when
        what it adds is a company word ("HBO" is not "HBO Go", its product)."""
        ent = m.entity
        if ent is None or ent.type != EntityType.ORG:
            return None
        words, short = ent.name.split(), text.split()
        if len(words) <= len(short) or [w.lower() for w in words[: len(short)]] != [
                w.lower() for w in short]:  # fmt: skip
            return None
        extra = {w.lower().rstrip(".") for w in words[len(short):]}
        return ent.name if extra <= self.lex.set("org_suffixes") else None

    def _note_acronym(self, m: Mention, span: Span) -> None:
        """"The Gabonese Football Federation (Fegafoot)": the short form the article defines
        stands for the full name, so that "Fegafoot president X" and "X, president of the
        Gabonese Football Federation" name one organisation."""
        doc = self.doc
        if span.end + 2 >= len(doc):
            return
        opening, short, closing = doc[span.end], doc[span.end + 1], doc[span.end + 2]
        if opening.text == "(" and closing.text == ")" and short.is_alpha \
                and short.text[0].isupper() and short.text != m.text:  # fmt: skip
            self.acronyms.setdefault(short.text, m.text)
