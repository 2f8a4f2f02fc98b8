"""Who or what a frame pattern's claim is keyed on (relations.yaml `subject`): the owner of
an amount, the place or event of a count, the organisation planning a facility. Read from
the frame and the article; the registry's patterns name which reader they use
(shared/nlp/relations.py)."""

from __future__ import annotations

from spacy.tokens import Token

from shared.domain.entities import EntityRef, EntityType
from shared.domain.ids import entity_id
from shared.nlp.claim_context import ArticleContext
from shared.nlp.dated_events import future_clause
from shared.nlp.deps import children, lemma_of
from shared.nlp.frames import Frame, subject_of
from shared.nlp.names import clean_name, fallback_org, name_start, party_ref, person_name


def _org_at(ctx: ArticleContext, tok: Token) -> EntityRef | None:
    if tok.pos_ == "PRON" and tok.lower_ in ("its", "it", "their", "they"):
        return ctx.salient_org()
    org = ctx.proper_org(tok)
    if org is not None:
        return org
    m = ctx.mention_at(tok)
    if m is not None and m.label == "ORG":
        return ctx.org_of_mention(m)
    # "steel group Stalkor", "the miner Tamarack Gold": a name under an organisation noun,
    # whatever the NER called it
    if m is not None and m.entity is not None and not m.entity.id.startswith("geo:") and any(
        c.dep_ in ("compound", "amod", "appos") and c.lemma_.lower() in ctx.lex.set("org_nouns")
        for c in tok.children
    ):
        return fallback_org(m.text)
    return None


def subject_owner(ctx: ArticleContext, frame: Frame, trigger: Token,
                   roles: list[str], word_class: str) -> EntityRef | None:  # fmt: skip
    """The organisation an amount belongs to: its possessor or name ("Stalkor's sales",
    "its revenue"), the agent of the clause ("Stalkor reported revenue of"), the subject of
    the verb above ("the company said its revenue was"), else the article's company."""
    near = [c for c in trigger.children if c.dep_ in ("poss", "compound", "nmod")]
    # "the main opposition party, Samagi Jana Balawegaya, won 40 seats": the name beside it
    # (not "COLOMBO (AP) —": a name in brackets is a dateline's or an initialism's)
    near += [t for a in frame.arg(*roles) for t in (a, *children(a, "appos"))
             if t is a or t.left_edge.i == 0 or t.doc[t.left_edge.i - 1].text != "("]  # fmt: skip
    verb = clause_verb(trigger)
    near += [c for c in verb.children if c.dep_ == "nsubj" and c.i != trigger.i]
    for tok in near:
        org = _org_at(ctx, tok)
        if org is not None:
            return party_ref(org, EntityType.ORG)
    for tok in near:
        # "Mainwerk Antriebstechnik will cut 1,200 jobs", "X's revenue fell": a company the
        # NER took for a person, as the subject or owner of what only an organisation has
        m = ctx.mention_at(tok)
        if m is not None and m.label == "PERSON" and tok.pos_ == "PROPN" and (
                tok.dep_ != "compound"):  # fmt: skip
            return party_ref(fallback_org(m.text), EntityType.ORG)
        if m is None and tok.pos_ == "PROPN" and not tok.ent_type_ and tok.dep_ in (
                "nsubj", "poss"):  # fmt: skip
            # "Inditex reported revenue of ...": a name the NER missed altogether
            name = tok.doc[name_start(tok).i : tok.i + 1].text
            return party_ref(fallback_org(name), EntityType.ORG)
    found = ctx.salient_org()
    return party_ref(found, EntityType.ORG) if found is not None else None


def subject_winner(ctx: ArticleContext, frame: Frame, trigger: Token,
                   roles: list[str], word_class: str) -> EntityRef | None:  # fmt: skip
    """Who won: the person or party the clause names in the role ("X won ... with 34%",
    "X was elected mayor with 28%"), keyed on the name, not a body the name's apposition
    belongs to."""
    for tok in frame.arg(*roles):
        ref = ctx.entity_at(tok)
        if ref is not None and ref.type in (EntityType.PERSON, EntityType.ORG):
            return party_ref(ref)
        name = person_name(tok) if tok.pos_ == "PROPN" else None  # a name the NER missed
        if name is not None:
            return EntityRef(id=entity_id("party", name), name=name, type=EntityType.PERSON)
    return None


def subject_event_or_place(ctx: ArticleContext, frame: Frame, trigger: Token,
                            roles: list[str], word_class: str) -> EntityRef | None:  # fmt: skip
    """The place a count is about: a place role of the frame, a place in the clause, else
    the article's main place. Keyed on the place; the measure is the relation."""
    for tok in frame.arg(*roles):
        if tok.ent_type_ in ("DATE", "TIME"):
            continue  # "on Saturday" is no place, whatever the NER linked
        place = ctx.place_at(tok, allow_coref=False)
        if place is not None:
            return place
    # "patients were admitted to hospitals across Bangladesh": a place lower in the clause,
    # a town or region before a country
    inside = [p for t in frame.head.subtree if ctx.is_place_token(t)
              for p in [ctx.place_at(t, allow_coref=False)] if p is not None]  # fmt: skip
    inside.sort(key=lambda p: not ctx.is_local_place(p))
    if inside:
        return inside[0]
    # "Peru has recorded 135,000 cases": a noun's count, of the place its clause's subject is
    verb = clause_verb(frame.head)
    subj = subject_of(verb) if verb is not frame.head else None
    told = ctx.place_at(subj, allow_coref=False) if subj is not None and ctx.is_place_token(
        subj) else None  # fmt: skip
    return told or ctx.main_area


def subject_site(ctx: ArticleContext, frame: Frame, trigger: Token,
                  roles: list[str], word_class: str) -> EntityRef | None:  # fmt: skip
    """A facility an organisation plans ("Voltaris will build its second gigafactory in
    Lulea", "has chosen Skelleftea for its next factory"), keyed on the organisation and the
    facility's class. Only a plan or a choice: a plant that already runs is another one."""
    if not (future_clause(ctx.lex, frame.head)
            or frame.head.lemma_.lower() in ctx.lex.set("site_choice_verbs")):
        return None
    owner = subject_owner(ctx, frame, trigger, roles, word_class)
    if owner is None:
        return None
    return EntityRef(id=f"event:{word_class}@{owner.id}", name=f"{owner.name} {word_class}",
                     type=EntityType.EVENT)


def clause_verb(tok: Token) -> Token:
    cur = tok
    while cur.pos_ not in ("VERB", "AUX") and cur.head.i != cur.i:
        cur = cur.head
    return cur if cur.pos_ in ("VERB", "AUX") else tok


def named_facility(ctx: ArticleContext, tok: Token) -> EntityRef | None:
    """A facility by its name: "Port Sudan's international airport" = "Port Sudan
    International Airport", "the Simon Bolivar bridge" = "the Simón Bolívar International
    Bridge" (the name's words, without those that qualify any such facility, and the noun's
    class: "the X border checkpoint" is "the X crossing"). A crossing named by its town is
    the town ("Torkham remained closed"), by name alone, since the towns of a border
    crossing are often namesakes on either side (Rafah). None for an unnamed one."""
    generic = ctx.lex.set("facility_generic_words")
    named = [t for c in tok.children if c.dep_ in ("compound", "nmod", "poss")
             and c.pos_ == "PROPN" for t in c.subtree
             if t.dep_ != "case" and t.is_alpha and t.lower_ not in generic]  # fmt: skip
    hyphens = [t.i for t in named if t.i + 1 < len(t.doc) and t.doc[t.i + 1].text == "-"]
    if hyphens:  # "the Gallabat-Metema crossing" is "the Metema crossing" on one side
        named = [t for t in named if t.i > hyphens[-1]]
    if not named:
        return None
    noun = ctx.lex.map("facility_classes").get(lemma_of(tok), tok.text)
    if noun in ctx.lex.set("place_named_facilities") and len(named) == 1 and ctx.place_at(
            named[0], allow_coref=False) is not None:  # fmt: skip
        town = clean_name(named[0].text)
        return EntityRef(id=entity_id("place", town), name=town, type=EntityType.PLACE)
    name = " ".join([clean_name(c.text) for c in named] + [noun])
    return EntityRef(id=entity_id("name", name), name=name, type=EntityType.OTHER)


def subject_facility(ctx: ArticleContext, frame: Frame, trigger: Token,
                     roles: list[str], word_class: str) -> EntityRef | None:  # fmt: skip
    """The named facility the trigger noun is: "the Phong Chau bridge in Yen Bai"."""
    return named_facility(ctx, trigger)
