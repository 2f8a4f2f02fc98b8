"""Clause frames read from the dependency parse, whatever the clause's surface form.

A `Frame` is one predication: its predicate (lemma, with a verb particle: "take over"),
its arguments by role, its polarity (whether the report asserts it is modality.py's question).
Surface forms read into the same roles:

- active and passive verbs: "the RSF seized Bara" / "Bara was seized by the RSF"
  (agent = RSF, patient = Bara); "continue to hold X" inherits the subject of "continue";
- copulas and state verbs: "revenue was $3.1 billion", "X remains under Ukrainian control",
  "sales came to $286 million" (theme = the subject, attribute = the complement, and the
  prepositional phrases);
- appositions: "Denis Pushilin, the head of the DPR" (theme = Pushilin, attribute = head);
- nominalisations: "the capture of X by Y", "quarterly revenue of $4.2 billion",
  "X's suspension" (the noun is the predicate; possessor and "of"/"by" phrases its args).

Roles: `agent`, `patient`, `theme`, `attr`, `poss`, and one per preposition (`in`, `of`,
`from`, `at`, `to`, `under`, ...). Each holds the head tokens of the argument phrases,
conjuncts included. Relation patterns (relations.yaml, applied by relations.py) say which
frames map to which claims; nothing here knows about relations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from shared.nlp.claim_lexicon import Lexicon

VERB = "verb"
COPULA = "copula"
APPOSITION = "apposition"
NOMINAL = "nominal"

_COPULAS = frozenset({"be", "remain", "stay", "become", "stand", "come", "reach", "total",
                      "rise", "fall", "climb", "drop", "grow", "jump", "hit", "top"})  # fmt: skip
_AMOUNT_ENTS = frozenset({"MONEY", "CARDINAL", "PERCENT", "QUANTITY"})


@dataclass
class Frame:
    kind: str
    head: Token
    lemma: str  # "seize", "take over", "revenue"
    args: dict[str, list[Token]] = field(default_factory=dict)
    negated: bool = False

    def arg(self, *roles: str) -> list[Token]:
        """The argument heads of the first of `roles` that the frame has."""
        for role in roles:
            if self.args.get(role):
                return self.args[role]
        return []

    @property
    def sent(self) -> Span:
        return self.head.sent

    def describe(self) -> str:
        """"seize(agent=RSF, patient=Bara)": for `claimwatch explain`."""
        parts = [f"{r}={'+'.join(t.text for t in ts)}" for r, ts in self.args.items() if ts]
        neg = "not " if self.negated else ""
        return f"{neg}{self.lemma}({', '.join(parts)})"


def _with_conjuncts(toks: list[Token]) -> list[Token]:
    out: list[Token] = []
    for t in toks:
        out.append(t)
        out.extend(c for c in t.children if c.dep_ == "conj")
    return out


def _children(tok: Token, *deps: str) -> list[Token]:
    return [c for c in tok.children if c.dep_ in deps]


def _preps(tok: Token, args: dict[str, list[Token]]) -> None:
    """Each prepositional phrase under tok as a role named by its preposition; "according
    to", "because of" and other two-word prepositions by their first word."""
    for p in tok.children:
        if p.dep_ not in ("prep", "agent", "dative"):
            continue
        objs = _with_conjuncts(_children(p, "pobj"))
        if not objs:  # "out of X", "up to X": the object hangs on the second word
            for inner in _children(p, "prep"):
                objs = _with_conjuncts(_children(inner, "pobj"))
        if objs:
            role = "by" if p.dep_ == "agent" else p.lower_
            args.setdefault(role, []).extend(objs)


def subject_of(tok: Token) -> Token | None:
    """nsubj of tok, or of the verb it hangs on through xcomp/conj/advcl ("continue to
    hold"): the one reading of a clause's subject, for the frames and the rules."""
    cur = tok
    for _ in range(4):
        subj = _children(cur, "nsubj", "nsubjpass") or aux_subject(cur)
        if subj:
            return subj[0]
        if cur.dep_ in ("xcomp", "conj", "advcl") and cur.head.i != cur.i:
            cur = cur.head
            continue
        return None
    return None


def aux_subject(tok: Token) -> list[Token]:
    """The subject the parser hung on the verb's auxiliary instead of the verb ("The X
    Bridge, the busiest crossing ..., was closed": "Bridge" under "was")."""
    return [s for a in _children(tok, "aux", "auxpass") for s in _children(a, "nsubj",
                                                                        "nsubjpass")]


def _negated(tok: Token, lex: Lexicon, args: dict[str, list[Token]]) -> bool:
    """"did not sign", "never held", "no court has ordered", "has not made any offer",
    "ended without signing"."""
    if any(c.dep_ == "neg" for c in tok.children):
        return True
    if tok.dep_ == "pcomp" and tok.head.lower_ in lex.set("negating_preps"):
        return True  # "the mission left without reaching an agreement"
    negs = lex.set("negation_words")
    if any(c.dep_ == "advmod" and c.lower_ in negs for c in tok.children):
        return True
    nobody = lex.set("negative_pronouns")
    for role in ("agent", "patient", "theme", "attr"):
        for a in args.get(role, []):
            if a.lower_ in nobody or any(c.dep_ == "det" and c.lower_ == "no"
                                         for c in a.children):  # fmt: skip
                return True
    return False


def _particle(tok: Token) -> str:
    prt = _children(tok, "prt")
    return f"{tok.lemma_.lower()} {prt[0].lower_}" if prt else tok.lemma_.lower()


def _verb_frame(tok: Token, lex: Lexicon) -> Frame:
    args: dict[str, list[Token]] = {}
    passive = bool(_children(tok, "nsubjpass", "auxpass"))
    subj = subject_of(tok)
    lemma = tok.lemma_.lower()
    copula = lemma in _COPULAS and not _children(tok, "dobj")
    if copula:
        kind = COPULA
        if subj is not None:
            args["theme"] = _with_conjuncts([subj])
        args["attr"] = _with_conjuncts(_children(tok, "attr", "acomp", "oprd"))
    else:
        kind = VERB
        if passive:
            args["patient"] = _with_conjuncts(_children(tok, "nsubjpass") or aux_subject(tok))
        elif tok.dep_ == "acl" and tok.tag_ == "VBN":
            args["patient"] = [tok.head]  # "the depot struck by drones": the depot
        elif subj is not None:
            args["agent"] = _with_conjuncts([subj])
        elif _children(tok, "csubj"):
            args["agent"] = _children(tok, "csubj")  # "Voting in X will take place on Y"
        args.setdefault("patient", []).extend(_with_conjuncts(_children(tok, "dobj")))
        args["attr"] = _with_conjuncts(_children(tok, "oprd", "acomp"))
    _preps(tok, args)
    return Frame(kind=kind, head=tok, lemma=_particle(tok), args=args,
                 negated=_negated(tok, lex, args))  # fmt: skip


def _nominal_frame(tok: Token, lex: Lexicon) -> Frame | None:
    args: dict[str, list[Token]] = {}
    args["poss"] = _children(tok, "poss")
    _preps(tok, args)
    amounts = [c for c in tok.children if c.dep_ in ("nummod", "compound", "amod")
               and c.ent_type_ in _AMOUNT_ENTS]  # fmt: skip
    if amounts:
        args["amount"] = amounts
    if not any(args.values()):
        return None
    negated = any(c.dep_ == "det" and c.lower_ == "no" for c in tok.children)
    return Frame(kind=NOMINAL, head=tok, lemma=tok.lemma_.lower(), args=args, negated=negated)


def _apposition_frames(tok: Token, lex: Lexicon) -> Iterator[Frame]:
    for a in _children(tok, "appos"):
        args = {"theme": [tok], "attr": [a]}
        _preps(a, args)
        yield Frame(kind=APPOSITION, head=a, lemma=a.lemma_.lower(), args=args)


def read_frames(doc: Doc | Span, lex: Lexicon) -> list[Frame]:
    """Every frame of a document or sentence, in text order. Whether a frame is asserted is
    asked of modality.mood only for the frames that make claims (ArticleContext.make_claim),
    not for every frame of every article."""
    frames: list[Frame] = []
    for tok in doc:
        if tok.pos_ in ("VERB", "AUX") and tok.dep_ not in ("aux", "auxpass"):
            frames.append(_verb_frame(tok, lex))
        elif tok.pos_ in ("NOUN", "PROPN"):
            nominal = _nominal_frame(tok, lex) if tok.pos_ == "NOUN" else None
            if nominal is not None:
                frames.append(nominal)
            frames.extend(_apposition_frames(tok, lex))
    return frames
