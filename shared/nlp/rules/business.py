"""What organisations plan and do, and what their deals are worth: event:<verb> ("will
close its Detroit plant" vs "denied ... close") and quantity:value of a deal between named
organisations ("agreed to buy Dunmore for $1.2 billion").
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Span, Token

from shared.domain.claims import Claim
from shared.domain.entities import EntityRef, EntityType
from shared.domain.quantities import is_currency_word, parse_money
from shared.nlp.amounts import bound_before
from shared.nlp.claim_context import ArticleContext
from shared.nlp.deps import children, is_passive, lemma_of
from shared.nlp.frames import subject_of
from shared.nlp.names import as_country, fallback_org, np_text


def rule_plans(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """"Y will close its X plant" vs "Y denied that it plans to close", "no plans to close"."""
    lex = ctx.lex
    plan_verbs, markers = lex.set("plan_verbs"), lex.set("plan_markers") | lex.set("plan_nouns")
    for tok in sent:
        if tok.pos_ != "VERB" or lemma_of(tok) not in plan_verbs:
            continue
        if ctx.other_sense(tok):  # "closed in on the city"
            continue
        future = any(c.dep_ == "aux" and c.lower_ in ("will", "would", "'ll", "shall")
                     for c in tok.children)  # fmt: skip
        planned = (tok.dep_ in ("xcomp", "acl") and lemma_of(tok.head) in markers) or (
            tok.dep_ == "pcomp" and lemma_of(tok.head.head) in markers  # "no intention of closing"
        )
        denied = any(ctx.is_denial(a) for a in ctx.ancestors_in_clause(tok))
        # what happened or did not: "X signed the deal" / "X did not sign the deal"
        done = tok.tag_ == "VBD" or (
            tok.tag_ == "VBN" and any(lemma_of(c) == "have" for c in children(tok, "aux"))
        )
        negated = any(c.dep_ == "neg" for c in tok.children)
        if not (future or planned or denied or done or negated):
            continue
        # a passive subject is what is acted on ("reports that the airport would be
        # closed"), not who acts
        agent_tok = None if is_passive(tok) else subject_of(tok)
        cur = tok
        for _ in range(4):  # "we have no plans to close", "has no intention of closing"
            if agent_tok is not None or cur.head.i == cur.i:
                break
            cur = cur.head
            if ctx.is_denial(cur) or lemma_of(cur) in lex.set("speech_verbs"):
                break  # who denies or reports a plan is not who makes it
            if cur.pos_ in ("VERB", "AUX"):
                agent_tok = subject_of(cur)
        if agent_tok is None:
            continue
        objs = children(tok, "dobj") or children(tok, "nsubjpass")  # "the plant would be
        thing = _thing(ctx, objs[0]) if objs else None  # closed": the plant is the thing
        # "Meridian and Castello agreed to merge": each of them
        act = lex.map("plan_classes").get(lemma_of(tok), lemma_of(tok))
        if objs:  # "fired a missile": the verb with its object names the act
            act = lex.map("plan_object_classes").get(f"{lemma_of(tok)} {lemma_of(objs[0])}",
                                                     act)  # fmt: skip
        for a in (agent_tok, *children(agent_tok, "conj")):
            agent = _agent(ctx, a)
            if agent is not None:
                yield ctx.make_claim(tok, agent, f"event:{act}", object=thing)


def _agent(ctx: ArticleContext, tok: Token) -> EntityRef | None:
    """Who plans or acts: a country for its state ("the Energy Ministry said it had no plans
    to", "Ecuador will cut"), else the organisation, person or place named."""
    if tok.pos_ == "PRON" and tok.lower_ in ("it", "we", "they"):
        speaker = ctx.speech_head(tok)
        subj = subject_of(speaker) if speaker is not None else None
        m = ctx.mention_at(subj) if subj is not None else None
        span = ctx.mention_span(m) if m is not None else None
        state = ctx.state_of(span[0] if span is not None else subj) if subj is not None else None
        return state or ctx.salient_org()
    state = ctx.state_of(tok)
    if state is not None:
        return state
    org = ctx.proper_org(tok)
    if org is not None:
        return org
    m = ctx.mention_at(tok)
    if m is not None and (m.label == "ORG" or (m.entity is not None
                                               and m.entity.type == EntityType.ORG)):
        return ctx.org_of_mention(m)
    ref = ctx.entity_at(tok)
    if ref is not None and ref.type == EntityType.PLACE:
        return as_country(ref)
    if ref is not None and ref.type in (EntityType.ORG, EntityType.PERSON):
        return ref
    if lemma_of(tok) in ("company", "firm", "group", "carmaker", "automaker", "government"):
        return ctx.salient_org()
    return None


def _thing(ctx: ArticleContext, tok: Token) -> EntityRef:
    """What is closed/sold: "its Detroit assembly plant" -> thing:plant@detroit."""
    anchor = None
    for c in tok.subtree:
        if c.i < tok.i and ctx.is_place_token(c):
            ref = ctx.place_at(c, allow_coref=False)
            if ref is not None:
                anchor = ref
                break
    ent = ctx.entity_at(tok) if tok.pos_ == "PROPN" else None
    if ent is not None:
        return ent
    head = lemma_of(tok)
    name = np_text(tok)
    tid = f"thing:{head}@{anchor.id}" if anchor else f"thing:{head}"
    return EntityRef(id=tid, name=name or head, type=EntityType.OTHER)


def rule_deal_value(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """The value of a deal between named organisations: "Kestrel agreed to buy Dunmore for
    $1.2 billion" vs "Dunmore is being sold to Kestrel in a deal worth $780 million"."""
    lex = ctx.lex
    if not any(lemma_of(t) in lex.set("deal_words") for t in sent):
        return
    parties = _deal_parties(ctx, sent)
    if not parties:
        return
    for ent in _money_spans(ctx, sent):
        nxt = ctx.doc[ent.end : ent.end + 2]
        if any(t.lower_ in lex.set("per_unit_words") for t in nxt):
            continue  # "$30 a share"
        anchor = ent.root.head
        if anchor.lower_ == "of" and anchor.head.i != anchor.i:
            anchor = anchor.head  # "a fee of 24 million euros"
        before = ctx.doc[max(sent.start, ent.start - 2) : ent.start]
        if not (lemma_of(anchor) in lex.set("deal_value_heads")
                or any(t.lower_ in ("worth", "valued") for t in before)):  # fmt: skip
            continue
        if any(t.lower_ in ("values", "valuing") for t in ctx.doc[sent.start : ent.start]):
            continue  # "the deal values the target at $517 million": the target's worth
        # "for up to 17 million euros": the bound the NER leaves out of the amount
        value = parse_money(f"{bound_before(ctx.doc, ent.start)} {ent.text}".strip())
        if value is None:
            continue
        # one claim per party: the buyer may go unnamed (or unrecognised) in one report
        for party in parties:
            deal = EntityRef(id=f"event:deal@{party.id}", name=f"{party.name} deal",
                             type=EntityType.EVENT)  # fmt: skip
            yield ctx.make_claim(anchor, deal, "quantity:value", value=value)


def _money_spans(ctx: ArticleContext, sent: Span) -> list[Span]:
    """MONEY entities, and "95 million euros" that the NER took for a bare number."""
    out = []
    for ent in sent.ents:
        if ent.label_ == "MONEY":
            out.append(ent)
        elif (ent.label_ == "CARDINAL" and ent.end < sent.end
              and is_currency_word(ctx.doc[ent.end].text)):  # fmt: skip
            out.append(ctx.doc[ent.start : ent.end + 1])
    return out


def _deal_parties(ctx: ArticleContext, sent: Span) -> list[EntityRef]:
    """The organisations a sentence names, without one that is part of another's name
    ("Dunmore's chairman" beside "Dunmore Dairy")."""
    found: dict[str, EntityRef] = {}
    for t in sent:
        m = ctx.mention_at(t)
        if m is None or m.label not in ("ORG", "PERSON"):
            continue
        if m.label == "ORG":
            org = ctx.org_of_mention(m)
        elif m.text.split()[-1].lower() in ctx.lex.set("org_suffixes"):
            org = fallback_org(m.text)  # "Halsberg Shipping" tagged PERSON
        elif len(m.text.split()) > 1 and ctx.entity_at(t) is not None:
            # a person a deal is about or made by ("signed Rafael Ventura for 31 million
            # euros", "the transfer of Rafael Ventura, worth ..."), by full name
            org = ctx.entity_at(t)
        else:
            continue
        if org is not None and org.type in (EntityType.ORG, EntityType.PERSON):
            found[org.id] = org
    orgs = list(found.values())
    keep = [o for o in orgs if not any(o is not p and o.name.lower() in p.name.lower()
                                       for p in orgs)]  # fmt: skip
    return sorted(keep, key=lambda o: o.id)
