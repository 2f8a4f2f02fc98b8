"""Coreference: who "he" is, which place "the city" or "it" is, and the place a noun
phrase names ("the city of X", "the Luhansk region"), resolving those descriptions to the
most mentioned earlier antecedent.

A layer of the article context on top of salience (it prefers the article's topic places);
separate because the antecedent choice is its own set of heuristics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.tokens import Token

from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.nlp.linking import default_demonyms
from shared.nlp.names import (
    PLACE_LABELS,
    capital_of,
    clean_name,
    country_names,
    fallback_ref,
    is_label_guess,
    namelike,
    unique_place,
)
from shared.nlp.salience import ArticleSalience


@dataclass
class Coreference(ArticleSalience):
    """The salience layer plus the antecedents of pronouns and definite descriptions."""

    # places that claims were made about (sentence start, place): the topic of later "it"
    claimed_places: list[tuple[int, EntityRef]] = field(default_factory=list)
    _genders: dict[str, str | None] = field(default_factory=dict)  # person id -> "m"/"f"

    def _home(self) -> str | None:
        return self.main_country[0] if self.main_country else None

    def place_at(self, tok: Token, allow_coref: bool = True) -> EntityRef | None:
        """A place named by the NP headed by tok: "Geneva", "the Luhansk region",
        "the city of X", "the whole territory of X", or "the city" by coreference."""
        lemma = tok.lemma_.lower()
        # "the Luhansk region of eastern Ukraine" names Luhansk; "the city of X" names X
        m0 = self.mention_at(tok)
        named = m0 is not None and any(
            t.pos_ == "PROPN" for t in tok.doc[tok.left_edge.i : tok.i + 1]
            if self.mention_at(t) is m0
        )
        # (a lower-case "department" the tagger took for a proper noun is still the noun)
        if (not named and (tok.pos_ == "NOUN" or (tok.pos_ == "PROPN" and tok.is_lower))
                and lemma in self.lex.set("place_nouns") | {"territory"}):  # fmt: skip
            for child in tok.children:
                if child.dep_ == "prep" and child.lower_ == "of":
                    for pobj in child.children:
                        if pobj.dep_ == "pobj":
                            inner = self.place_at(pobj, allow_coref=False)
                            if inner is not None:
                                return inner
        if not named and tok.pos_ == "NOUN" and lemma in self.lex.set("district_nouns"):
            # "taken control of the Hays district": the name before the region noun
            for child in (c for c in tok.children if c.dep_ == "compound"):
                if child.pos_ == "PROPN" and child.i == tok.i - 1:
                    inner = self.place_at(child, allow_coref=False)
                    if inner is not None:
                        return inner
        if not named and tok.pos_ == "NOUN" and lemma == "capital":
            capital = self._capital_named(tok)  # "the Omani capital", "Oman's capital"
            if capital is not None:
                return capital
        region = self._described_settlement(tok)
        if region is not None:
            # "taking control of the West Kordofan town": the town the article is about, in
            # that region, not the region
            return self._town_in(region, tok)
        ref = self.entity_at(tok)
        if ref is not None and ref.type != EntityType.PLACE and self.named_as_place(tok):
            # "Adan Yabaal, a strategic town in Middle Shabelle": the apposition says what
            # the name is, whatever the NER said (by the name as written here: "Tessit, a
            # town in ..." is no "Tessit General Hospital" the linker took it for)
            name = clean_name(m0.text) if m0 is not None else ref.name
            return unique_place(name, self._home()) or fallback_ref(name, "GPE", EntityType.PLACE)
        if ref is not None:
            m = self.mention_at(tok) or next(
                (self.mention_at(c) for c in tok.children if self.mention_at(c)), None
            )
            if ref.type == EntityType.PLACE:
                if ref.id.startswith("name:"):  # a place name the linker left unlinked
                    return unique_place(ref.name, self._home()) or ref
                return ref
            if (tok.pos_ == "NOUN" and lemma in self.lex.set("place_nouns")
                    and self.mention_at(tok) is None):  # fmt: skip
                # "Dand-e Ghori district", whatever the NER called the name before the noun
                return unique_place(ref.name, self._home()) or fallback_ref(
                    ref.name, "GPE", EntityType.PLACE)
            if m is not None and m.entity is not None and not is_label_guess(m.entity):
                return None  # the linker knows it as something else
            elsewhere = self._place_named(ref.name) if m is not None else None
            if elsewhere is not None:
                return elsewhere  # "Tessit remains ..." (an ORG here), "in Tessit" (a place)
            if namelike(tok) or (m is not None and m.label in PLACE_LABELS):
                # a label-only guess ("person:lyman" here, "org:lyman" there) is keyed on
                # the gazetteer's only place of that name if there is one (another article
                # may have it linked), else on the name so that articles agree whatever the
                # NER said
                one_word = " " not in ref.name.strip()  # "Marinka", not "Veltra Foods"
                return (unique_place(ref.name, self._home()) if one_word else None) or fallback_ref(
                    ref.name, "GPE", EntityType.PLACE)
            return None
        if ref is None and tok.is_title and tok.is_sent_start and self.mention_at(tok) is None:
            # "Tibú/NOUN remains under ...": a name the tagger missed at a sentence start,
            # which the article names as a place elsewhere
            elsewhere_named = self._place_named(tok.text)
            if elsewhere_named is not None:
                return elsewhere_named
        if allow_coref and tok.lower_ in ("it", "its"):
            return self.salient_place(tok, settlement=True)
        if allow_coref and lemma in self.lex.set("settlement_nouns"):
            det = [c for c in tok.children if c.dep_ == "det" and c.lower_ in ("the", "this")]
            if det:
                return self.salient_place(tok, settlement=True)
        return None

    def _capital_named(self, tok: Token) -> EntityRef | None:
        """The capital of the country a demonym or a possessive before "capital" names."""
        demonyms = default_demonyms()
        for c in tok.children:
            code = None
            if c.dep_ in ("amod", "compound", "nmod"):
                code = demonyms.get(c.lower_)
            elif c.dep_ == "poss":
                ref = self.place_at(c, allow_coref=False)
                code = ref.country if ref is not None and ref.rank == PlaceRank.COUNTRY else None
            if code:
                return capital_of(code)
        return None

    def _place_named(self, name: str) -> EntityRef | None:
        """The place another mention of this article with the same name was linked to."""
        found = {ref.id: ref for _, ref in self._place_mentions() if ref.name == name}
        return next(iter(found.values())) if len(found) == 1 else None

    def _town_in(self, region: EntityRef, before: Token) -> EntityRef | None:
        """The most named (then latest) settlement before `before` that lies in `region`."""
        return _most_named((i, ref) for i, ref in self._place_mentions() if i < before.i
                           and region.id in ref.ancestors and self._is_settlement(ref))

    def _described_settlement(self, tok: Token) -> EntityRef | None:
        """"the West Kordofan town", "the northern Shan State city": a settlement noun with
        a determiner, qualified by the name of a larger place (returned)."""
        if tok.pos_ != "NOUN" or tok.lemma_.lower() not in self.lex.set("settlement_nouns"):
            return None
        if not any(c.dep_ == "det" and c.lower_ in ("the", "this") for c in tok.children):
            return None
        for c in tok.children:
            m = self.mention_at(c) if c.dep_ in ("compound", "amod", "nmod") else None
            ref = self.ref_of_mention(m) if m is not None else None
            if ref is not None and ref.type == EntityType.PLACE and ref.rank is not None and (
                    ref.rank != PlaceRank.CITY):  # fmt: skip
                return ref
        return None

    def named_as_place(self, tok: Token) -> bool:
        """A proper name with a place noun in apposition: "X, a town in Y"."""
        places = self.lex.set("place_nouns")
        return tok.pos_ == "PROPN" and any(c.dep_ == "appos" and c.lemma_.lower() in places
                                           for c in tok.children)  # fmt: skip

    def salient_person(self, before: Token) -> EntityRef | None:
        """"he" / "she": the person the article has named most often (then most recently)
        before `before`."""
        if self._unnamed_person_before(before):
            return None
        wanted = self.lex.map("pronoun_genders").get(before.lower_)
        named: list[tuple[int, EntityRef]] = []
        seen: set[int] = set()
        for t in before.doc[: before.i]:
            m = self.mention_at(t)
            if m is None or id(m) in seen or m.label != "PERSON":
                continue
            seen.add(id(m))
            ref = self.ref_of_mention(m)
            # "she" is not the man the article named most, if the article says he is one
            if ref.type == EntityType.PERSON and (
                    wanted is None or self._gender_of(ref.id) in (None, wanted)):  # fmt: skip
                named.append((t.i, ref))
        return _most_named(named)

    def _unnamed_person_before(self, pron: Token) -> bool:
        """"claiming that our pilot is alive, ... he": a person the sentence names only by a
        noun stands nearer than any name, so "he" is no named person."""
        persons = self.lex.set("person_nouns")
        for t in pron.sent:
            if t.i >= pron.i:
                return False
            # ("journalist Ruben Ortiz": the noun is the name's title, not another person)
            titled = t.dep_ in ("appos", "compound") and self.mention_at(t.head) is not None
            if (t.pos_ == "NOUN" and t.lemma_.lower() in persons and self.mention_at(t) is None
                    and not titled
                    and not any(c.dep_ in ("appos", "compound") and self.mention_at(c)
                                for c in (*t.children, t.head))):  # fmt: skip
                return True
        return False

    def _gender_of(self, person_id: str) -> str | None:
        """What the article itself says of a person's gender: a title ("Mrs", "Mr") or a
        noun in apposition ("the American woman, Kayla Mueller"); None when it says nothing.
        Read once per person."""
        if person_id not in self._genders:
            self._genders[person_id] = self._read_gender(person_id)
        return self._genders[person_id]

    def _read_gender(self, person_id: str) -> str | None:
        words = self.lex.map("gender_words")
        for m in self.mentions:
            if m.label != "PERSON" or self.ref_of_mention(m).id != person_id:
                continue
            span = self.mention_span(m)
            if span is None:
                continue
            near = [self.doc[span.start - 1]] if span.start > 0 else []
            near += [c for t in span for c in t.children if c.dep_ == "appos"]
            near += [t.head for t in span if t.dep_ == "appos"]
            for t in near:
                found = words.get(t.lower_.rstrip(".")) or words.get(t.lemma_.lower())
                if found:
                    return found
        return None

    def salient_place(self, before: Token, settlement: bool) -> EntityRef | None:
        """Most mentioned (then most recent) local place before `before`."""
        counts: Counter[str] = Counter()
        last: dict[str, tuple[int, EntityRef]] = {}
        spk_tokens: set[int] = set()
        for t in before.doc[: before.i]:
            if t.dep_ in ("nsubj",) and t.head.lemma_.lower() in self.lex.set("speech_verbs"):
                spk_tokens.update(w.i for w in t.subtree)
        # places that earlier sentences made claims about count twice: they are the topic
        items = self._place_mentions() + [p for p in self.claimed_places for _ in (0, 1)]
        for i, ref in sorted(items, key=lambda x: x[0]):
            if i >= before.i:
                break
            m = self.tok_mention.get(i)
            if m is not None and m.ambiguous:
                continue  # an ambiguous alias is no antecedent
            if i in spk_tokens:
                continue  # "the defence ministry in Moscow said"
            if settlement and not self._is_settlement(ref):
                continue
            counts[ref.id] += 1
            last[ref.id] = (i, ref)
        if not counts:
            return None
        best = max(counts, key=lambda k: (counts[k], not k.startswith("name:"), last[k][0]))
        return last[best][1]

    def _is_settlement(self, r: EntityRef) -> bool:
        if r.rank is not None:
            return r.rank == PlaceRank.CITY
        name = r.name.lower()
        return name not in country_names() and not any(
            w in name.split() for w in self.lex.set("region_nouns")
        )


def _most_named(found: Iterable[tuple[int, EntityRef]]) -> EntityRef | None:
    """Of (token index, entity) pairs in text order: the entity named most often, then most
    recently."""
    counts: Counter[str] = Counter()
    last: dict[str, tuple[int, EntityRef]] = {}
    for i, ref in found:
        counts[ref.id] += 1
        last[ref.id] = (i, ref)
    if not counts:
        return None
    return last[max(counts, key=lambda k: (counts[k], last[k][0]))][1]
