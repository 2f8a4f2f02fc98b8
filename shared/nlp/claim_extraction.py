"""Extract typed claims from a parsed article.

`extract_claims(doc, mentions, article) -> list[Claim]` reuses the entity worker's parse
(never re-runs the pipeline). Each relation is one small rule over the dependency parse
(`RULES` below); the words they look for live in shared/data/claims/lexicon.yaml.

Relations produced:
  located_in      place -> place ("X, in Y", "the city of X in Y", "X, a town in Y", ...)
  held_in         event/org -> place ("will be held in", "take place in", "headquartered in")
  scheduled_for   event -> date ("election for 12 March", "scheduled for 19 March")
  controlled_by   place -> side (state "captured" or "held"; object None = unnamed captor)
  quantity:<m>    event -> Quantity ("killing at least 120 people", "toll rose to 250")
  status          person/facility -> state ("released", "detained", "dead", "closed", ...)
  office:<title>  organisation -> person ("X, the chief executive of Y")
  event:<verb>    organisation -> thing ("will close its Detroit plant" / "denied ... close")

Event subjects are `event:<canonical head>` (quake = earthquake), anchored on a place for
disasters (`event:earthquake@<place id>`): two quakes in two provinces stay apart, while
"the peace summit" and "the summit" compare (trade-off: two different summits reported in
one store would also compare; the place or date is the value, so it cannot be the key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from shared.domain.claims import Bound, Claim, Modality, Polarity
from shared.domain.entities import EntityRef, EntityType, Mention, PlaceRank
from shared.domain.ids import entity_id, name_key
from shared.domain.quantities import is_currency_word, parse_money, parse_quantity
from shared.domain.timeexpr import resolve
from shared.nlp.amounts import NUM_ENTS, quantity_of_noun
from shared.nlp.claim_context import (
    ArticleContext,
    ArticleInfo,
    ArticleLike,
    clean_name,
    fallback_org,
    namelike,
    np_text,
)
from shared.nlp.claim_lexicon import Lexicon, load_lexicon
from shared.nlp.frames import read_frames, subject_of
from shared.nlp.relations import frame_claims

__all__ = ["RULES", "ArticleInfo", "ArticleLike", "Reading", "extract_claims", "read_claims"]

Rule = Callable[[ArticleContext, Span], Iterable[Claim]]


def _children(tok: Token, *deps: str) -> list[Token]:
    return [c for c in tok.children if c.dep_ in deps]


def _prep_objects(tok: Token, *preps: str) -> list[Token]:
    out = []
    for p in tok.children:
        if p.dep_ in ("prep", "agent", "dative") and p.lower_ in preps:
            for o in p.children:
                if o.dep_ == "pobj":
                    out.append(o)
                    out.extend(_children(o, "conj"))
    return out


def _phrases(verb: Token) -> set[str]:
    """The verb with each particle or object word: "take place", "go ahead"."""
    return {f"{_lemma(verb)} {_lemma(c)}" for c in _children(verb, "dobj", "prt", "advmod")}


def _is_passive(tok: Token) -> bool:
    return bool(_children(tok, "nsubjpass", "auxpass"))


def _lemma(tok: Token) -> str:
    return tok.lemma_.lower()


# --- events --------------------------------------------------------------------------


def _hyphen_word(tok: Token) -> str | None:
    """"run-off" when the tokenizer split it into run / - / off (head: "off")."""
    doc = tok.doc
    if tok.i >= 2 and doc[tok.i - 1].text == "-" and doc[tok.i - 2].head.i == tok.i:
        return f"{doc[tok.i - 2].lower_}-{tok.lower_}"
    return None


def _event_token(ctx: ArticleContext, tok: Token) -> Token | None:
    """The token naming an event: tok itself, or "talks" in "the next round of talks"."""
    events = ctx.lex.map("event_nouns")
    if _lemma(tok) in ("round", "edition", "session", "part", "opening", "start",
                       "beginning", "resumption") and tok.pos_ == "NOUN":  # fmt: skip
        for o in _prep_objects(tok, "of"):
            inner = _event_token(ctx, o)
            if inner is not None:
                return inner
    if tok.pos_ not in ("NOUN", "PROPN") or tok.ent_type_ in ("DATE", "TIME"):
        return None  # (the month of March is no march)
    if _lemma(tok) in events or tok.lower_ in events or _hyphen_word(tok) in events:
        return tok
    return None


def _event_head(ctx: ArticleContext, tok: Token) -> str | None:
    """The canonical event noun (quake -> earthquake) of the event tok names, if any."""
    ev = _event_token(ctx, tok)
    if ev is None:
        return None
    events = ctx.lex.map("event_nouns")
    word = _hyphen_word(ev)
    if word is not None and word in events:
        return events[word]
    return events.get(_lemma(ev)) or events[ev.lower_]


def _event_name(ctx: ArticleContext, tok: Token) -> str:
    """"presidential run-off", "nordic climate forum": the event noun and the modifiers that
    tell one event from another, lower case. Generic words ("next", "upcoming") are dropped
    so that the contradiction rules can compare modifiers (shared.domain.contradiction)."""
    generic = ctx.lex.set("event_generic_modifiers")
    hyphen = _hyphen_word(tok)
    words = [t for t in tok.subtree if t.i < tok.i and t.dep_ in ("compound", "amod", "nmod")
             and not t.like_num and t.ent_type_ not in ("DATE", "TIME")
             and t.lower_ not in generic and t.is_alpha]  # fmt: skip
    if hyphen is not None:
        words = [t for t in words if t.i != tok.i - 2]
    names = [w.lower_ for w in words] + [hyphen or tok.lower_]
    return clean_name(" ".join(names))


def _event_ref(ctx: ArticleContext, tok: Token) -> EntityRef | None:
    head = _event_head(ctx, tok)
    ev_tok = _event_token(ctx, tok)
    if head is None or ev_tok is None:
        return None
    local = ctx.lex.set("local_event_modifiers")
    # the words right before the noun: the parser often breaks "the mayoral by-election"
    before = ctx.doc[max(ev_tok.sent.start, ev_tok.i - 3) : ev_tok.i]
    if head in ctx.lex.set("place_anchored_events") or any(t.lower_ in local for t in before):
        anchor: EntityRef | None = None
        for o in _prep_objects(tok, "in", "near", "off", "across", "on"):
            anchor = ctx.place_at(o, allow_coref=False)
            if anchor:
                break
        if anchor is None:
            for c in tok.children:
                if c.dep_ in ("compound", "nmod", "poss") and ctx.is_place_token(c):
                    anchor = ctx.place_at(c, allow_coref=False)
                    break
        if anchor is None and tok.dep_ == "nsubj":
            # "floods hit Bahia", "the quake struck the province of Valdera"
            for o in _children(tok.head, "dobj") + _prep_objects(tok.head, "in", "near"):
                anchor = ctx.place_at(o, allow_coref=False)
                if anchor:
                    break
        if anchor is None and tok.dep_ in ("nsubj", "nsubjpass"):
            # "a cyclone tore through Mozambique's Sofala province"
            anchor = _clause_anchor(ctx, tok.head)
        if anchor is not None and anchor.rank in (PlaceRank.ADMIN1, PlaceRank.ADMIN2):
            # "a strike on a base in El Obeid, in North Kordofan state": the town in it
            town = next((p for t in tok.sent if ctx.is_place_token(t)
                         for p in [ctx.place_at(t, allow_coref=False)]
                         if p is not None and p.rank == PlaceRank.CITY
                         and anchor.id in p.ancestors), None)  # fmt: skip
            anchor = town or anchor
        # a national vote ("local elections" in Chad) is anchored on the country
        return _anchored_event(ctx, head, anchor or ctx.main_place or ctx.main_area)
    name = _event_name(ctx, ev_tok)
    if head in ctx.lex.set("generic_event_nouns") and " " not in name:
        # a bare "the meeting" / "the trial": too many of them to key on the noun, unless
        # it says whose ("the trial of Ruslan Adzhiev")
        for o in _prep_objects(ev_tok, "of", "against"):
            if ev := _event_of(ctx, head, o):
                return ev
        return None
    return EntityRef(id=f"event:{head}", name=name, type=EntityType.EVENT)


def _event_of(ctx: ArticleContext, head: str, tok: Token) -> EntityRef | None:
    """A person's or organisation's own event: "the trial of X", "X will go on trial"."""
    who = ctx.entity_at(tok)
    if who is None or who.type not in (EntityType.PERSON, EntityType.ORG):
        return None
    # a person by surname: one report says "Efrain Castaneda Ruelas", another "Castaneda
    # Ruelas"; the NER may call the same name ORG in one report and PERSON in the other
    multiword = " " in who.name.strip()
    key = entity_id("person", who.name.split()[-1]) if who.type == EntityType.PERSON or (
        multiword and ctx.proper_org(tok) is None) else who.id
    return EntityRef(id=f"event:{head}@{key}", name=f"{head} of {who.name}",
                     type=EntityType.EVENT)  # fmt: skip


def _clause_anchor(ctx: ArticleContext, clause: Token) -> EntityRef | None:
    """The place of an event told by a clause: a local place in it, else the article's main
    local place; a country ("a landslide buried a village in Nepal") only when nothing more
    precise is named."""
    in_clause = [p for p in (ctx.place_at(t, allow_coref=False) for t in clause.subtree
                             if ctx.is_place_token(t)) if p is not None]  # fmt: skip
    # a gazetteer place before an unknown name ("on Lake Kivu near Goma": Goma), a town
    # before its region ("in El Obeid, in North Kordofan state": El Obeid)
    local = sorted((p for p in in_clause if ctx.is_local_place(p)),
                   key=lambda p: (not p.id.startswith("geo:"), p.rank != PlaceRank.CITY))
    return next(iter(local), None) or ctx.main_place or next(iter(in_clause), None)


def _anchored_event(ctx: ArticleContext, head: str,
                    anchor: EntityRef | None) -> EntityRef | None:  # fmt: skip
    if anchor is None:
        return None
    ref = EntityRef(id=f"event:{head}@{anchor.id}", name=f"{anchor.name} {head}",
                    type=EntityType.EVENT)  # fmt: skip
    ctx.anchors[ref.id] = anchor
    return ref


def _verb_event_ref(ctx: ArticleContext, verb: Token) -> EntityRef | None:
    """An event told by a verb: "a boat capsized", "a missile struck a market"."""
    if verb.pos_ != "VERB":
        return None
    lemma = _lemma(verb)
    head = ctx.lex.map("event_verbs").get(lemma)
    if head is None and lemma in ctx.lex.set("weapon_verbs"):
        weapons = ctx.lex.set("weapon_nouns")
        if any(_lemma(s) in weapons for s in _children(verb, "nsubj")):
            head = ctx.lex.map("event_nouns")["attack"]
    return _anchored_event(ctx, head, _clause_anchor(ctx, verb)) if head else None


def _find_event_near(ctx: ArticleContext, pred: Token) -> EntityRef | None:
    """The event a count is about: the predicate's subject, an "in/from/after <event>"
    phrase, a governing clause's subject ("an earthquake struck ..., killing 120")."""
    cur = pred
    for _ in range(3):
        if cur is not pred and (ev := _verb_event_ref(ctx, cur)):
            return ev  # "a bomb struck a market, killing seven"
        for c in cur.children:
            if c.dep_ in ("nsubj", "nsubjpass", "poss"):
                ev = _event_ref(ctx, c)
                if ev:
                    return ev
        for o in _prep_objects(cur, "in", "from", "after", "during", "by", "of", "since"):
            ev = _event_ref(ctx, o)
            if ev:
                return ev
        for clause in _children(cur, "advcl"):  # "45 died after floods hit Bahia"
            for c in _children(clause, "nsubj", "nsubjpass"):
                ev = _event_ref(ctx, c)
                if ev:
                    return ev
            if ev := _verb_event_ref(ctx, clause):  # "40 died when a boat capsized"
                return ev
        if cur.dep_ in ("advcl", "conj", "xcomp", "acl", "relcl", "ccomp") and cur.head != cur:
            if cur.dep_ in ("acl", "relcl"):
                ev = _event_ref(ctx, cur.head)
                if ev:
                    return ev
            cur = cur.head
        else:
            break
    for t in pred.sent:
        ev = _event_ref(ctx, t) or _verb_event_ref(ctx, t)
        if ev and ev.id.startswith("event:") and "@" in ev.id:
            return ev
    return None


# --- numbers -------------------------------------------------------------------------


# --- rules ---------------------------------------------------------------------------


def rule_place_location(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """X located_in Y for apposition, "the city of X in Y", "X is a town in Y",
    "X, in Y's Z Oblast", "X, Y" (Paris, Texas) and "the city, ... in Y" (coreference)."""
    settlements = ctx.lex.set("place_nouns")
    seen: set[tuple[str, str]] = set()
    for tok in sent:
        if tok.pos_ not in ("PROPN", "NOUN") and not namelike(tok):
            continue
        is_named = ctx.is_place_token(tok) or (
            tok.pos_ == "PROPN" and tok.dep_ in ("nsubj", "nsubjpass", "advmod", "pobj", "dobj",
                                                 "npadvmod", "appos", "ROOT")
            and ctx.mention_at(tok) is not None
        )  # fmt: skip
        if not is_named and namelike(tok) and ctx.mention_at(tok) is None:
            # an unrecognised name described as a place: "Vuhledar, a coal-mining town in",
            # "Kramatorsk, in eastern Ukraine's Donetsk Oblast"
            is_named = any(_lemma(a) in settlements | ctx.lex.set("container_of_nouns")
                           for a in _children(tok, "appos")) or (
                tok.dep_ == "pobj" and tok.head.lower_ == "of"
                and _lemma(tok.head.head) in settlements
            ) or (
                tok.i + 2 < len(tok.doc) and tok.doc[tok.i + 1].text == ","
                and tok.doc[tok.i + 2].lower_ == "in" and tok.i == tok.sent.start
            ) or (
                tok.dep_ in ("nsubj", "nsubjpass") and _lemma(tok.head) in ctx.lex.set(
                    "location_verbs")
            ) or bool(_location_clauses(ctx, tok)) or (
                _comma_descriptor(ctx, tok) is not None
            )  # fmt: skip
        coref = _lemma(tok) in ctx.lex.set("settlement_nouns") and tok.dep_ in ("nsubj",
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
        if tok.dep_ == "pobj" and tok.head.lower_ == "of" and _lemma(tok.head.head) in settlements:
            descriptors.append(tok.head.head)
        descriptors += [a for d in list(descriptors) for a in _children(d, "appos")]
        loose = _comma_descriptor(ctx, tok)
        if loose is not None and loose not in descriptors:
            descriptors.append(loose)
        if tok.dep_ == "appos":
            descriptors.append(tok.head)
        if tok.dep_ in ("nsubj", "nsubjpass"):
            verb = tok.head
            descriptors += _children(verb, "attr")
            descriptors += [c for c in _children(verb, "advcl", "npadvmod")
                            if c.pos_ in ("NOUN", "PROPN")]  # fmt: skip
            if _lemma(verb) in ctx.lex.set("location_verbs"):
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
                targets += _prep_objects(d.head, "in")
        # "X, in Y, had ..." : the prep hangs on the verb right after a comma
        if tok.i + 2 < len(tok.doc) and tok.doc[tok.i + 1].text == "," and \
                tok.doc[tok.i + 2].lower_ == "in":  # fmt: skip
            targets += _children(tok.doc[tok.i + 2], "pobj")
        for t in targets:
            if _lemma(t) in ("hand", "control", "custody", "detention"):
                continue
            if t.dep_ == "conj" or _children(t, "conj"):
                continue  # "the Islamic State in Syria and Iraq": X spans both, or is no place
            for y_tok in [t, *_children(t, "poss")]:
                y = ctx.place_at(y_tok, allow_coref=False)
                if y is None or y.id == x.id:
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
    return [c for c in _children(tok, "acl", "relcl")
            if _lemma(c) in ctx.lex.set("location_verbs") and _prep_objects(c, "in")]


def _place_evidence(ctx: ArticleContext, tok: Token, descriptors: list[Token]) -> bool:
    """Whether the text itself says an unlinked name is a place: "X, a town in Y", "the city
    of X", "X lies in Y", or a sentence opening "X, in Y, ..." (unless the NER saw a person).
    Without this, "Rep. Duncan Hunter (R-Calif.)" or "Apple Stores in London" would be
    places located somewhere."""
    words = ctx.lex.set("place_nouns") | ctx.lex.set("container_of_nouns") | ctx.lex.set(
        "location_verbs")
    if any(d is not tok and _lemma(d) in words for d in descriptors):
        return True
    m = ctx.mention_at(tok)
    doc = tok.doc
    return (tok.i == tok.sent.start and tok.i + 2 < len(doc) and doc[tok.i + 1].text == ","
            and doc[tok.i + 2].lower_ == "in" and (m is None or m.label != "PERSON"))


def _descriptor_targets(ctx: ArticleContext, d: Token) -> list[Token]:
    """Where a descriptor puts its place: "a town in Y", "the administrative centre of Y"
    (container_of_nouns), and "a city of about 100,000 people in Y", where the parser hangs
    "in Y" on the population count rather than on the descriptor."""
    targets = _prep_objects(d, "in")
    if _lemma(d) in ctx.lex.set("container_of_nouns"):
        targets += _prep_objects(d, "of")
    elif _lemma(d) in ctx.lex.set("settlement_nouns"):
        people = ctx.lex.set("people_nouns")
        for o in _prep_objects(d, "of"):
            if o.like_num or o.ent_type_ == "CARDINAL" or (
                _lemma(o) in people and any(c.like_num for c in o.children)
            ):
                targets += _prep_objects(o, "in")
    return targets


def _comma_descriptor(ctx: ArticleContext, tok: Token) -> Token | None:
    """"X, a town in Y" when the parser did not attach the apposition to X."""
    doc = tok.doc
    if tok.i + 2 >= len(doc) or doc[tok.i + 1].text != ",":
        return None
    for t in doc[tok.i + 2 : min(len(doc), tok.i + 7)]:
        if _lemma(t) in ctx.lex.set("settlement_nouns") and t.left_edge.i == tok.i + 2:
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


def rule_event_location_and_date(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """Events held in a place or scheduled for a date; organisations headquartered in."""
    held = ctx.lex.set("held_verbs")
    sched = ctx.lex.set("schedule_verbs")
    starts = ctx.lex.set("start_verbs")
    for tok in sent:
        head = _event_head(ctx, tok)
        ev = _event_ref(ctx, tok) if head else None
        incident = head in ctx.lex.set("place_anchored_events") - ctx.lex.set("gathering_events")
        if ev is None or incident:
            continue
        verbs: list[Token] = []
        verbs.extend(_children(tok, "acl", "relcl"))  # "the summit, scheduled for 14 May"
        if tok.dep_ in ("nsubj", "nsubjpass", "dobj"):
            verbs.append(tok.head)
            # "is to be held in", "is expected to take place in"
            for x in _children(tok.head, "xcomp"):
                verbs.append(x)
                verbs.extend(_children(x, "xcomp"))
        verbs.append(tok)
        for v in verbs:
            lemma = _lemma(v)
            # "take place", "go ahead", "get under way": the event happens (then/there)
            is_take_place = bool(_phrases(v) & ctx.lex.set("happen_phrases"))
            if lemma == "host" and v is not tok:
                # "Qatar will host the talks" / "the talks will be hosted by Doha"
                hosts = _prep_objects(v, "by") if _is_passive(v) else _children(v, "nsubj")
                for h in hosts:
                    place = ctx.place_at(h, allow_coref=False)
                    if place is not None and tok.dep_ in ("dobj", "nsubjpass"):
                        yield ctx.make_claim(v, ev, "held_in", object=place)
            if v is tok or lemma in held or is_take_place:
                for o in _prep_objects(v, "in", "at"):
                    place = ctx.place_at(o, allow_coref=False)
                    if place is not None and o.ent_type_ != "DATE":
                        yield ctx.make_claim(v, ev, "held_in", object=place)
            if v is tok or lemma in sched | held | starts or is_take_place:
                yield from _dates(ctx, v, ev)
            for a in _children(v, "acomp"):  # "the vote is due on 9 November"
                if _lemma(a) in ("due", "scheduled", "set", "slated", "expected"):
                    yield from _dates(ctx, a, ev)
    for tok in sent:  # "X will go on trial on 23 September", "X stands trial in May"
        if tok.pos_ != "VERB" or _lemma(tok) not in ("go", "stand", "face"):
            continue
        trial = [o for o in _prep_objects(tok, "on") + _children(tok, "dobj")
                 if _lemma(o) == "trial"]  # fmt: skip
        subj = subject_of(tok)
        ev = _event_of(ctx, "trial", subj) if trial and subj is not None else None
        if ev is not None:
            yield from _dates(ctx, tok, ev)
    hq = ctx.lex.set("hq_verbs")
    for tok in sent:
        if _lemma(tok) in hq and tok.pos_ == "VERB":
            subj = subject_of(tok)
            org = ctx.entity_at(subj) if subj is not None else None
            if org is None or org.type not in (EntityType.ORG,):
                continue
            for o in _prep_objects(tok, "in"):
                place = ctx.place_at(o, allow_coref=False)
                if place is not None:
                    yield ctx.make_claim(tok, org, "held_in", object=place)


def _dates(ctx: ArticleContext, v: Token, ev: EntityRef) -> Iterable[Claim]:
    cands: list[Token] = []
    preps = ["for", "on", "in"]
    if _lemma(v) in ctx.lex.set("reschedule_verbs"):
        preps += ["to", "until"]  # "postponed to 5 May", "delayed until June"
    for o in _prep_objects(v, *preps):
        text = ctx.doc[o.left_edge.i : o.right_edge.i + 1].text
        if o.ent_type_ == "DATE" or resolve(text, ctx.article.published_at) is not None:
            cands.append(o)
    cands += [c for c in _children(v, "npadvmod") if c.ent_type_ == "DATE"]
    for o in cands:
        span = ctx.doc[o.left_edge.i : o.right_edge.i + 1]
        resolved = resolve(span.text, ctx.article.published_at, prefer_future=True)
        if resolved is None:
            continue
        end = None if resolved.is_day else resolved.end
        yield ctx.make_claim(v, ev, "scheduled_for", on_date=resolved.start, on_date_end=end,
                             time=ctx.article.published_at)


def _control_target(ctx: ArticleContext, tok: Token) -> EntityRef | None:
    """The place in "control of (the whole territory of) X", "the city of X", "X"."""
    if _lemma(tok) in ctx.lex.set("control_nouns"):
        for o in _prep_objects(tok, "of", "over"):
            p = _control_target(ctx, o)
            if p is not None:
                return p
        return None
    return ctx.place_at(tok)


def _captor(ctx: ArticleContext, verb: Token, pred: Token) -> EntityRef | None:
    if _is_passive(verb):
        agents = _prep_objects(verb, "by")
        return ctx.side_of(agents[0], pred) if agents else None
    subj = subject_of(verb)
    return ctx.side_of(subj, pred) if subj is not None else None


def _armed_agent(ctx: ArticleContext, verb: Token) -> bool:
    """An active capture/hold verb only speaks of control when its subject is a side or an
    armed force ("Wagner fighters took Soledar", "the rebels seized Goma"); "Father O'Neal
    entered heaven" or "the company took control of the brand" are not about territory.
    Passives and subjectless verbs ("the town was captured") pass."""
    if _is_passive(verb):
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
    return ctx.side_of(subj, verb) is not None or any(
        t.lower_ in forces or _lemma(t) in forces for t in subj.subtree)


def _named_person(ctx: ArticleContext, tok: Token) -> bool:
    """"Gill Rosenberg was captured by IS": people are captured too. A full name the NER
    calls a person and the gazetteer does not know is a person, not a town."""
    m = ctx.mention_at(tok)
    if m is None or m.label != "PERSON" or (m.entity is not None
                                            and m.entity.id.startswith("geo:")):
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
        lemma = _lemma(tok)
        if tok.pos_ in ("VERB", "AUX"):
            if lemma in capture or lemma in hold:
                state = "captured" if lemma in capture else "held"
                targets = _children(tok, "nsubjpass") if _is_passive(tok) else _children(
                    tok, "dobj")  # fmt: skip
                # the parser sometimes hangs the object name as an adverb: "captured Bakhmut"
                targets += [c for c in _children(tok, "advmod", "npadvmod")
                            if c.pos_ in ("PROPN", "ADV") and ctx.is_place_token(c)]
                if not targets and not _is_passive(tok) and tok.i + 1 < len(ctx.doc):
                    # the small parser sometimes loses the object ("continue to hold Chasiv
                    # Yar, a spokesman said" parsed with the town as the subject of "said")
                    nxt = ctx.doc[tok.i + 1]
                    if ctx.is_place_token(nxt) and nxt.sent == tok.sent:
                        targets = [nxt]
                if lemma in ("take", "gain", "win", "seize") and not _is_passive(tok):
                    targets = [t for t in targets if _lemma(t) in lex.set("control_nouns")
                               or ctx.place_at(t) is not None]  # fmt: skip
                if not _armed_agent(ctx, tok) or ctx.past_episode(tok):
                    continue
                for t in targets:
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
                agents = _prep_objects(tok, "to")
                side = ctx.side_of(agents[0], tok) if agents else None
                yield ctx.make_claim(tok, place, "controlled_by", object=side, state="captured")
            elif lemma in withdraw:
                subj = subject_of(tok)
                side = ctx.side_of(subj, tok) if subj is not None else None
                for o in _prep_objects(tok, "from", "of") + _children(tok, "dobj"):
                    place = ctx.place_at(o)
                    if place is not None and side is not None:
                        yield ctx.make_claim(tok, place, "controlled_by", object=side,
                                             state="held", polarity=Polarity.NEGATED)
            # "Russian forces are in control of X"
            subj = subject_of(tok)
            if subj is not None and _lemma(tok) in ("be", "remain", "stay"):
                for o in _prep_objects(tok, "in"):
                    if _lemma(o) not in lex.set("control_nouns") - {"hand", "hands"}:
                        continue
                    for p in _prep_objects(o, "of"):
                        place = ctx.place_at(p)
                        side = ctx.side_of(subj, tok)
                        if place is not None and side is not None:
                            yield ctx.make_claim(tok, place, "controlled_by", object=side,
                                                 state="held")
            # "remains under Ukrainian control", "lies in the hands of Russian forces"
            if subj is not None and _lemma(tok) in ("remain", "be", "stay", "lie", "rest",
                                                    "come", "fall", "pass"):  # fmt: skip
                for o in _prep_objects(tok, "under", "in", "into"):
                    if _lemma(o) not in lex.set("control_nouns"):
                        continue
                    owned = _lemma(o) == "control" and _prep_objects(o, "of")
                    if owned and o.head.lower_ != "under":
                        continue  # "X is in control of Y": X controls, handled above
                    place = ctx.place_at(subj)
                    if place is None or (_lemma(o) in ("hand", "hands")
                                         and _named_person(ctx, subj)):  # fmt: skip
                        continue  # "Hartl is still in the hands of his abductors": status
                    owner = _prep_objects(o, "of")
                    side = ctx.side_of(owner[0], tok) if owner else ctx.side_of(
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
    lemma = _lemma(tok)
    withdrawal = lemma in ctx.lex.set("withdraw_nouns")
    if withdrawal:
        agents = _prep_objects(tok, "of", "by")
        side = ctx.side_of(agents[0], tok) if agents else None
        for o in _prep_objects(tok, "from"):
            place = ctx.place_at(o)
            if place is not None and side is not None:
                yield ctx.make_claim(tok, place, "controlled_by", object=side, state="held",
                                     noun_trigger=True, polarity=Polarity.NEGATED)
        return
    if lemma == "loss":
        return  # "the loss of X" says who lost it, rarely who holds it
    owners = _children(tok, "poss") + _prep_objects(tok, "of")
    places = [ctx.place_at(o) for o in owners if not _named_person(ctx, o)]
    agents = _prep_objects(tok, "by", "to")
    side = ctx.side_of(agents[0], tok) if agents else None
    for place in places:
        if place is not None:
            pol = ctx.polarity(tok, noun_trigger=True)
            yield ctx.make_claim(tok, place, "controlled_by", object=side, state="captured",
                                 noun_trigger=True, polarity=pol)


def rule_quantity(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    lex = ctx.lex
    verbs = lex.map("quantity_verbs")
    nouns = lex.map("quantity_nouns")
    tolls = lex.set("toll_nouns")
    for tok in sent:
        lemma = _lemma(tok)
        if tok.pos_ == "VERB" and lemma == "leave":
            # "the fires have left six people dead"
            states = [c for c in _children(tok, "oprd", "acomp", "xcomp", "ccomp", "amod")
                      if _lemma(c) in nouns or c.lower_ in nouns]  # fmt: skip
            for st in states:
                measure = nouns.get(st.lower_) or nouns[_lemma(st)]
                for noun in _children(tok, "dobj") + _children(st, "nsubj"):
                    q = quantity_of_noun(ctx, noun)
                    if q is not None:
                        yield from _quantity_claim(ctx, tok, measure, q)
        elif tok.pos_ == "VERB" and lemma in verbs | {"force": "", "drive": ""}:
            measure = verbs.get(lemma, "")
            counted = _children(tok, "dobj") if not _is_passive(tok) else []
            counted += _children(tok, "nsubjpass")
            if lemma in ("die", "perish", "flee"):
                counted += _children(tok, "nsubj")
            if lemma in lex.set("life_verbs"):  # "the quake has claimed 120 lives"
                lives = [c for c in counted if _lemma(c) == "life"]
                # "31 people lost their lives": the count is the subject's
                counted = lives if any(quantity_of_noun(ctx, c) for c in lives) else (
                    _children(tok, "nsubj") if lives else [])
                measure = "killed"
            if lemma in ("force", "drive"):
                home_words = ("home", "house", "village", "town", "area", "region")
                homes = [o for o in _prep_objects(tok, "from", "out")
                         if _lemma(o) in home_words]  # fmt: skip
                # "forced 3,000 people to leave their homes"
                homes += [o for x in _children(tok, "xcomp", "ccomp")
                          if _lemma(x) in ("leave", "flee", "evacuate", "abandon")
                          for o in _children(x, "dobj") if _lemma(o) in home_words]
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
                if c.dep_ in ("compound", "amod") and _lemma(c) in nouns:
                    measure = nouns[_lemma(c)]
            if measure is None:
                continue
            verb = tok.head
            values = _prep_objects(verb, "to", "at", "past", "above") + [
                c for c in _children(verb, "dobj", "attr") if c.like_num
                or c.ent_type_ in NUM_ENTS]  # fmt: skip
            for v in values:
                q = quantity_of_noun(ctx, v)
                if q is None:
                    continue
                ev = _find_event_near(ctx, tok) or _find_event_near(ctx, verb)
                if ev is not None:
                    yield _build_quantity(ctx, verb, ev, measure, q)
        elif tok.pos_ in ("NOUN", "ADJ") and lemma in nouns and tok.dep_ not in ("compound",):
            q = quantity_of_noun(ctx, tok)
            if q is None:
                continue
            yield from _quantity_claim(ctx, tok, nouns[lemma], q)


def _quantity_claim(ctx: ArticleContext, pred: Token, measure: str,
                    q: tuple[Token, str, str | None]) -> Iterable[Claim]:  # fmt: skip
    ev = _find_event_near(ctx, pred)
    if ev is None:
        return
    yield _build_quantity(ctx, pred, ev, measure, q)


def _build_quantity(ctx: ArticleContext, pred: Token, ev: EntityRef, measure: str,
                    q: tuple[Token, str, str | None]) -> Claim:  # fmt: skip
    _, text, unit = q
    quantity = parse_quantity(text, unit=unit)
    if quantity is None:
        quantity = parse_quantity(text.split()[-1], unit=unit)
    if quantity is None:
        raise _Skip
    return ctx.make_claim(pred, ev, f"quantity:{measure}", value=quantity)


class _Skip(Exception):
    pass


def rule_status(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    lex = ctx.lex
    verbs = lex.map("status_verbs")
    remain = lex.map("status_remain_preps")
    adjectives = lex.map("status_adjectives")
    facilities = lex.set("status_closure_subjects")
    for tok in sent:
        lemma = _lemma(tok)
        if tok.pos_ not in ("VERB", "AUX"):
            continue
        state: str | None = None
        subj_tok: Token | None = None
        if lemma in verbs:
            state = verbs[lemma]
            if _is_passive(tok):
                subj_tok = next(iter(_children(tok, "nsubjpass")), None)
            elif lemma in ("die", "reopen", "open", "close", "shut") and not _children(
                tok, "dobj"
            ):
                subj_tok = subject_of(tok)
                if subj_tok is None and tok.dep_ == "acl" and tok.head.dep_ in ("ccomp",
                                                                             "ROOT"):
                    # "The Rafah crossing reopened on Monday, officials said": the main verb
                    # parsed as a clause on a noun that stands where a verb should be
                    subj_tok = tok.head
            elif lemma in ("release", "free", "detain", "arrest", "jail", "imprison"):
                subj_tok = next(iter(_children(tok, "dobj")), None)
        oprd = _status_complement(ctx, tok)
        if oprd is not None:  # "was set free", "was found dead", "kidnappers set him free"
            state = oprd
            objs = _children(tok, "nsubjpass") if _is_passive(tok) else _children(tok, "dobj")
            subj_tok = next(iter(objs), None)
        if lemma in ("remain", "stay", "be", "continue", "sit"):
            subj_tok = subject_of(tok)
            for o in _prep_objects(tok, "in", "behind"):
                if _lemma(o) in remain:
                    state = remain[_lemma(o)]
            for c in _children(tok, "acomp", "attr", "oprd"):
                if c.lower_ in adjectives or _lemma(c) in adjectives:
                    state = adjectives.get(c.lower_) or adjectives[_lemma(c)]
        if state is None or subj_tok is None or ctx.past_episode(tok):
            continue
        subject = _statussubject_of(ctx, subj_tok, state, facilities)
        if subject is None:
            continue
        yield ctx.make_claim(tok, subject, "status", state=state)


def rule_occurrence(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """That an incident happened, or did not: "an explosion occurred at the plant" vs "no
    explosion had taken place at its plant"."""
    happen = ctx.lex.set("happen_verbs")
    for tok in sent:
        head = _event_head(ctx, tok)
        if head is None or head not in ctx.lex.set("place_anchored_events"):
            continue
        verb = tok.head
        if tok.dep_ not in ("nsubj", "nsubjpass"):
            continue
        if _lemma(verb) not in happen and "take place" not in _phrases(verb):
            continue
        ev = _event_ref(ctx, tok)
        if ev is None:
            continue
        none = any(c.dep_ == "det" and c.lower_ == "no" for c in tok.children)
        yield ctx.make_claim(verb, ev, "event:occur",
                             polarity=Polarity.NEGATED if none else None)  # fmt: skip


def _status_complement(ctx: ArticleContext, tok: Token) -> str | None:
    """The state an object complement gives: "set free" -> released, "found dead" -> dead,
    for the verbs in status_oprd_verbs only ("set" alone says nothing about status)."""
    if _lemma(tok) not in ctx.lex.set("status_oprd_verbs"):
        return None
    adjectives = ctx.lex.map("status_adjectives")
    for c in _children(tok, "oprd", "acomp", "ccomp", "xcomp"):
        if c.pos_ == "ADJ" and (c.lower_ in adjectives or _lemma(c) in adjectives):
            return adjectives.get(c.lower_) or adjectives[_lemma(c)]
    return None


def _statussubject_of(ctx: ArticleContext, tok: Token, state: str,
                    facilities: frozenset[str]) -> EntityRef | None:  # fmt: skip
    if state in ("open", "closed"):
        if _lemma(tok) in facilities:
            # "the (Toussaint Louverture International) airport in Port-au-Prince": one
            # facility whether or not a report names it
            for o in _prep_objects(tok, "in", "at"):
                where = ctx.place_at(o, allow_coref=False)
                if where is not None:
                    return EntityRef(id=f"thing:{_lemma(tok)}@{where.id}",
                                     name=f"{tok.lower_} in {where.name}",
                                     type=EntityType.OTHER)  # fmt: skip
            named = [c for c in tok.children if c.dep_ in ("compound", "nmod", "poss")
                     and c.pos_ == "PROPN"]  # fmt: skip
            if named:
                name = " ".join([clean_name(c.text) for c in named] + [tok.text])
                return EntityRef(id=entity_id("name", name), name=name, type=EntityType.OTHER)
        place = ctx.place_at(tok, allow_coref=False)
        return place
    ref = ctx.entity_at(tok)
    if ref is not None and ref.type == EntityType.PERSON:
        return ref
    if tok.lower_ in ("he", "she"):  # "he remains in captivity"
        return ctx.salient_person(tok)
    if ref is None and tok.pos_ == "NOUN":  # "the missing climber Anna Berg was found dead"
        for a in _children(tok, "appos"):
            appos = ctx.entity_at(a)
            if appos is not None and appos.type == EntityType.PERSON:
                return appos
    m = ctx.mention_at(tok)
    if ref is not None and m is not None and m.label == "PERSON" and m.entity is None:
        return ref.model_copy(update={"type": EntityType.PERSON})
    # A full proper name that is released or held is a person, whatever the NER said, unless
    # it names an event or a company ("the World Hydrogen Congress will be held in ...")
    # (the NER often calls an unfamiliar person ORG; but products are "released" too: "the
    # Apple Watch will be released")
    labels = ("PERSON", "NORP") if state == "released" else ("PERSON", "ORG", "NORP")
    if tok.pos_ == "PROPN" and (m is None or m.label in labels):
        full = person_name(tok)
        not_person = ctx.lex.set("org_suffixes") | set(ctx.lex.map("event_nouns"))
        if full is not None and tok.lower_ not in not_person and _lemma(tok) not in not_person:
            return EntityRef(id=entity_id("person", full), name=full,
                             type=EntityType.PERSON)  # fmt: skip
    return None


def person_name(tok: Token) -> str | None:
    """"Tomasz Wrona": the head name and its capitalised first-name compounds (the tagger
    sometimes takes an unfamiliar first name for a common noun)."""
    parts = [c for c in tok.children if c.dep_ == "compound" and c.i < tok.i
             and (c.pos_ == "PROPN" or (c.is_title and c.pos_ == "NOUN"))]  # fmt: skip
    if not parts:
        return None
    span = tok.doc[parts[0].i : tok.i + 1]
    if not all(t.is_title for t in span):
        return None  # "Hip hop pioneer dies"
    return span.text




def rule_office(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """"Y chief executive X", "X, the chief executive of Y", "X, Y's CEO", "X is CEO of Y"."""
    seen: set[int] = set()
    # "its chief executive X", "profit rose, chief executive X said": the one organisation
    # the sentence names
    orgs = {o.id: (t.i, o) for t in sent for m2 in [ctx.mention_at(t)]
            if m2 is not None and m2.label == "ORG"
            for o in [ctx.org_of_mention(m2)] if o is not None}  # fmt: skip
    only = next(iter(orgs.values())) if len(orgs) == 1 else None
    for tok in sent:
        m = ctx.mention_at(tok)
        if m is None or id(m) in seen:
            continue
        person = ctx.ref_of_mention(m)
        if person.type != EntityType.PERSON:
            continue
        # the head token of the person's name
        toks = [t for t in sent if ctx.mention_at(t) is m]
        head = next((t for t in toks if t.head not in toks), toks[-1])
        seen.add(id(m))
        phrases: list[list[Token]] = []
        left = [t for t in ctx.doc[head.left_edge.i : toks[0].i]]
        if left:
            phrases.append(left)
            for prep in _children(head, "prep"):  # "Foreign Minister X of Verenia"
                if prep.lower_ == "of":
                    phrases.append(left + list(prep.subtree))
        for a in _children(head, "appos"):
            phrases.append(list(a.subtree))
        if head.dep_ == "appos":
            # "the mayor of Kraljevo, Milena Stojkovic": the parser may hang the name on
            # "Kraljevo"; the title is the noun above the "of" phrase
            top = head.head
            while top.dep_ == "pobj" and top.head.dep_ == "prep" and top.head.head.i != top.i:
                top = top.head.head
            phrases.append([t for t in top.subtree if t.i < head.i])
        holds = ctx.lex.set("office_holding_verbs")
        if head.dep_ == "nsubj" and _lemma(head.head) in holds:  # "X is/became CEO of Y"
            phrases += _office_complements(head.head)
        for rel in _children(head, "relcl"):  # "X, who became chief executive of Y in 2023"
            if _lemma(rel) in holds:
                phrases += _office_complements(rel)
        # the guess holds for an organisation named before the person ("profit rose, chief
        # executive X said"), not one in a later clause ("CEO Jeff Bewkes said ... who do
        # not subscribe to HBO": Bewkes heads HBO's parent)
        own = only[1] if only is not None and only[0] < head.i else None
        found = next(filter(None, (_office_in(ctx, words, sentence_org=own)
                                   for words in phrases)), None)  # fmt: skip
        if found is None:
            found = _appointment(ctx, head)
        if found is not None:
            org, title = found
            yield ctx.make_claim(head, org, f"office:{title}", object=person)


def _office_complements(verb: Token) -> list[list[Token]]:
    """The title phrases of "is/became CEO of Y", "serves as chief executive of Y"."""
    comps = _children(verb, "attr", "oprd") + _prep_objects(verb, "as")
    return [list(c.subtree) for c in comps]


def _appointment(ctx: ArticleContext, person: Token) -> tuple[EntityRef, str] | None:
    """"Y named/appointed X (as) its new chief executive", "X was named CEO of Y": the
    appointed person holds the office from then on ("new" is no obstacle here, unlike in
    "the new CEO" of an unnamed company). The organisation is in the title phrase or is the
    verb's subject."""
    verb = person.head
    if _lemma(verb) not in ctx.lex.set("appointment_verbs") or person.dep_ not in (
        "dobj", "nsubjpass", "oprd"
    ):
        return None
    if _children(verb, "neg"):
        return None
    # "named X chief executive, replacing Y, who retires in June": a handover in progress,
    # during which reports of Y as chief executive are no contradiction
    if any(_lemma(t) in ctx.lex.set("handover_words") for t in verb.sent):
        return None
    subj = None if person.dep_ == "nsubjpass" else subject_of(verb)
    org: EntityRef | None = None
    if subj is not None:
        m = ctx.mention_at(subj)
        org = ctx.proper_org(subj) or (ctx.org_of_mention(m) if m is not None and
                                       m.label == "ORG" else None)  # fmt: skip
    for words in _office_complements(verb):
        found = _office_in(ctx, words, default_org=org, allow_new=True)
        if found is not None:
            return found
    return None


def _office_in(ctx: ArticleContext, words: list[Token], default_org: EntityRef | None = None,
               allow_new: bool = False, sentence_org: EntityRef | None = None,
               ) -> tuple[EntityRef, str] | None:  # fmt: skip
    """(organisation, title) of a title phrase. `default_org` is the appointing organisation
    ("Acme named X its president"); `sentence_org` the one organisation the sentence names,
    a guess for a bare company title ("chief executive X said"), never for a country's."""
    offices = ctx.lex.map("offices")
    org: EntityRef | None = None
    org_ids: set[int] = set()
    place: tuple[EntityRef, set[int]] | None = None  # for the offices of a country or city
    for t in words:
        m = ctx.mention_at(t)
        if m is not None and place is None and m.label == "GPE":
            ref = ctx.place_at(t, allow_coref=False)
            if ref is not None:
                place = (ref, {w.i for w in words if ctx.mention_at(w) is m})
        if m is not None and org is None and m.label not in ("GPE", "LOC", "NORP", "DATE",
                                                             "PERSON"):  # fmt: skip
            org = ctx.org_of_mention(m)
            if org is not None:
                org_ids = {w.i for w in words if ctx.mention_at(w) is m}
    if org is None and any(t.lower_ in ("company", "firm", "group", "bank", "carrier")
                           and any(c.dep_ == "case" for c in t.children) for t in words):
        org = ctx.salient_org()  # "the company's CEO, X"
    by_place = org is None and place is not None
    if by_place and place is not None:
        org, org_ids = place
    elif org is None and default_org is not None and any(t.lower_ in ("its", "their") or
                                                         t.dep_ != "prep" for t in words):
        org = default_org  # "Acme named X as its chief executive"
    elif org is None:
        org = sentence_org
    if org is None:
        return None
    rest = [t.lower_ for t in words if t.i not in org_ids and t.pos_ not in ("DET", "PUNCT")
            and t.dep_ != "case"]  # fmt: skip
    text = " " + " ".join(rest) + " "
    former = ctx.lex.set("former_words") - ({"new", "incoming"} if allow_new else set())
    if any(w in former or w.split("-")[0] + "-" in former for w in rest):
        return None
    for key in sorted(offices, key=len, reverse=True):
        if f" {key} " in text:
            title = offices[key]
            if title in ctx.lex.set("shared_titles") or _sub_office(ctx, words, key, org_ids):
                return None
            if by_place and title not in ctx.lex.set("place_offices"):
                # "a Kenyan trade official": no office of Kenya's; "the London-based
                # lender's chief executive": the lender's, when known
                if (default_org or sentence_org) is None:
                    return None
                org = default_org or sentence_org
            if org is sentence_org and title in ctx.lex.set("place_offices"):
                return None  # "President Obama" in a sentence about ISIS
            if org is None:
                return None
            return org, title
    return None


def _sub_office(ctx: ArticleContext, words: list[Token], key: str, org_ids: set[int]) -> bool:
    """"head of marketing", "chief executive of its UK unit": the title is qualified by
    something other than the organisation, so it is one of many such offices."""
    last = key.split()[-1]
    company = {"company", "firm", "group", "bank", "carrier", "business", "corporation"}
    for t in words:
        if t.lower_ != last:
            continue
        for o in _prep_objects(t, "of", "for", "at"):
            if o.i not in org_ids and _lemma(o) not in company and ctx.mention_at(o) is None:
                return True
    return False


def rule_plans(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """"Y will close its X plant" vs "Y denied that it plans to close", "no plans to close"."""
    lex = ctx.lex
    plan_verbs, markers = lex.set("plan_verbs"), lex.set("plan_markers") | lex.set("plan_nouns")
    for tok in sent:
        if tok.pos_ != "VERB" or _lemma(tok) not in plan_verbs:
            continue
        future = any(c.dep_ == "aux" and c.lower_ in ("will", "would", "'ll", "shall")
                     for c in tok.children)  # fmt: skip
        planned = (tok.dep_ in ("xcomp", "acl") and _lemma(tok.head) in markers) or (
            tok.dep_ == "pcomp" and _lemma(tok.head.head) in markers  # "no intention of closing"
        )
        denied = any(ctx.is_denial(a) for a in ctx.ancestors_in_clause(tok))
        # what happened or did not: "X signed the deal" / "X did not sign the deal"
        done = tok.tag_ == "VBD" or (
            tok.tag_ == "VBN" and any(_lemma(c) == "have" for c in _children(tok, "aux"))
        )
        negated = any(c.dep_ == "neg" for c in tok.children)
        if not (future or planned or denied or done or negated):
            continue
        # a passive subject is what is acted on ("reports that the airport would be
        # closed"), not who acts
        agent_tok = None if _is_passive(tok) else subject_of(tok)
        cur = tok
        for _ in range(4):  # "we have no plans to close", "has no intention of closing"
            if agent_tok is not None or cur.head.i == cur.i:
                break
            cur = cur.head
            if cur.pos_ in ("VERB", "AUX"):
                agent_tok = subject_of(cur)
        if agent_tok is None:
            continue
        objs = _children(tok, "dobj") or _children(tok, "nsubjpass")  # "the plant would be
        thing = _thing(ctx, objs[0]) if objs else None  # closed": the plant is the thing
        # "Meridian and Castello agreed to merge": each of them
        for a in (agent_tok, *_children(agent_tok, "conj")):
            agent = _agent(ctx, a)
            if agent is not None:
                yield ctx.make_claim(tok, agent, f"event:{_lemma(tok)}", object=thing)


def _agent(ctx: ArticleContext, tok: Token) -> EntityRef | None:
    if tok.pos_ == "PRON" and tok.lower_ in ("it", "we", "they"):
        return ctx.salient_org()
    org = ctx.proper_org(tok)
    if org is not None:
        return org
    m = ctx.mention_at(tok)
    if m is not None and (m.label == "ORG" or (m.entity is not None
                                               and m.entity.type == EntityType.ORG)):
        return ctx.org_of_mention(m)
    ref = ctx.entity_at(tok)
    if ref is not None and ref.type in (EntityType.ORG, EntityType.PERSON, EntityType.PLACE):
        return ref
    if _lemma(tok) in ("company", "firm", "group", "carmaker", "automaker", "government"):
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
    head = _lemma(tok)
    name = np_text(tok)
    tid = f"thing:{head}@{anchor.id}" if anchor else f"thing:{head}"
    return EntityRef(id=tid, name=name or head, type=EntityType.OTHER)


def rule_deal_value(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """The value of a deal between named organisations: "Kestrel agreed to buy Dunmore for
    $1.2 billion" vs "Dunmore is being sold to Kestrel in a deal worth $780 million"."""
    lex = ctx.lex
    if not any(_lemma(t) in lex.set("deal_words") for t in sent):
        return
    parties = _deal_parties(ctx, sent)
    if not parties:
        return
    for ent in _money_spans(ctx, sent):
        nxt = ctx.doc[ent.end : ent.end + 2]
        if any(t.lower_ in lex.set("per_unit_words") for t in nxt):
            continue  # "$30 a share"
        anchor = ent.root.head
        before = ctx.doc[max(sent.start, ent.start - 2) : ent.start]
        if not (_lemma(anchor) in lex.set("deal_value_heads")
                or any(t.lower_ in ("worth", "valued") for t in before)):  # fmt: skip
            continue
        value = parse_money(ent.text)
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
        else:
            continue
        if org is not None and org.type == EntityType.ORG:
            found[org.id] = org
    orgs = list(found.values())
    keep = [o for o in orgs if not any(o is not p and o.name.lower() in p.name.lower()
                                       for p in orgs)]  # fmt: skip
    return sorted(keep, key=lambda o: o.id)


RULES: list[Rule] = [
    rule_place_location,
    rule_event_location_and_date,
    rule_control,
    rule_quantity,
    rule_deal_value,
    rule_status,
    rule_occurrence,
    rule_office,
    rule_plans,
]


def extract_claims(
    doc: Doc,
    mentions: list[Mention],
    article: ArticleLike,
    lexicon: Lexicon | None = None,
) -> list[Claim]:
    """All claims of one parsed article, in text order, without duplicates."""
    return read_claims(doc, mentions, article, lexicon).claims


@dataclass
class Reading:
    """What extraction made of an article: its claims, and the claims it read from clauses
    the report does not assert, with the reason (for `claimwatch explain`)."""

    claims: list[Claim]
    dropped: list[tuple[Claim, str]] = field(default_factory=list)


def read_claims(doc: Doc, mentions: list[Mention], article: ArticleLike,
                lexicon: Lexicon | None = None) -> Reading:  # fmt: skip
    ctx = ArticleContext(doc=doc, mentions=mentions, article=article,
                         lex=lexicon or load_lexicon())  # fmt: skip
    claims: dict[str, Claim] = {}
    previous: list[str] = []
    for sent in doc.sents:
        found: list[str] = []
        for rule in RULES:
            try:
                for claim in rule(ctx, sent):
                    claims.setdefault(claim.id, claim)
                    found.append(claim.id)
            except _Skip:
                continue
        said = {(claims[c].subject.id, claims[c].relation) for c in found}
        for _, claim in frame_claims(ctx, read_frames(sent, ctx.lex)):
            if (claim.subject.id, claim.relation) not in said:
                claims.setdefault(claim.id, claim)
                found.append(claim.id)
        if _denies_what_came_before(ctx, sent):
            for cid in previous:
                if claims[cid].polarity == Polarity.ASSERTED:
                    claims[cid] = claims[cid].model_copy(update={"modality": Modality.DISPUTED})
        previous = found
    kept = [c for cid, c in claims.items() if cid not in ctx.unasserted]
    kept += [o for c in kept if (o := _where_by_count(ctx, c)) is not None]
    dropped = [(c, ctx.unasserted[cid]) for cid, c in claims.items() if cid in ctx.unasserted]
    return Reading(claims=sorted(kept, key=lambda c: (c.start, c.relation, c.id)),
                   dropped=sorted(dropped, key=lambda d: d[0].start))  # fmt: skip


def _where_by_count(ctx: ArticleContext, claim: Claim) -> Claim | None:
    """Where an incident happened, keyed on the incident and its exact toll: "a cholera
    outbreak in Larkana has killed 11 children" and "eleven children have died in an
    outbreak in Jaffarabad" tell of one outbreak (same kind, same count, same day) placed
    in two provinces. A count of five or more, stated exactly, is what identifies it."""
    anchor = ctx.anchors.get(claim.subject.id)
    q = claim.value
    if anchor is None or q is None or not claim.relation.startswith("quantity:"):
        return None
    if q.bound != Bound.EXACT or q.upper is not None or q.value < 5:
        return None
    head = claim.subject.id.split(":", 1)[1].split("@", 1)[0]
    measure = claim.relation.split(":", 1)[1]
    unit = f" {q.unit}" if q.unit else ""
    event = EntityRef(id=f"event:{head}#{measure}={q.value:g}{unit.replace(' ', ':')}",
                      name=f"{head} ({q.value:g}{unit} {measure})", type=EntityType.EVENT)
    return claim.model_copy(update={"id": "", "subject": event, "relation": "occurred_in",
                                    "object": anchor, "value": None}).with_id()


def _denies_what_came_before(ctx: ArticleContext, sent: Span) -> bool:
    """"Ukraine's General Staff denied the claim." / "Kyiv rejected this.": a sentence that
    denies the previous one's claims instead of stating its own."""
    claim_nouns = ctx.lex.set("claim_nouns")
    for tok in sent:
        if tok.pos_ != "VERB" or not ctx.is_denial(tok):
            continue
        for obj in _children(tok, "dobj"):
            # not "denied the claim that X": that claim is in the sentence, judged there
            bare = not any(c.dep_ in ("acl", "relcl", "prep") for c in obj.children)
            if bare and (_lemma(obj) in claim_nouns or obj.lower_ in ("this", "that", "it")):
                return True
    return False
