"""The sides of an armed conflict: "Wagner fighters" -> Russia, "Ukrainian control" ->
Ukraine, "the Karen National Liberation Army" -> itself, "his fighters" -> the speaker's.

A layer of the article context, used by the control rule (who captured or holds a place);
separate because it reads the sides lexicon and the armed groups, nothing else does.
"""

from __future__ import annotations

from itertools import pairwise

from spacy.tokens import Span, Token

from shared.domain.entities import EntityRef, EntityType, Mention, PlaceRank
from shared.domain.ids import entity_id, name_key
from shared.nlp.attribution import Attribution
from shared.nlp.linking import default_demonyms
from shared.nlp.names import clean_name, country_names


class Sides(Attribution):
    """The attribution layer plus the side of an armed agent."""

    def side_of(self, phrase: Token | Span | None, pred: Token | None = None,
                depth: int = 0) -> EntityRef | None:  # fmt: skip
        """The side of an armed agent: "Wagner fighters" -> Russia, "Ukrainian control"
        -> Ukraine, "his fighters" -> the speaker's side."""
        if phrase is None:
            return None
        if isinstance(phrase, Token):
            # "the Sudanese army, which repulsed an assault by the RSF": the relative clause
            # describes the side, it does not name it
            end = min([phrase.right_edge.i] + [c.left_edge.i - 1 for c in phrase.children
                                               if c.dep_ in ("relcl", "acl") and c.i > phrase.i])
            span = self.doc[phrase.left_edge.i : max(end, phrase.i) + 1]
        else:
            span = phrase
        sides = self.lex.map("sides")
        generic = self.lex.set("generic_sides")
        # "Islamic State's Mozambique affiliate": the name without its possessive
        text = " " + span.text.lower().replace("’", "'").replace("'s ", " ") + " "
        found: str | None = None
        for key in sorted(sides, key=len, reverse=True):
            if " " in key and f" {key} " in text:
                found = sides[key]
                break
        if found is None:
            general: str | None = None
            for t in span:
                for form in (t.lower_, t.lemma_.lower()):
                    if form in sides:
                        if form in generic:
                            general = general or sides[form]
                        else:
                            found = found or sides[form]
            # a named armed group is its own side before the country it fights in
            # ("Sudan's paramilitary Rapid Support Forces" is not Sudan's army)
            group = self._armed_group(span) if found is None else None
            if group is not None and general is not None and not self._own_name(group):
                group = None  # "the army", "Sudanese Armed Forces": the generic side
            if group is not None:
                return EntityRef(id=entity_id("side", group), name=group, type=EntityType.ORG)
            if found is None:
                for t in span:
                    m = self.mention_at(t)
                    if m is not None and m.label in ("GPE", "NORP"):
                        # "Malian troops" in a story about Mali are the army; "Russian
                        # forces" in a story about Ukraine are Russia's
                        found = "army" if self._own_country(m) else name_key(
                            clean_name(m.text))
                        break
            if found is None and depth == 0 and pred is not None and any(
                t.lower_ in ("his", "her", "their", "its", "it", "our", "we", "they", "he", "she")
                for t in span
            ):
                spk = self.speaker(pred)
                if spk is not None:
                    return self.side_of(spk, None, depth + 1)
            found = found or general
        if found is None:
            return None
        names = self.lex.map("side_names")
        return EntityRef(id=f"side:{found}", name=names.get(found, found.title()),
                         type=EntityType.ORG)  # fmt: skip

    def _own_country(self, m: Mention) -> bool:
        """The mention names the country the story is about ("Niger's army", "Malian")."""
        main = self.main_country
        if main is None:
            return False
        if m.label == "NORP":
            text = m.text.lower()
            demonyms = default_demonyms()
            code = demonyms.get(text) or demonyms.get(text.removesuffix("s"))
        else:
            ent = m.entity
            code = ent.country if ent is not None and ent.rank == PlaceRank.COUNTRY else None
        return code is not None and code.lower() == main[0]

    def _own_name(self, group: str) -> bool:
        """A force's name says more than a country and force words: "Myanmar National
        Democratic Alliance Army", "Arakan Army" are groups; "the Malian Army" is not."""
        plain = (self.lex.set("force_nouns") | set(self.lex.map("sides"))
                 | {"armed", "the", "national"})
        demonyms = default_demonyms()
        rest = [w for w in group.lower().replace("'s", "").split()
                if w not in plain and w not in demonyms and w not in country_names()]
        return bool(rest)

    def _armed_group(self, span: Span) -> str | None:
        """An organisation named as a force ("the Karen National Liberation Army", "the
        Euphrates Brigade") is a side of its own: its name."""
        forces = self.lex.set("force_nouns")
        # "the JNIM group", "the M23 rebels": the force word may stand beside the name
        force_words = any(t.lower_ in forces for t in span)
        for t in span:
            m = self.mention_at(t)
            if m is not None and m.label == "ORG" and (
                force_words or any(w.lower() in forces for w in m.text.split())
            ):
                return clean_name(m.text)
        if force_words:
            # "the Grand Ravine gang coalition": a name the NER missed, beside force words
            name = [t for t in span if t.pos_ == "PROPN" and t.is_title
                    and self.mention_at(t) is None]  # fmt: skip
            if name and all(b.i == a.i + 1 for a, b in pairwise(name)):
                return " ".join(t.text for t in name)
        return None
