"""Small readers of a dependency parse that the claim rules share: a token's children by
relation, the objects of its prepositions, its lemma, whether its verb is passive.

Their own module so that the event readers (events.py) and every rule module use one
definition, with no rule module importing another.
"""

from __future__ import annotations

from spacy.tokens import Token


def children(tok: Token, *deps: str) -> list[Token]:
    """The children of `tok` attached by one of `deps`."""
    return [c for c in tok.children if c.dep_ in deps]


def prep_objects(tok: Token, *preps: str) -> list[Token]:
    """The objects of `tok`'s prepositions among `preps` (and their conjuncts): "in Y and Z"."""
    out = []
    for p in tok.children:
        if p.dep_ in ("prep", "agent", "dative") and p.lower_ in preps:
            for o in p.children:
                if o.dep_ == "pobj":
                    out.append(o)
                    out.extend(children(o, "conj"))
    return out


def verb_phrases(verb: Token) -> set[str]:
    """The verb with each particle or object word: "take place", "go ahead"."""
    return {f"{lemma_of(verb)} {lemma_of(c)}" for c in children(verb, "dobj", "prt", "advmod")}


def is_passive(tok: Token) -> bool:
    return bool(children(tok, "nsubjpass", "auxpass"))


def to_infinitive(tok: Token) -> bool:
    """"to free", "to go": the verb has the infinitive marker."""
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children)


def lemma_of(tok: Token) -> str:
    return tok.lemma_.lower()


def hyphen_tail(tok: Token) -> Token | None:
    """The word after a hyphen the tokenizer split off ("by-election": "election" after
    "by"), or None."""
    doc = tok.doc
    if tok.i + 2 < len(doc) and doc[tok.i + 1].text == "-" and not tok.whitespace_ and not (
            doc[tok.i + 1].whitespace_):  # fmt: skip
        return doc[tok.i + 2]
    return None


_DASHES = frozenset("-–—")


def route_end(tok: Token) -> bool:
    """One end of a route ("on the Ollantaytambo–Machu Picchu line", "the Kidal-Anefis
    road"): the route runs between two places and puts an incident at neither."""
    doc = tok.doc
    start, end = tok.i, tok.i  # the whole name the token is part of ("Machu Picchu")
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end + 1 < len(doc) and doc[end + 1].ent_iob_ == "I":
        end += 1
    return (end + 1 < len(doc) and doc[end + 1].text in _DASHES) or (
        start > 0 and doc[start - 1].text in _DASHES)
