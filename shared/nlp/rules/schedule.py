"""held_in and scheduled_for: events held in a place ("will be held in", "take place in",
"Qatar will host"), set for a date ("scheduled for 19 March", "postponed to May", "X will
go on trial on ..."), and organisations headquartered somewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Span, Token

from shared.domain.claims import Claim
from shared.domain.entities import EntityRef, EntityType
from shared.domain.timeexpr import resolve
from shared.nlp.claim_context import ArticleContext
from shared.nlp.deps import children, is_passive, lemma_of, prep_objects, verb_phrases
from shared.nlp.events import event_head, event_of, event_ref
from shared.nlp.frames import subject_of


def rule_event_location_and_date(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """Events held in a place or scheduled for a date; organisations headquartered in."""
    held = ctx.lex.set("held_verbs")
    sched = ctx.lex.set("schedule_verbs")
    starts = ctx.lex.set("start_verbs")
    for tok in sent:
        head = event_head(ctx, tok)
        ev = event_ref(ctx, tok) if head else None
        incident = head in ctx.lex.set("place_anchored_events") - ctx.lex.set("gathering_events")
        if ev is None or incident:
            continue
        verbs: list[Token] = []
        verbs.extend(children(tok, "acl", "relcl"))  # "the summit, scheduled for 14 May"
        if tok.dep_ in ("nsubj", "nsubjpass", "dobj"):
            verbs.append(tok.head)
            # "is to be held in", "is expected to take place in"
            for x in children(tok.head, "xcomp"):
                verbs.append(x)
                verbs.extend(children(x, "xcomp"))
        verbs.append(tok)
        for v in verbs:
            lemma = lemma_of(v)
            # "take place", "go ahead", "get under way": the event happens (then/there)
            is_take_place = bool(verb_phrases(v) & ctx.lex.set("happen_phrases"))
            if lemma == "host" and v is not tok:
                # "Qatar will host the talks" / "the talks will be hosted by Doha"
                hosts = prep_objects(v, "by") if is_passive(v) else children(v, "nsubj")
                for h in hosts:
                    place = ctx.place_at(h, allow_coref=False)
                    if place is not None and tok.dep_ in ("dobj", "nsubjpass"):
                        yield ctx.make_claim(v, ev, "held_in", object=place)
            if v is tok or lemma in held or is_take_place:
                for o in prep_objects(v, "in", "at"):
                    place = ctx.place_at(o, allow_coref=False)
                    if place is not None and o.ent_type_ != "DATE":
                        yield ctx.make_claim(v, ev, "held_in", object=place)
            if v is tok or lemma in sched | held | starts or is_take_place:
                yield from _dates(ctx, v, ev)
            for a in children(v, "acomp"):  # "the vote is due on 9 November"
                if lemma_of(a) in ("due", "scheduled", "set", "slated", "expected"):
                    yield from _dates(ctx, a, ev)
    for tok in sent:  # "X will go on trial on 23 September", "X stands trial in May"
        if tok.pos_ != "VERB" or lemma_of(tok) not in ("go", "stand", "face"):
            continue
        trial = [o for o in prep_objects(tok, "on") + children(tok, "dobj")
                 if lemma_of(o) == "trial"]  # fmt: skip
        subj = subject_of(tok)
        ev = event_of(ctx, "trial", subj) if trial and subj is not None else None
        if ev is not None:
            yield from _dates(ctx, tok, ev)
    hq = ctx.lex.set("hq_verbs")
    for tok in sent:
        if lemma_of(tok) in hq and tok.pos_ == "VERB":
            subj = subject_of(tok)
            org = ctx.entity_at(subj) if subj is not None else None
            if org is None or org.type not in (EntityType.ORG,):
                continue
            for o in prep_objects(tok, "in"):
                place = ctx.place_at(o, allow_coref=False)
                if place is not None:
                    yield ctx.make_claim(tok, org, "held_in", object=place)


def _dates(ctx: ArticleContext, v: Token, ev: EntityRef) -> Iterable[Claim]:
    past = v.tag_ == "VBD" or (v.tag_ == "VBN" and v.dep_ == "acl")
    if past and lemma_of(v) not in ctx.lex.set("schedule_words"):
        return  # "Zambia held elections on 13 January", "the election held on Thursday":
        # what happened, not a schedule
    cands: list[Token] = []
    preps = ["for", "on", "in"]
    if lemma_of(v) in ctx.lex.set("reschedule_verbs"):
        preps += ["to", "until"]  # "postponed to 5 May", "delayed until June"
    for o in prep_objects(v, *preps):
        text = ctx.doc[o.left_edge.i : o.right_edge.i + 1].text
        if o.ent_type_ == "DATE" or resolve(text, ctx.article.published_at) is not None:
            cands.append(o)
    cands += [c for c in children(v, "npadvmod") if c.ent_type_ == "DATE"]
    for o in cands:
        span = ctx.doc[o.left_edge.i : o.right_edge.i + 1]
        resolved = resolve(span.text, ctx.article.published_at, prefer_future=True)
        if resolved is None:
            continue
        end = None if resolved.is_day else resolved.end
        yield ctx.make_claim(v, ev, "scheduled_for", on_date=resolved.start, on_date_end=end,
                             time=ctx.article.published_at)
