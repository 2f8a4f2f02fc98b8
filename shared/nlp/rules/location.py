"""located_in: where a place lies, from apposition ("X, a town in Y"), "the city of X in
Y", "X lies in Y", "X, in Y's Z Oblast", "Paris, Texas" and "the city, ... in Y".

One rule with the helpers that tell a described name from a place the text does not call
one; a module of its own as the longest rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Span, Token

from shared.domain.claims import Claim, Polarity
from shared.domain.entities import EntityRef, EntityType
from shared.domain.ids import entity_id, name_key
from shared.domain.places import may_lie_in
from shared.nlp.claim_context import ArticleContext
from shared.nlp.deps import children, lemma_of, prep_objects
from shared.nlp.names import namelike


def rule_place_location(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """X located_in Y for apposition, "the city of X in Y", "X is a town in Y",
    "X, in Y's Z Oblast", "X, Y" (Paris, Texas) and "the city, ... in Y" (coreference)."""
    settlements = ctx.lex.set("place_nouns")
    seen: set[tuple[str, str]] = set()
    for tok in sent:
        if tok.pos_ not in ("PROPN", "NOUN") and not namelike(tok) and not (
                tok.dep_ == "amod" and ctx.is_place_token(tok)):  # ("Chitral" tagged ADJ)
            continue
        is_named = ctx.is_place_token(tok) or (
            tok.pos_ == "PROPN" and tok.dep_ in ("nsubj", "nsubjpass", "advmod", "pobj", "dobj",
                                                 "npadvmod", "appos", "ROOT")
            and ctx.mention_at(tok) is not None
        )  # fmt: skip
        if not is_named and namelike(tok) and ctx.mention_at(tok) is None:
            # an unrecognised name described as a place: "Vuhledar, a coal-mining town in",
            # "Kramatorsk, in eastern Ukraine's Donetsk Oblast"
            is_named = any(lemma_of(a) in settlements | ctx.lex.set("container_of_nouns")
                           for a in children(tok, "appos")) or (
                tok.dep_ == "pobj" and tok.head.lower_ == "of"
                and lemma_of(tok.head.head) in settlements
            ) or (
                tok.i + 2 < len(tok.doc) and tok.doc[tok.i + 1].text == ","
                and tok.doc[tok.i + 2].lower_ == "in" and tok.i == tok.sent.start
            ) or (
                tok.dep_ in ("nsubj", "nsubjpass") and lemma_of(tok.head) in ctx.lex.set(
                    "location_verbs")
            ) or (
                tok.dep_ in ("compound", "amod") and lemma_of(tok.head) in ctx.lex.set(
                    "district_nouns")  # "in Dolpa district of Karnali Province"
            ) or bool(_location_clauses(ctx, tok)) or (
                _comma_descriptor(ctx, tok) is not None
            )  # fmt: skip
        coref = lemma_of(tok) in ctx.lex.set("settlement_nouns") and tok.dep_ in ("nsubj",
                                                                               "nsubjpass")
        if not (is_named or coref) or tok.ent_type_ == "NORP":
            continue  # (a people, "Kurds in the town of Kobani", is not a place)
        if is_named:
            m = ctx.mention_at(tok)
            if m is not None and tok.i + 1 < len(tok.doc) and ctx.mention_at(
                tok.doc[tok.i + 1]
            ) is m:
                continue  # not the last token of the name
        x = ctx.place_at(tok)
        if x is None:
            continue
        descriptors: list[Token] = [tok]
        # "the city of X": the descriptor noun governs X
        governor = tok.head.head
        if tok.dep_ == "pobj" and tok.head.lower_ == "of" and lemma_of(governor) in settlements:
            descriptors.append(governor)
        if tok.dep_ in ("compound", "amod", "nmod") and lemma_of(tok.head) in ctx.lex.set(
                "district_nouns"):
            descriptors.append(tok.head)  # "in Jajarkot district of Karnali Province"
        descriptors += [a for d in list(descriptors) for a in children(d, "appos")]
        loose = _comma_descriptor(ctx, tok)
        if loose is not None and loose not in descriptors:
            descriptors.append(loose)
        if tok.dep_ == "appos":
            descriptors.append(tok.head)
        if tok.dep_ in ("nsubj", "nsubjpass"):
            verb = tok.head
            descriptors += children(verb, "attr")
            descriptors += [c for c in children(verb, "advcl", "npadvmod")
                            if c.pos_ in ("NOUN", "PROPN")]  # fmt: skip
            if lemma_of(verb) in ctx.lex.set("location_verbs"):
                descriptors.append(verb)
        descriptors += _location_clauses(ctx, tok)
        m = ctx.mention_at(tok)
        linked = m is not None and m.entity is not None and m.entity.type == EntityType.PLACE \
            and not m.entity.id.startswith("name:")  # fmt: skip
        if not linked and not _place_evidence(ctx, tok, descriptors):
            continue  # a name the linker did not place is a place only if the text says so
        targets: list[Token] = []
        appos_places: list[Token] = []
        for d in descriptors:
            targets += _descriptor_targets(ctx, d)
            if d is not tok and d.i > tok.i and ctx.is_place_token(d) and d.dep_ == "appos":
                appos_places.append(d)  # "Paris, Texas"
        targets += appos_places
        # "the city of X in Y" with "in Y" attached to the governing verb
        for d in descriptors[1:2]:
            if d.dep_ == "dobj" and d.head.pos_ == "VERB":
                targets += prep_objects(d.head, "in")
        # "swept through (the valley of) X district in Y": the parser hangs "in Y" right
        # after the place's noun on the verb or a noun above it
        for d in descriptors[1:]:
            after = d.i + 1 < len(d.doc) and d.doc[d.i + 1]
            if after and after.lower_ == "in" and after.head.i != d.i and \
                    lemma_of(d) in ctx.lex.set("place_nouns"):  # fmt: skip
                targets += children(after, "pobj")
        # "X, in Y, had ..." : the prep hangs on the verb right after a comma
        if tok.i + 2 < len(tok.doc) and tok.doc[tok.i + 1].text == "," and \
                tok.doc[tok.i + 2].lower_ == "in":  # fmt: skip
            targets += children(tok.doc[tok.i + 2], "pobj")
        for t in targets:
            if lemma_of(t) in ("hand", "control", "custody", "detention"):
                continue
            if t.dep_ == "conj" or children(t, "conj"):
                continue  # "the Islamic State in Syria and Iraq": X spans both, or is no place
            for y_tok in [t, *children(t, "poss")]:
                y = ctx.place_at(y_tok, allow_coref=False)
                if y is None or y.id == x.id or not may_lie_in(x, y):
                    continue
                if t in appos_places and y.id.startswith("name:"):
                    continue  # "Washington (CBS DC)": only a known place makes "X, Y" a place
                key = (x.id, y.id)
                if key in seen:
                    continue
                seen.add(key)
                subject = _homonym_guard(x, y)
                yield ctx.make_claim(t, subject, "located_in", object=y,
                                     polarity=Polarity.ASSERTED)  # fmt: skip


def _location_clauses(ctx: ArticleContext, tok: Token) -> list[Token]:
    """"X, located in Y", "X, which lies in Y": a location verb with "in" in a clause on X
    (not "... that lies near the border", which the parser may hang on the wrong noun)."""
    return [c for c in children(tok, "acl", "relcl")
            if lemma_of(c) in ctx.lex.set("location_verbs") and prep_objects(c, "in")]


def _place_evidence(ctx: ArticleContext, tok: Token, descriptors: list[Token]) -> bool:
    """Whether the text itself says an unlinked name is a place: "X, a town in Y", "the city
    of X", "X lies in Y", or a sentence opening "X, in Y, ..." (unless the NER saw a person).
    Without this, "Rep. Duncan Hunter (R-Calif.)" or "Apple Stores in London" would be
    places located somewhere."""
    words = ctx.lex.set("place_nouns") | ctx.lex.set("container_of_nouns") | ctx.lex.set(
        "location_verbs")
    if any(d is not tok and lemma_of(d) in words for d in descriptors):
        return True
    m = ctx.mention_at(tok)
    doc = tok.doc
    return (tok.i == tok.sent.start and tok.i + 2 < len(doc) and doc[tok.i + 1].text == ","
            and doc[tok.i + 2].lower_ == "in" and (m is None or m.label != "PERSON"))


def _descriptor_targets(ctx: ArticleContext, d: Token) -> list[Token]:
    """Where a descriptor puts its place: "a town in Y", "the administrative centre of Y"
    (container_of_nouns), "the X district of Y" (district_nouns), and "a city of about
    100,000 people in Y", where the parser hangs
    "in Y" on the population count rather than on the descriptor."""
    targets = prep_objects(d, "in")
    if lemma_of(d) in ctx.lex.set("container_of_nouns") | ctx.lex.set("district_nouns"):
        targets += prep_objects(d, "of")
    if lemma_of(d) in ctx.lex.set("settlement_nouns"):
        people = ctx.lex.set("people_nouns")
        for o in prep_objects(d, "of"):
            if o.like_num or o.ent_type_ == "CARDINAL" or (
                lemma_of(o) in people and any(c.like_num for c in o.children)
            ):
                targets += prep_objects(o, "in")
    return targets


def _comma_descriptor(ctx: ArticleContext, tok: Token) -> Token | None:
    """"X, a town in Y" when the parser did not attach the apposition to X."""
    doc = tok.doc
    if tok.i + 2 >= len(doc) or doc[tok.i + 1].text != ",":
        return None
    for t in doc[tok.i + 2 : min(len(doc), tok.i + 7)]:
        if lemma_of(t) in ctx.lex.set("settlement_nouns") and t.left_edge.i == tok.i + 2:
            return t
        if t.text == ",":
            break
    return None


def _homonym_guard(x: EntityRef, y: EntityRef) -> EntityRef:
    """If the linker put X in one country and the text puts it in another, the linker
    chose the wrong namesake (Paris, Texas): key the claim on the name and the container."""
    if x.country and y.country and x.country.upper() != y.country.upper() and not y.overlaps:
        return EntityRef(id=entity_id("name", x.name, name_key(y.name)), name=f"{x.name}, {y.name}",
                         type=EntityType.PLACE)  # fmt: skip
    return x
