"""status and event:occur: the state of a person or facility ("was released", "remains in
custody", "found dead", "the airport reopened") and whether an incident happened ("no
explosion had taken place").
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Span, Token

from shared.domain.claims import Claim, Polarity
from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.domain.ids import entity_id
from shared.nlp.claim_context import ArticleContext
from shared.nlp.deps import children, is_passive, lemma_of, prep_objects, verb_phrases
from shared.nlp.events import event_head, event_ref
from shared.nlp.frames import aux_subject, subject_of
from shared.nlp.names import person_name, unique_place
from shared.nlp.relation_subjects import named_facility


def rule_status(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    lex = ctx.lex
    verbs = lex.map("status_verbs")
    remain = lex.map("status_remain_preps")
    adjectives = lex.map("status_adjectives")
    facilities = lex.set("status_closure_subjects")
    for tok in sent:
        lemma = lemma_of(tok)
        if tok.pos_ == "NOUN" and lemma in remain:
            yield from _state_noun(ctx, tok, remain[lemma], facilities)
        if tok.pos_ not in ("VERB", "AUX"):
            continue
        state: str | None = None
        subj_tok: Token | None = None
        if lemma in verbs and not ctx.other_sense(tok):
            state = verbs[lemma]
            if is_passive(tok):
                # ("he is survived by his wife" says nothing of him being alive)
                if lemma not in lex.set("status_subject_verbs") - lex.set("status_passives"):
                    subj_tok = next(iter(children(tok, "nsubjpass") + aux_subject(tok)), None)
            elif lemma in lex.set("status_subject_verbs") and (
                    not children(tok, "dobj") or lemma in lex.set("status_object_free_verbs")):
                subj_tok = subject_of(tok)
                if subj_tok is None and tok.dep_ == "acl" and tok.head.dep_ in ("ccomp",
                                                                             "ROOT"):
                    # "The Rafah crossing reopened on Monday, officials said": the main verb
                    # parsed as a clause on a noun that stands where a verb should be
                    subj_tok = tok.head
            elif (lemma in lex.set("status_object_verbs") and lemma != "kill") or (
                    lemma == "kill" and _main_clause(tok)):  # fmt: skip
                subj_tok = next(iter(children(tok, "dobj")), None)
        if state is None or subj_tok is None:
            found = _custody_act(ctx, tok)
            if found is not None:
                state, subj_tok = found
        if state is None or subj_tok is None or (lemma in verbs and children(tok, "dobj")
                                                 and subj_tok is not subject_of(tok)):
            found = _operations(ctx, tok, facilities)
            if found is not None:
                state, subj_tok = found
        oprd = _status_complement(ctx, tok)
        if oprd is not None:  # "was set free", "was found dead", "kidnappers set him free"
            state = oprd
            objs = children(tok, "nsubjpass") if is_passive(tok) else children(tok, "dobj")
            # "X was found unresponsive and was confirmed dead": the first verb's subject
            shared = subject_of(tok) if is_passive(tok) and tok.dep_ == "conj" else None
            subj_tok = next(iter(objs), shared)
        if lemma in lex.set("body_recovery_verbs"):
            # "the body of X was recovered", "the coast guard found the body of X": X is dead
            for body in children(tok, "nsubjpass" if is_passive(tok) else "dobj"):
                if lemma_of(body) in lex.set("corpse_nouns"):
                    whose = prep_objects(body, "of")
                    if whose:
                        state, subj_tok = "dead", whose[0]
        if lemma in lex.set("status_copulas"):  # "remains in detention", "appeared alive"
            subj_tok = subject_of(tok)
            for o in prep_objects(tok, "in", "behind"):
                if lemma_of(o) in remain:
                    state = remain[lemma_of(o)]
            for c in children(tok, "acomp", "attr", "oprd"):
                if c.lower_ in adjectives or lemma_of(c) in adjectives:
                    state = adjectives.get(c.lower_) or adjectives[lemma_of(c)]
        if state is None or subj_tok is None or ctx.past_episode(tok):
            continue
        subject = _statussubject_of(ctx, subj_tok, state, facilities)
        if subject is None:
            continue
        yield ctx.make_claim(tok, subject, "status", state=state)
        where = _held_in(ctx, tok) if state == "detained" else None
        if where is not None and subject.type == EntityType.PERSON:
            yield ctx.make_claim(tok, subject, "detained_in", object=where)


def _held_in(ctx: ArticleContext, verb: Token) -> EntityRef | None:
    """The town of the prison a person is held in: "is being held at Insein prison in
    Yangon", "held in Yangon's Insein prison" (lexicon `detention_nouns`)."""
    prisons = ctx.lex.set("detention_nouns")
    for o in prep_objects(verb, "in", "at"):
        if lemma_of(o) not in prisons:
            continue
        for t in (*prep_objects(o, "in", "near"), *children(o, "poss", "compound", "nmod")):
            place = ctx.place_at(t, allow_coref=False) if ctx.is_place_token(t) else None
            if place is not None:
                return place
    return None


def _custody_act(ctx: ArticleContext, tok: Token) -> tuple[str, Token] | None:
    """A verb with a custody noun that tells a person's state (lexicon `custody_acts`):
    "the court granted bail to X" / "X was granted bail", "X left the central prison",
    "X walked out of jail", "the judge refused X bail"."""
    acts = ctx.lex.map("custody_acts")
    lemma = lemma_of(tok)
    nouns = children(tok, "dobj", "nsubjpass") + prep_objects(tok, "of", "from")
    nouns += [p for c in tok.children if c.lower_ == "out" for p in prep_objects(c, "of")]
    state = next((acts[f"{lemma} {lemma_of(n)}"] for n in nouns
                  if f"{lemma} {lemma_of(n)}" in acts), None)  # fmt: skip
    if state is None:
        return None
    if lemma in ctx.lex.set("custody_granting_verbs"):
        # the person is the one bail is granted to, not the court that grants it
        people = (prep_objects(tok, "to") + children(tok, "dative")
                  + (children(tok, "nsubjpass") if is_passive(tok) else []))  # fmt: skip
        people = [p for p in people if lemma_of(p) not in ctx.lex.set("custody_nouns")]
        return (state, people[0]) if people else None
    subj = subject_of(tok)
    return (state, subj) if subj is not None else None


def _operations(ctx: ArticleContext, tok: Token,
                facilities: frozenset[str]) -> tuple[str, Token] | None:  # fmt: skip
    """A facility's state told by what it does: "Nicaragua closed the Penas Blancas
    crossing", "the port suspended all cargo handling", "flights at X airport were
    suspended", "the mine resumed operations", "the airport is operating normally"
    (lexicon `operation_verbs`, `operation_nouns`, `normal_words`)."""
    lex = ctx.lex
    lemma = lemma_of(tok)
    ops = lex.map("operation_verbs")

    def facility(t: Token) -> bool:
        return lemma_of(t) in facilities or t.lower_ in facilities

    if lemma in ("close", "shut", "open", "reopen") and not is_passive(tok):
        for o in children(tok, "dobj"):  # "Nicaragua closed the border crossing"
            if facility(o):
                return ("open" if lemma in ("open", "reopen") else "closed"), o
    if lemma in ops:
        nouns = lex.set("operation_nouns")
        objs = children(tok, "nsubjpass") if is_passive(tok) else children(tok, "dobj")
        if any(lemma_of(o) in nouns for o in objs):
            if is_passive(tok):  # "flights at X airport were suspended"
                where = [p for o in objs for p in prep_objects(o, "at", "from", "to", "through")
                         if facility(p)]  # fmt: skip
                return (ops[lemma], where[0]) if where else None
            subj = subject_of(tok)  # "the port suspended all cargo handling"
            return (ops[lemma], subj) if subj is not None and facility(subj) else None
    if lemma in lex.set("running_verbs") and any(
            c.lower_ in lex.set("normal_words") for c in tok.children):  # fmt: skip
        subj = subject_of(tok)  # "the airport is operating normally"
        if subj is not None and facility(subj):
            return "open", subj
        for p in prep_objects(subj, "through", "at") if subj is not None else []:
            if facility(p):  # "traffic through the checkpoint was running normally"
                return "open", p
    return None


def _main_clause(tok: Token) -> bool:
    """"an air strike killed X", not "the place where Y killed X" (background)."""
    if tok.dep_ not in ("ROOT", "ccomp", "conj"):
        return False
    return not any(c.lower_ in ("where", "when", "after", "before") for c in tok.children)


def _state_noun(ctx: ArticleContext, tok: Token, state: str,
                facilities: frozenset[str]) -> Iterable[Claim]:  # fmt: skip
    """"prosecutors renewed the pretrial detention of X", "a court extended his custody":
    a state noun under a verb that keeps it (lexicon `state_keeping_verbs`)."""
    verb = tok.head
    if tok.dep_ != "dobj" or lemma_of(verb) not in ctx.lex.set("state_keeping_verbs"):
        return
    if ctx.past_episode(verb):
        return
    for who in prep_objects(tok, "of") + children(tok, "poss"):
        subject = _statussubject_of(ctx, who, state, facilities)
        if subject is not None:
            yield ctx.make_claim(verb, subject, "status", state=state)


def rule_occurrence(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """That an incident happened, or did not: "an explosion occurred at the plant" vs "no
    explosion had taken place at its plant"; "a drone strike on a market in X killed 14"
    (an incident the text places that did something happened) vs "no drone strike had been
    carried out in X"."""
    happen = ctx.lex.set("happen_verbs")
    phrases = ctx.lex.set("happen_phrases")
    for tok in sent:
        head = event_head(ctx, tok)
        if head is None or head not in ctx.lex.set("place_anchored_events"):
            continue
        verb = tok.head
        if tok.dep_ not in ("nsubj", "nsubjpass"):
            continue
        none = any(c.dep_ == "det" and c.lower_ == "no" for c in tok.children)
        said = lemma_of(verb) in happen or bool(verb_phrases(verb) & phrases)
        acted = not said and not none and verb.tag_ == "VBD" and not ctx.past_episode(verb)
        if not (said or acted):
            continue
        ev = event_ref(ctx, tok)
        if ev is None or (acted and ev.id not in ctx.stated_anchors):
            continue
        yield ctx.make_claim(verb, ev, "event:occur",
                             polarity=Polarity.NEGATED if none else None)  # fmt: skip


def _status_complement(ctx: ArticleContext, tok: Token) -> str | None:
    """The state an object complement gives: "set free" -> released, "found dead" -> dead,
    for the verbs in status_oprd_verbs only ("set" alone says nothing about status)."""
    if lemma_of(tok) not in ctx.lex.set("status_oprd_verbs"):
        return None
    adjectives = ctx.lex.map("status_adjectives")
    for c in children(tok, "oprd", "acomp", "ccomp", "xcomp"):
        if c.pos_ == "ADJ" and (c.lower_ in adjectives or lemma_of(c) in adjectives):
            return adjectives.get(c.lower_) or adjectives[lemma_of(c)]
    return None


def _statussubject_of(ctx: ArticleContext, tok: Token, state: str,
                    facilities: frozenset[str]) -> EntityRef | None:  # fmt: skip
    if state in ("open", "closed"):
        # "The Upper Lars crossing was closed": the tagger may take "crossing" for a verb
        if lemma_of(tok) in facilities or tok.lower_ in facilities:
            # "the (Toussaint Louverture International) airport in Port-au-Prince": one
            # facility whether or not a report names it
            cls = ctx.lex.map("facility_classes").get(lemma_of(tok), lemma_of(tok))
            # a named bridge is that bridge wherever it is; a city's airport is the city's
            named = None if cls in ctx.lex.set("city_facilities") else named_facility(ctx, tok)
            city = _facility_city(ctx, tok, cls) if named is None else None
            if city is not None:
                return EntityRef(id=f"thing:{cls}@{city.id}", name=f"{cls} in {city.name}",
                                 type=EntityType.OTHER)  # fmt: skip
            named = named or named_facility(ctx, tok)
            if named is not None:
                return named
        place = ctx.place_at(tok, allow_coref=False)
        return place
    ref = ctx.entity_at(tok)
    if ref is not None and ref.type == EntityType.PERSON:
        return ref
    if tok.lower_ in ("he", "she"):  # "he remains in captivity"
        return ctx.salient_person(tok)
    # "the missing climber Anna Berg was found dead", "a senior al-Shabaab commander, X,
    # was killed" (the noun phrase may hold an organisation's name too)
    if (ref is None or ref.type != EntityType.PERSON) and tok.pos_ == "NOUN":
        for a in children(tok, "appos"):
            appos = ctx.entity_at(a)
            if appos is not None and appos.type == EntityType.PERSON:
                return appos
        if lemma_of(tok) in ctx.lex.set("person_nouns"):
            # "a senior commander of the 3R group, Ousmane Yaya, was killed": the parser
            # hangs the name on the nearer noun
            for a in (a for o in prep_objects(tok, "of") for a in children(o, "appos")):
                who = person_name(a) if a.pos_ == "PROPN" else None
                if who is not None:
                    return EntityRef(id=entity_id("person", who), name=who,
                                     type=EntityType.PERSON)  # fmt: skip
    m = ctx.mention_at(tok)
    if ref is not None and m is not None and m.label == "PERSON" and m.entity is None:
        return ref.model_copy(update={"type": EntityType.PERSON})
    if tok.pos_ == "PROPN" and any(lemma_of(a) in ctx.lex.set("person_nouns")
                                   for a in children(tok, "appos")):  # fmt: skip
        # "Lucía Garrido, a Spanish aid worker, was freed": the apposition says a person,
        # whatever the NER said
        who = person_name(tok) or tok.text
        return EntityRef(id=entity_id("person", who), name=who, type=EntityType.PERSON)
    # A full proper name that is released or held is a person, whatever the NER said, unless
    # it names an event or a company ("the World Hydrogen Congress will be held in ...")
    # (the NER often calls an unfamiliar person ORG; but products are "released" too: "the
    # Apple Watch will be released")
    labels = ("PERSON", "NORP") if state == "released" else ("PERSON", "ORG", "NORP")
    if tok.pos_ == "PROPN" and (m is None or m.label in labels):
        full = person_name(tok)
        not_person = ctx.lex.set("org_suffixes") | set(ctx.lex.map("event_nouns"))
        if full is not None and tok.lower_ not in not_person and lemma_of(tok) not in not_person:
            return EntityRef(id=entity_id("person", full), name=full,
                             type=EntityType.PERSON)  # fmt: skip
    return None


def _facility_city(ctx: ArticleContext, tok: Token, cls: str) -> EntityRef | None:
    """The place a facility is said to be in ("the airport in Port-au-Prince"), or for a
    facility a city has one main one of (lexicon `city_facilities`) the city its name
    holds ("Beirut's Rafic Hariri International Airport", "the port of Odesa")."""
    # "the airport in Port-au-Prince", "the airport serving the city of Puebla"
    served = [o for a in children(tok, "acl") if lemma_of(a) in ctx.lex.set("serving_verbs")
              for d in children(a, "dobj") for o in (d, *prep_objects(d, "of"))]  # fmt: skip
    for o in prep_objects(tok, "in", "at") + served:
        where = ctx.place_at(o, allow_coref=False)
        if where is not None:
            return where
    if cls not in ctx.lex.set("city_facilities"):
        return None
    # (the parser may hang "Beirut's" on a word of the name, not on "Airport")
    named = [t for t in tok.subtree if t.i < tok.i and t.dep_ in ("poss", "compound", "nmod")]
    for c in named + prep_objects(tok, "of"):
        where = ctx.place_at(c, allow_coref=False) if ctx.is_place_token(c) else None
        if where is not None and where.rank == PlaceRank.CITY:
            return where
    # "Port Sudan International Airport", one facility name to the NER: the words before
    # those any airport has, when the gazetteer owns them as one city
    generic = ctx.lex.set("facility_generic_words")
    words = [t.text for t in named if t.dep_ == "compound" and t.pos_ == "PROPN"
             and t.lower_ not in generic]  # fmt: skip
    return unique_place(" ".join(words), rank=PlaceRank.CITY) if words else None
