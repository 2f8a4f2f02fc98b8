"""quantity:<measure>: the counts of an event ("killing at least 120 people", "the toll
rose to 250", "left six people dead", "forced 3,000 people from their homes").

Counts are read with amounts.py and tied to the event they are about (events.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Span, Token

from shared.domain.claims import Claim
from shared.domain.entities import EntityRef
from shared.domain.quantities import parse_quantity
from shared.domain.timeexpr import MONTHS
from shared.nlp.amounts import NUM_ENTS, quantity_of_noun
from shared.nlp.claim_context import ArticleContext
from shared.nlp.deps import children, is_passive, lemma_of, prep_objects
from shared.nlp.events import event_ref, find_event_near
from shared.nlp.rules import Skip


def rule_quantity(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    lex = ctx.lex
    verbs = lex.map("quantity_verbs")
    nouns = lex.map("quantity_nouns")
    tolls = lex.set("toll_nouns")
    for tok in sent:
        lemma = lemma_of(tok)
        if tok.pos_ == "VERB" and lemma == "leave":
            # "the fires have left six people dead"
            states = [c for c in children(tok, "oprd", "acomp", "xcomp", "ccomp", "amod")
                      if lemma_of(c) in nouns or c.lower_ in nouns]  # fmt: skip
            for st in states:
                measure = nouns.get(st.lower_) or nouns[lemma_of(st)]
                for noun in children(tok, "dobj") + children(st, "nsubj"):
                    q = quantity_of_noun(ctx, noun)
                    if q is not None:
                        yield from _quantity_claim(ctx, tok, measure, q)
        elif tok.pos_ == "VERB" and lemma in verbs | {"force": "", "drive": ""}:
            measure = verbs.get(lemma, "")
            counted = children(tok, "dobj") if not is_passive(tok) else []
            counted += children(tok, "nsubjpass")
            if lemma in ("die", "perish", "flee"):
                counted += children(tok, "nsubj")
            if lemma in lex.set("life_verbs"):  # "the quake has claimed 120 lives"
                lives = [c for c in counted if lemma_of(c) == "life"]
                # "31 people lost their lives": the count is the subject's
                counted = lives if any(quantity_of_noun(ctx, c) for c in lives) else (
                    children(tok, "nsubj") if lives else [])
                measure = "killed"
            if lemma in ("force", "drive"):
                home_words = ("home", "house", "village", "town", "area", "region")
                homes = [o for o in prep_objects(tok, "from", "out")
                         if lemma_of(o) in home_words]  # fmt: skip
                # "forced 3,000 people to leave their homes"
                homes += [o for x in children(tok, "xcomp", "ccomp")
                          if lemma_of(x) in ("leave", "flee", "evacuate", "abandon")
                          for o in children(x, "dobj") if lemma_of(o) in home_words]
                if not homes:
                    continue
                measure = "evacuated"
            if measure == "displaced":
                measure = "evacuated"
            for noun in counted:
                q = quantity_of_noun(ctx, noun)
                if q is None:
                    continue
                yield from _quantity_claim(ctx, tok, measure, q)
        elif tok.pos_ == "NOUN" and lemma in tolls:
            measure = None
            for c in tok.children:
                if c.dep_ in ("compound", "amod") and lemma_of(c) in nouns:
                    measure = nouns[lemma_of(c)]
            if measure is None:
                continue
            verb = tok.head
            values = prep_objects(verb, "to", "at", "past", "above") + [
                c for c in children(verb, "dobj", "attr") if c.like_num
                or c.ent_type_ in NUM_ENTS]  # fmt: skip
            for v in values:
                q = quantity_of_noun(ctx, v)
                if q is None:
                    continue
                ev = find_event_near(ctx, tok) or find_event_near(ctx, verb)
                if ev is not None:
                    yield _build_quantity(ctx, verb, ev, measure, q)
        elif tok.pos_ == "NOUN" and lemma in lex.set("magnitude_nouns"):
            yield from _magnitude(ctx, tok)
        elif tok.pos_ in ("NOUN", "ADJ") and lemma in nouns and tok.dep_ not in ("compound",):
            q = quantity_of_noun(ctx, tok)
            if q is None:
                continue
            yield from _quantity_claim(ctx, tok, nouns[lemma], q)


def _magnitude(ctx: ArticleContext, tok: Token) -> Iterable[Claim]:
    """"a magnitude 5.8 earthquake", "an earthquake of magnitude 6.4": the event's size."""
    nums = [c for c in tok.children if c.like_num]
    nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
    if not nums and nxt is not None and nxt.like_num:
        nums = [nxt]  # "a magnitude 5.8 earthquake": the number after the word
    if not nums:
        return
    nouns = [tok.head.head if tok.dep_ == "pobj" else tok.head, nums[0].head]
    ev = next((e for n in nouns if n.pos_ == "NOUN" for e in [event_ref(ctx, n)] if e), None)
    if ev is None:
        return
    yield _build_quantity(ctx, tok, ev, lemma_of(tok), (nums[0], nums[0].text, None))


def _quantity_claim(ctx: ArticleContext, pred: Token, measure: str,
                    q: tuple[Token, str, str | None]) -> Iterable[Claim]:  # fmt: skip
    ev = find_event_near(ctx, pred)
    if ev is None:
        return
    yield _build_quantity(ctx, pred, ev, measure, q)


def _build_quantity(ctx: ArticleContext, pred: Token, ev: EntityRef, measure: str,
                    q: tuple[Token, str, str | None]) -> Claim:  # fmt: skip
    _, text, unit = q
    quantity = parse_quantity(text, unit=unit)
    if quantity is None:
        quantity = parse_quantity(text.split()[-1], unit=unit)
    if quantity is None or _over_a_span(ctx, pred):
        raise Skip
    return ctx.make_claim(pred, ev, f"quantity:{measure}", value=quantity)


def _over_a_span(ctx: ArticleContext, pred: Token) -> bool:
    """"More than 1,000 migrants have died in the Mediterranean this year", "since 2023":
    a tally over months or years is background, not the toll of the event at hand."""
    spans = ctx.lex.set("span_words")
    verbs = [pred, *(c for c in pred.children if c.dep_ == "conj")]
    if pred.dep_ == "conj":
        verbs.append(pred.head)
    for c in (c for v in verbs for c in v.children):
        words = [t for t in c.subtree if t.ent_type_ == "DATE"]
        # "since January", "since 2023"; not "since Monday" or, in September, "since late
        # August": the event's own days
        month = ctx.article.published_at.month
        long_ago = any((t.lower_ in MONTHS and (month - MONTHS[t.lower_]) % 12 > 1)
                       or (t.is_digit and len(t.text) == 4) for t in words)  # fmt: skip
        if c.dep_ == "prep" and c.lower_ == "since" and long_ago:
            return True
        if c.dep_ in ("npadvmod", "prep") and any(t.lower_ in spans for t in words):
            return True
    return False


