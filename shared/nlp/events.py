"""Which event a phrase or clause tells of, as an entity: "the presidential run-off" ->
event:run-off, "the quake" in Valdera -> event:earthquake@<Valdera>, "the trial of X",
"a boat capsized" -> event:capsizing@<place>; and the event a casualty count is about.

Shared by the rules for held/scheduled events, counts and occurrences (rules/), so it is
its own module. Disasters and incidents are anchored on a place, so that two quakes in two
provinces stay apart while "the peace summit" and "the summit" compare.
"""

from __future__ import annotations

from spacy.tokens import Token

from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.domain.ids import entity_id
from shared.nlp.claim_context import ArticleContext
from shared.nlp.deps import children, lemma_of, prep_objects, route_end
from shared.nlp.names import clean_name


def _hyphen_word(tok: Token) -> str | None:
    """"run-off" when the tokenizer split it into run / - / off (head: "off")."""
    doc = tok.doc
    if tok.i >= 2 and doc[tok.i - 1].text == "-" and doc[tok.i - 2].head.i == tok.i:
        return f"{doc[tok.i - 2].lower_}-{tok.lower_}"
    return None


def _event_token(ctx: ArticleContext, tok: Token) -> Token | None:
    """The token naming an event: tok itself, or "talks" in "the next round of talks"."""
    events = ctx.lex.map("event_nouns")
    if lemma_of(tok) in ("round", "edition", "session", "part", "opening", "start",
                       "beginning", "resumption") and tok.pos_ == "NOUN":  # fmt: skip
        for o in prep_objects(tok, "of"):
            inner = _event_token(ctx, o)
            if inner is not None:
                return inner
    if tok.pos_ not in ("NOUN", "PROPN") or tok.ent_type_ in ("DATE", "TIME"):
        return None  # (the month of March is no march)
    if lemma_of(tok) in events or tok.lower_ in events or _hyphen_word(tok) in events:
        return tok
    if tok.is_sent_start and tok.pos_ == "PROPN" and tok.lower_.removesuffix("s") in events:
        return tok  # "Landslides killed 14": a capitalised plural the tagger took for a name
    return None


def event_head(ctx: ArticleContext, tok: Token) -> str | None:
    """The canonical event noun (quake -> earthquake) of the event tok names, if any."""
    ev = _event_token(ctx, tok)
    if ev is None:
        return None
    events = ctx.lex.map("event_nouns")
    word = _hyphen_word(ev)
    if word is not None and word in events:
        return events[word]
    return events.get(lemma_of(ev)) or events.get(ev.lower_) or events[ev.lower_.removesuffix("s")]


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


def event_ref(ctx: ArticleContext, tok: Token) -> EntityRef | None:
    head = event_head(ctx, tok)
    ev_tok = _event_token(ctx, tok)
    if head is None or ev_tok is None:
        return None
    local = ctx.lex.set("local_event_modifiers")
    # the words right before the noun: the parser often breaks "the mayoral by-election"
    before = ctx.doc[max(ev_tok.sent.start, ev_tok.i - 3) : ev_tok.i]
    if head in ctx.lex.set("place_anchored_events") or any(t.lower_ in local for t in before):
        # whether the text names the place (not only the story, nor a place it was near)
        anchor, approx = _phrase_place(ctx, tok)
        stated = not approx
        if anchor is None:
            for c in tok.children:
                if c.dep_ in ("compound", "nmod", "poss") and ctx.is_place_token(c):
                    anchor = ctx.place_at(c, allow_coref=False)
                    break
        if anchor is None and tok.dep_ == "nsubj":
            # "floods hit Bahia", "the quake struck the province of Valdera"
            for o in children(tok.head, "dobj") + prep_objects(tok.head, "in", "near"):
                anchor = ctx.place_at(o, allow_coref=False)
                if anchor:
                    break
        if anchor is None and tok.dep_ in ("nsubj", "nsubjpass"):
            # "a cyclone tore through Mozambique's Sofala province"
            anchor, stated = _clause_anchor(ctx, tok.head)
        if anchor is not None and anchor.rank in (PlaceRank.ADMIN1, PlaceRank.ADMIN2):
            # "a strike on a base in El Obeid, in North Kordofan state": the town in it
            town = next((p for t in tok.sent if ctx.is_place_token(t)
                         for p in [ctx.place_at(t, allow_coref=False)]
                         if p is not None and p.rank == PlaceRank.CITY
                         and anchor.id in p.ancestors), None)  # fmt: skip
            anchor = town or anchor
        # a national vote ("local elections" in Chad) is anchored on the country
        stated = stated and anchor is not None
        return _anchored_event(ctx, head, anchor or ctx.main_place or ctx.main_area, stated)
    name = _event_name(ctx, ev_tok)
    if head in ctx.lex.set("generic_event_nouns") and " " not in name:
        # a bare "the meeting" / "the trial": too many of them to key on the noun, unless
        # it says whose ("the trial of Ruslan Adzhiev")
        for o in prep_objects(ev_tok, "of", "against"):
            if ev := event_of(ctx, head, o):
                return ev
        return None
    return EntityRef(id=f"event:{head}", name=name, type=EntityType.EVENT)


def event_of(ctx: ArticleContext, head: str, tok: Token) -> EntityRef | None:
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


def _phrase_place(ctx: ArticleContext, tok: Token) -> tuple[EntityRef | None, bool]:
    """The place an event noun's phrase names: "the quake in Valdera", "a bus accident on
    the X highway in Ayacucho" (a known place before a name the gazetteer lacks); and
    whether the phrase puts the event only near it ("near Dhaka", "on the outskirts of")."""
    found: list[tuple[EntityRef, bool]] = []
    near = ctx.lex.set("nearness_words")
    # (and "an outbreak centred in X": the participle's place)
    objects = prep_objects(tok, "in", "near", "off", "across", "on", "at") + [
        o for c in children(tok, "acl") for o in prep_objects(c, "in", "near")]
    for o in objects:
        approx = o.head.lower_ in near or lemma_of(o) in near
        # ("in the Ratnapura district": the name before the place noun)
        for t in (o, *children(o, "compound"), *prep_objects(o, "in", "near", "of")):
            if (p := ctx.place_at(t, allow_coref=False)) is not None:
                found.append((p, approx or t.head.lower_ in near))
    best = next((f for f in found if f[0].id.startswith("geo:")), None) or next(iter(found),
                                                                                None)
    return best if best is not None else (None, False)


def _counted_subject(pred: Token) -> bool:
    subj = [c for c in pred.children if c.dep_ in ("nsubj", "nsubjpass")]
    if len(subj) != 1 or pred.dep_ in ("relcl", "advcl", "acl"):
        return False
    s = subj[0]
    counted = s.like_num or any(c.dep_ == "nummod" and c.like_num for c in s.children)
    vague = s.lower_ in ("dozens", "hundreds", "thousands", "scores", "millions")
    return counted and not vague and not any(c.dep_ == "agent" for c in pred.children)


def _clause_anchor(ctx: ArticleContext, clause: Token) -> tuple[EntityRef | None, bool]:
    """The place of an event told by a clause: a local place in it, else the article's main
    local place; a country ("a landslide buried a village in Nepal") only when nothing more
    precise is named. And whether the clause names it as where the event was (not "near
    the capital Dhaka")."""
    near = ctx.lex.set("nearness_words")
    placed = [(t, p) for t in clause.subtree if ctx.is_place_token(t) and not route_end(t)
              for p in [ctx.place_at(t, allow_coref=False)] if p is not None]  # fmt: skip
    in_clause = [p for _, p in placed]
    # a gazetteer place before an unknown name ("on Lake Kivu near Goma": Goma), a town
    # before its region ("in El Obeid, in North Kordofan state": El Obeid)
    # (and one in the story's country before one abroad, often a namesake the linker chose:
    # "the Inca ruins" is no town in Mallorca)
    home = ctx.main_country[0] if ctx.main_country else None
    local = sorted(((t, p) for t, p in placed if ctx.is_local_place(p)),
                   key=lambda tp: (home is not None and (tp[1].country or "").lower() != home,
                                   not tp[1].id.startswith("geo:"),
                                   tp[1].rank != PlaceRank.CITY))  # fmt: skip
    if local:
        tok, place = local[0]
        before = ctx.doc[max(tok.sent.start, tok.i - 4) : tok.i]
        return place, not any(t.lower_ in near for t in before)
    if ctx.main_place is not None:
        return ctx.main_place, False
    return next(iter(in_clause), None), True


def _anchored_event(ctx: ArticleContext, head: str, anchor: EntityRef | None,
                    stated: bool) -> EntityRef | None:  # fmt: skip
    if anchor is None:
        return None
    ref = EntityRef(id=f"event:{head}@{anchor.id}", name=f"{anchor.name} {head}",
                    type=EntityType.EVENT)  # fmt: skip
    ctx.anchors[ref.id] = anchor
    if stated:
        ctx.stated_anchors.add(ref.id)
    return ref


def _verb_event_ref(ctx: ArticleContext, verb: Token) -> EntityRef | None:
    """An event told by a verb: "a boat capsized", "a missile struck a market"."""
    if verb.pos_ != "VERB":
        return None
    lemma = lemma_of(verb)
    head = ctx.lex.map("event_verbs").get(lemma)
    subjects = {lemma_of(s) for s in children(verb, "nsubj")}
    if head is not None and not _names_its_event(ctx, verb, subjects):
        return None  # "gunfire erupted": no eruption
    if head is None and lemma in ctx.lex.set("weapon_verbs"):
        if subjects & ctx.lex.set("weapon_nouns"):
            head = ctx.lex.map("event_nouns")["attack"]
        elif subjects & ctx.lex.set("vehicle_nouns"):
            head = ctx.lex.map("event_nouns")["crash"]
    return _anchored_event(ctx, head, *_clause_anchor(ctx, verb)) if head else None


def _names_its_event(ctx: ArticleContext, verb: Token, subjects: set[str]) -> bool:
    """An event verb that needs a subject of its kind has one (lexicon
    `event_verb_subjects`: "the volcano erupted", "Kanlaon erupted")."""
    needed = ctx.lex.raw.get("event_verb_subjects", {}).get(lemma_of(verb))
    if needed is None:
        return True
    return bool(subjects & set(needed)) or any(
        s.pos_ == "PROPN" for s in children(verb, "nsubj"))


def find_event_near(ctx: ArticleContext, pred: Token) -> EntityRef | None:
    """The event a count is about: the predicate's subject, an "in/from/after <event>"
    phrase, a governing clause's subject ("an earthquake struck ..., killing 120")."""
    cur = pred
    for _ in range(3):
        if cur is not pred and (ev := _verb_event_ref(ctx, cur)):
            return ev  # "a bomb struck a market, killing seven"
        for c in cur.children:
            if c.dep_ in ("nsubj", "nsubjpass", "poss"):
                ev = event_ref(ctx, c)
                if ev:
                    return ev
        for o in prep_objects(cur, "in", "from", "after", "during", "by", "of", "since"):
            ev = event_ref(ctx, o)
            if ev:
                return ev
        for clause in children(cur, "advcl"):  # "45 died after floods hit Bahia"
            for c in children(clause, "nsubj", "nsubjpass"):
                ev = event_ref(ctx, c)
                if ev:
                    return ev
            if ev := _verb_event_ref(ctx, clause):  # "40 died when a boat capsized"
                return ev
        if cur.dep_ in ("advcl", "conj", "xcomp", "acl", "relcl", "ccomp") and cur.head != cur:
            if cur.dep_ in ("acl", "relcl"):
                ev = event_ref(ctx, cur.head)
                if ev:
                    return ev
            cur = cur.head
        else:
            break
    for t in pred.sent:
        ev = event_ref(ctx, t) or _verb_event_ref(ctx, t)
        if ev and ev.id.startswith("event:") and "@" in ev.id:
            return ev
    # "Thirty-one people died, INDECI said": the incident an earlier sentence placed, for
    # a count that is the clause's own subject and names no other agent or event ("Boko
    # Haram has killed thousands" is background, not the day's toll)
    first = next(iter(ctx.anchors), None)
    if first is not None and _counted_subject(pred):
        head = first.split(":", 1)[1].split("@", 1)[0]
        return EntityRef(id=first, name=f"{ctx.anchors[first].name} {head}",
                         type=EntityType.EVENT)
    return None
