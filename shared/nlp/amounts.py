"""Numbers in a parse: the phrase of a number with its bound words ("at least 120"), and
the count a noun phrase gives ("dozens of homes", "none of its soldiers")."""

from __future__ import annotations

from spacy.tokens import Doc, Token

from shared.nlp.claim_context import ArticleContext


def _lemma(tok: Token) -> str:
    return tok.lemma_.lower()


def _of_objects(tok: Token) -> list[Token]:
    return [o for p in tok.children if p.dep_ == "prep" and p.lower_ == "of"
            for o in p.children if o.dep_ == "pobj"]  # fmt: skip

NUM_ENTS = ("CARDINAL", "QUANTITY", "MONEY", "PERCENT")


def number_text(tok: Token) -> str | None:
    """The number phrase of `tok` (a number) including its bound words."""
    if tok.ent_type_ in NUM_ENTS:
        doc = tok.doc
        start = tok.i
        while start > 0 and doc[start - 1].ent_type_ == tok.ent_type_ and \
                doc[start].ent_iob_ != "B":  # fmt: skip
            start -= 1
        end = tok.i
        while end + 1 < len(doc) and doc[end + 1].ent_iob_ == "I" and \
                doc[end + 1].ent_type_ == tok.ent_type_:  # fmt: skip
            end += 1
        text = doc[start : end + 1].text
    else:
        left = min([tok.i] + [c.left_edge.i for c in tok.children
                              if c.dep_ in ("advmod", "quantmod", "compound", "nummod")])
        text = tok.doc[left : tok.i + 1].text
    prev = bound_before(tok.doc, tok.i)
    if prev and not text.lower().startswith(prev.lower()):
        text = prev + " " + text
    return text


def bound_before(doc: Doc, start: int) -> str:
    """The bound words right before a number ("up to 17 million"), which the NER often
    leaves out of its span; "" if none."""
    prev = doc[max(0, start - 2) : start]
    return prev.text if prev.text.lower() in _BOUNDS else ""


_BOUNDS = ("at least", "more than", "up to", "as many", "at most")


def quantity_of_noun(ctx: ArticleContext, noun: Token) -> tuple[Token, str, str | None] | None:
    """(number token, number text, unit) counted by a noun: "at least 120 people",
    "dozens of homes", or the number itself ("at least 12 were killed")."""
    unit: str | None = None
    people = ctx.lex.set("people_nouns")
    none = noun.lower_ == "none"  # "none of its soldiers were killed": zero
    if noun.lower_ in ("no-one", "noone") or (noun.lower_ == "one" and any(
            c.lower_ == "no" for c in noun.children)) or (
            noun.i > 0 and noun.doc[noun.i - 1].lower_ in ("no", "no-")):  # fmt: skip
        return None  # "no one was hurt" counts nobody, and is no claim of one
    if none or noun.like_num or noun.ent_type_ in NUM_ENTS or noun.lower_ in (
        "dozens", "hundreds", "thousands", "millions", "scores"
    ):  # fmt: skip
        counted = _of_objects(noun)
        if counted:
            unit = None if _lemma(counted[0]) in people else _lemma(counted[0])
        text = "0" if none else number_text(noun)
        return (noun, text, unit) if text else None
    for c in noun.children:
        if c.dep_ in ("nummod",) or (c.dep_ == "amod" and c.like_num):
            unit = None if _lemma(noun) in people else _lemma(noun)
            text = number_text(c)
            return (c, text, unit) if text else None
    if _lemma(noun) in ctx.lex.set("toll_nouns") | {"total"}:
        # "a total of 83 people were killed", "the number of people evacuated"
        for o in _of_objects(noun):
            found = quantity_of_noun(ctx, o)
            if found is not None:
                return found
    return None
