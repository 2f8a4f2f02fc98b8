"""Who says a clause: the reporting verb above a predicate ("..., the agency said"), its
speaker ("according to X"), and the verbs that deny what they report ("denied", "ruled out").

A layer of the article context: polarity, modality and the sides of a conflict ("his
fighters": the speaker's side) all ask it, so it sits below them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from shared.nlp.coreference import Coreference
from shared.nlp.names import clean_name


@dataclass
class Attribution(Coreference):
    """The coreference layer plus who says (or denies) a clause."""

    # each clause's speaker, read once: every rule and the statements ask for it
    _speakers: dict[int, Span | None] = field(default_factory=dict)

    def ancestors_in_clause(self, tok: Token) -> list[Token]:
        out = []
        cur = tok
        while cur.head.i != cur.i:
            cur = cur.head
            out.append(cur)
        return out

    def is_denial(self, tok: Token) -> bool:
        """"denied", "rejected", "ruled out" (phrasal: lemma + particle in the lexicon)."""
        lemma = tok.lemma_.lower()
        if lemma in self.lex.set("denial_verbs"):
            return True
        particles = {c.lower_ for c in tok.children if c.dep_ == "prt"}
        return any(f"{lemma} {p}" in self.lex.set("denial_phrasal") for p in particles)

    def speech_head(self, tok: Token) -> Token | None:
        speech = self.lex.set("speech_verbs")
        for anc in self.ancestors_in_clause(tok):
            if anc.lemma_.lower() in speech and anc.pos_ in ("VERB", "AUX"):
                return anc
        root = tok.sent.root
        if root.lemma_.lower() in speech and root.i != tok.i:
            return root
        for t in tok.sent:  # "..., the agency said" attached as parataxis
            if t.dep_ == "parataxis" and t.lemma_.lower() in speech:
                return t
        return None

    def speaker(self, tok: Token) -> Span | None:
        if tok.i not in self._speakers:
            self._speakers[tok.i] = self._read_speaker(tok)
        return self._speakers[tok.i]

    def _read_speaker(self, tok: Token) -> Span | None:
        head = self.speech_head(tok)
        if head is not None:
            subjects = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")
                        and not (c.i <= tok.i <= c.right_edge.i)]  # fmt: skip
            if subjects:
                # "Sudan's paramilitary Rapid Support Forces said": a name the parser split
                # into two subjects side by side is one speaker
                start, end = subjects[0].left_edge.i, subjects[0].right_edge.i
                for c in subjects[1:]:
                    if c.left_edge.i == end + 1:
                        end = c.right_edge.i
                return self.doc[start : end + 1]
        for t in tok.sent:
            if t.lower_ == "according" and t.dep_ == "prep":
                for to in t.children:
                    for pobj in to.children:
                        if pobj.dep_ == "pobj":
                            return self.doc[pobj.left_edge.i : pobj.right_edge.i + 1]
        return None

    def speaker_tokens(self, tok: Token) -> set[int]:
        """The token indexes of the speaker of tok's clause (none when nobody is named), so
        that a reader can leave the speaker out of what the clause is about."""
        spk = self.speaker(tok)
        return {t.i for t in spk} if spk is not None else set()

    def attribution(self, pred: Token) -> str | None:
        spk = self.speaker(pred)
        return clean_name(spk.text) if spk is not None else None
