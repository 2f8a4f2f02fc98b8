"""controlled_by: who holds a place, from capture and hold verbs ("Wagner fighters took
Soledar"), "fell to", withdrawals, "under Ukrainian control" and nouns ("its capture by").

The object is a side of the conflict (sides.py), or None for an unnamed captor.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Span, Token

from shared.domain.claims import Claim, Polarity
from shared.domain.entities import EntityRef, EntityType
from shared.domain.ids import entity_id
from shared.nlp.claim_context import ArticleContext
from shared.nlp.deps import children, is_passive, lemma_of, prep_objects
from shared.nlp.frames import subject_of
from shared.nlp.names import clean_name


def _control_target(ctx: ArticleContext, tok: Token) -> EntityRef | None:
    """The place in "control of (the whole territory of) X", "the city of X", "X"."""
    lemma = lemma_of(tok)
    if lemma in ctx.lex.set("control_nouns"):
        for o in prep_objects(tok, "of", "over"):
            p = _control_target(ctx, o)
            if p is not None:
                return p
        return None
    if lemma in ctx.lex.set("position_nouns") or tok.lower_ in ctx.lex.set("position_nouns"):
        # "overran the army positions in X", "control of the military base at X", "the
        # headquarters of the 22nd Division in X" (a unit is no place)
        near: list[Token] = []
        for o in prep_objects(tok, "of"):  # "the centre of X district in Y province": X
            unit = (m := ctx.mention_at(o)) is not None and m.label == "ORG"
            near += prep_objects(o, "in", "at", "near") if unit else [o]
        # "the Tessit military camp", "the Tessit position": the place it is named for
        named = [c for c in tok.children if c.dep_ in ("compound", "nmod", "amod") and (
            c.pos_ == "PROPN" or ctx.mention_at(c) is not None)]
        for o in named + near + prep_objects(tok, "in", "at", "near"):
            p = ctx.place_at(o, allow_coref=False)
            if p is not None:
                return p
        return None
    return ctx.place_at(tok)


def _antecedent(relcl: Token) -> Token:
    """The noun a relative clause is of; the name, when that noun is in apposition to one
    ("Kunlong, the northern Shan State town that ...")."""
    noun = relcl.head
    return noun.head if noun.dep_ == "appos" else noun


def _captor(ctx: ArticleContext, verb: Token, pred: Token) -> EntityRef | None:
    if is_passive(verb):
        agents = prep_objects(verb, "by")
        return _holder(ctx, agents[0], pred) if agents else None
    subj = subject_of(verb)
    return _holder(ctx, subj, pred) if subj is not None else None


def _holder(ctx: ArticleContext, tok: Token, pred: Token) -> EntityRef | None:
    """Who takes or holds a place: a side of the conflict, or an organisation the NER names
    that is no company ("the ELN took control of the town", "under the control of the
    FDLR"): who takes a town is a force, whether or not the sides lexicon knows it."""
    side = ctx.side_of(tok, pred)
    if side is not None:
        return side
    m = ctx.mention_at(tok)
    if m is None or m.label != "ORG" or (m.entity is not None
                                         and m.entity.type != EntityType.ORG):  # fmt: skip
        return None
    name = clean_name(m.text)
    if any(w.lower() in ctx.lex.set("org_suffixes") for w in name.split()):
        return None  # "Gazprom Energy took control of the field": a company
    return EntityRef(id=entity_id("side", name), name=name, type=EntityType.ORG)


def _armed_agent(ctx: ArticleContext, verb: Token) -> bool:
    """An active capture/hold verb only speaks of control when its subject is a side or an
    armed force ("Wagner fighters took Soledar", "the rebels seized Goma"); "Father O'Neal
    entered heaven" or "the company took control of the brand" are not about territory.
    Passives and subjectless verbs ("the town was captured") pass."""
    if is_passive(verb):
        return True
    subj = subject_of(verb)
    if subj is None:
        return True
    if subj.pos_ == "PRON":
        # "they captured the town" (the speaker's side); "the KNLA said it had captured"
        return subj.lower_ in ("they", "we") or (
            subj.lower_ == "it" and ctx.side_of(subj, verb) is not None
        )
    forces = ctx.lex.set("force_nouns")
    return _holder(ctx, subj, verb) is not None or any(
        t.lower_ in forces or lemma_of(t) in forces for t in subj.subtree)


def _holds_a_place(ctx: ArticleContext, tok: Token) -> bool:
    """A common noun that stands for a place or for control of one ("the town", "control of
    X", "positions in X"), not a facility named after a place."""
    lex = ctx.lex
    lemma = lemma_of(tok)
    words = (lex.set("control_nouns") | lex.set("position_nouns") | lex.set("place_nouns")
             | lex.set("region_nouns"))
    return lemma in words or tok.lower_ in words


def _named_person(ctx: ArticleContext, tok: Token) -> bool:
    """"Gill Rosenberg was captured by IS": people are captured too. A full name the NER
    calls a person and the gazetteer does not know is a person, not a town."""
    m = ctx.mention_at(tok)
    if m is None or m.label != "PERSON" or (m.entity is not None
                                            and m.entity.id.startswith("geo:")):
        return False
    if ctx.named_as_place(tok):  # "Adan Yabaal, a strategic town in ..."
        return False
    if " " in m.text.strip():
        return True
    # "Rosenberg was captured" in an article about Gill Rosenberg: the surname of a person
    return any(o.label == "PERSON" and " " in o.text.strip()
               and o.text.split()[-1] == m.text.strip() for o in ctx.mentions)  # fmt: skip


def rule_control(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    lex = ctx.lex
    capture, hold, withdraw = (lex.set("capture_verbs"), lex.set("hold_verbs"),
                               lex.set("withdraw_verbs"))  # fmt: skip
    for tok in sent:
        lemma = lemma_of(tok)
        if tok.pos_ in ("VERB", "AUX"):
            if lemma in capture or lemma in hold:
                state = "captured" if lemma in capture else "held"
                targets = children(tok, "nsubjpass") if is_passive(tok) else children(
                    tok, "dobj")  # fmt: skip
                # the parser sometimes hangs the object name as an adverb: "captured Bakhmut"
                targets += [c for c in children(tok, "advmod", "npadvmod")
                            if c.pos_ in ("PROPN", "ADV") and ctx.is_place_token(c)]
                if not targets and not is_passive(tok) and tok.i + 1 < len(ctx.doc):
                    # the small parser sometimes loses the object ("continue to hold Chasiv
                    # Yar, a spokesman said" parsed with the town as the subject of "said")
                    nxt = ctx.doc[tok.i + 1]
                    if ctx.is_place_token(nxt) and nxt.sent == tok.sent:
                        targets = [nxt]
                if tok.dep_ == "relcl":
                    # "Kunlong, the town that the MNDAA captured": the noun the clause is of
                    targets = [_antecedent(tok) if t.lower_ in ("that", "which", "whom")
                               else t for t in targets]  # fmt: skip
                if lemma in ("take", "gain", "win", "seize") and not is_passive(tok):
                    targets = [t for t in targets if lemma_of(t) in lex.set("control_nouns")
                               or ctx.place_at(t) is not None]  # fmt: skip
                if not _armed_agent(ctx, tok) or ctx.past_episode(tok):
                    continue
                for t in targets:
                    if t.pos_ == "NOUN" and not _holds_a_place(ctx, t):
                        continue  # "recaptured the Mosul dam": a facility, not the town
                    if any(c.dep_ == "nummod" for c in t.children):
                        continue  # "seized two Humvees": things counted are no place
                    place = _control_target(ctx, t)
                    if place is None or (state == "captured" and _named_person(ctx, t)):
                        continue
                    side = _captor(ctx, tok, tok)
                    if side is None and state == "held":
                        continue
                    yield ctx.make_claim(tok, place, "controlled_by", object=side, state=state)
            elif lemma in lex.set("fall_verbs"):
                subj = subject_of(tok)
                place = ctx.place_at(subj) if subj is not None else None
                if place is None:
                    continue
                agents = prep_objects(tok, "to")
                side = _holder(ctx, agents[0], tok) if agents else None
                yield ctx.make_claim(tok, place, "controlled_by", object=side, state="captured")
            elif lemma in withdraw:
                subj = subject_of(tok)
                side = ctx.side_of(subj, tok) if subj is not None else None
                for o in prep_objects(tok, "from", "of") + children(tok, "dobj"):
                    place = ctx.place_at(o)
                    if place is not None and side is not None:
                        yield ctx.make_claim(tok, place, "controlled_by", object=side,
                                             state="held", polarity=Polarity.NEGATED)
            # "Russian forces are in control of X"
            subj = subject_of(tok) or _place_before(ctx, tok)
            if subj is not None and lemma_of(tok) in ("be", "remain", "stay"):
                for o in prep_objects(tok, "in"):
                    if lemma_of(o) not in lex.set("control_nouns") - {"hand", "hands"}:
                        continue
                    for p in prep_objects(o, "of"):
                        place = ctx.place_at(p)
                        side = _holder(ctx, subj, tok)
                        if place is not None and side is not None:
                            yield ctx.make_claim(tok, place, "controlled_by", object=side,
                                                 state="held")
            # "remains under Ukrainian control", "lies in the hands of Russian forces"
            if subj is not None and lemma_of(tok) in ("remain", "be", "stay", "lie", "rest",
                                                    "come", "fall", "pass"):  # fmt: skip
                for o in prep_objects(tok, "under", "in", "into"):
                    if lemma_of(o) not in lex.set("control_nouns"):
                        continue
                    owned = lemma_of(o) == "control" and prep_objects(o, "of")
                    if owned and o.head.lower_ != "under":
                        continue  # "X is in control of Y": X controls, handled above
                    # "the military camp at X remains under army control": the camp's place
                    place = _control_target(ctx, subj) if lemma_of(subj) in lex.set(
                        "position_nouns") else ctx.place_at(subj)
                    if place is None or (lemma_of(o) in ("hand", "hands")
                                         and _named_person(ctx, subj)):  # fmt: skip
                        continue  # "Hartl is still in the hands of his abductors": status
                    owner = prep_objects(o, "of")
                    side = _holder(ctx, owner[0], tok) if owner else ctx.side_of(
                        ctx.doc[o.left_edge.i : o.i], tok)  # fmt: skip
                    if side is not None:
                        yield ctx.make_claim(tok, place, "controlled_by", object=side,
                                             state="held")
        elif tok.pos_ == "NOUN" and lemma in lex.set("capture_nouns") | lex.set(
            "withdraw_nouns"
        ):
            yield from _control_noun(ctx, tok)


def _control_noun(ctx: ArticleContext, tok: Token) -> Iterable[Claim]:
    """"its capture by Russian forces", "the fall of X", "the withdrawal of Y from X"."""
    lemma = lemma_of(tok)
    withdrawal = lemma in ctx.lex.set("withdraw_nouns")
    if withdrawal:
        agents = prep_objects(tok, "of", "by")
        side = ctx.side_of(agents[0], tok) if agents else None
        for o in prep_objects(tok, "from"):
            place = ctx.place_at(o)
            if place is not None and side is not None:
                yield ctx.make_claim(tok, place, "controlled_by", object=side, state="held",
                                     noun_trigger=True, polarity=Polarity.NEGATED)
        return
    if lemma == "loss":
        return  # "the loss of X" says who lost it, rarely who holds it
    owners = children(tok, "poss") + prep_objects(tok, "of")
    places = [_control_target(ctx, o) for o in owners if not _named_person(ctx, o)]
    agents = prep_objects(tok, "by", "to")
    side = ctx.side_of(agents[0], tok) if agents else None
    for place in places:
        if place is not None:
            pol = ctx.polarity(tok, noun_trigger=True)
            yield ctx.make_claim(tok, place, "controlled_by", object=side, state="captured",
                                 noun_trigger=True, polarity=pol)


def _place_before(ctx: ArticleContext, verb: Token) -> Token | None:
    """A place name the tagger did not take for the subject: "Bakhmut remains under
    Ukrainian control" with "Bakhmut" tagged as an adverb."""
    for c in verb.children:
        if c.i < verb.i and c.dep_ in ("advmod", "npadvmod", "dep") and ctx.is_place_token(c):
            return c
    return None
