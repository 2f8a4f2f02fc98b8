"""Events set for a date, read from clause frames: which clauses look ahead, where their
date may stand, and the story key of the event ("the elections" in a story about Chad ->
event:election@country:td).

The key is the event's class (lexicon `dated_events`: vote, polls, polling and elect are one
class) with the person a trial or verdict is about (`personal_events`), else with the named
thing it is of and with the country the story is about, because two reports of one schedule
seldom share more than that:
"Chad will hold legislative elections on Dec. 29" and "Chadians are to go to the polls
... on Jan. 12" name the event in other words and the country in other forms.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Token

from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.domain.ids import entity_id
from shared.nlp.claim_context import ArticleContext
from shared.nlp.claim_lexicon import Lexicon
from shared.nlp.deps import children, hyphen_tail, lemma_of, prep_objects, to_infinitive
from shared.nlp.frames import Frame
from shared.nlp.names import country_ref, party_ref


def future_clause(lex: Lexicon, head: Token) -> bool:
    """"will hold", "are to go", "is due to face", "are scheduled to start", "has been
    scheduled for": the clause tells what is to happen, not what happened."""
    chain = [head]
    cur = head
    for _ in range(3):
        if cur.dep_ not in ("xcomp", "acomp") or cur.head.i == cur.i:
            break
        cur = cur.head
        chain.append(cur)
    future_aux = lex.set("future_auxiliaries")
    schedule = lex.set("schedule_words")
    for t in chain:
        if any(c.dep_ == "aux" and c.lower_ in future_aux for c in t.children):
            return True
        if lemma_of(t) in schedule or any(lemma_of(a) in schedule
                                          for a in children(t, "acomp")):  # fmt: skip
            return True
    # "Chadians are to go to the polls": be + to-infinitive
    return head.dep_ == "xcomp" and lemma_of(head.head) == "be" and to_infinitive(head)


def date_candidates(frame: Frame, roles: list[str]) -> list[Token]:
    """The frame's date roles, then the same prepositions one level down, where the parser
    often hangs them ("will hold elections for its councils on 15 March")."""
    # every date role, in order: "stand trial from March 9 on charges of fraud" has an "on"
    # that holds no date
    toks = [t for role in roles for t in frame.args.get(role, [])]
    # "judges have set 10 December for the verdict": a date as a bare noun phrase
    toks += [c for c in frame.head.children
             if c.dep_ in ("npadvmod", "dobj", "tmod", "attr") and c.ent_type_ == "DATE"]
    for role in ("patient", "agent", "theme", "for", "attr"):
        for a in frame.args.get(role, []):
            toks += prep_objects(a, *roles)
    for x in children(frame.head, "xcomp", "advcl"):  # "to choose an assembly on Jan. 12"
        toks += prep_objects(x, *roles)
    for a in frame.arg("patient", "agent", "theme"):  # "a campaign to vaccinate girls on 12
        for x in children(a, "acl", "relcl"):         # September"
            toks += prep_objects(x, *roles)
    if frame.head.dep_ == "relcl" and any(c.lower_ == "when" for c in frame.head.children):
        toks.append(frame.head.head)  # "until January 31, when it will shut for good"
    return toks


def _person_in(ctx: ArticleContext, frame: Frame, trigger: Token) -> EntityRef | None:
    """The person a trial or verdict is about: in the trigger's phrase, the frame's
    arguments, else the first person the sentence names outside its speaker."""
    said = ctx.speaker_tokens(frame.head)
    near = [*trigger.subtree]
    for role in ("agent", "patient", "theme", "of", "against", "in"):
        for a in frame.args.get(role, []):
            near += list(a.subtree)
    near += [t for t in frame.sent if t.i not in said]
    titles = ctx.lex.set("person_title_words")
    for tok in near:
        # not a word that modifies a title ("former Kicevo mayor X": Kicevo is a town)
        if tok.dep_ == "compound" and tok.head.lower_ in titles:
            continue
        ref = ctx.entity_at(tok)
        if ref is not None and ref.type == EntityType.PERSON:
            return ref
    return None


def _named(ctx: ArticleContext, frame: Frame) -> EntityRef | None:
    """The named thing a dated event is of ("Auckland's City Rail Link will open", "Meridian
    Cement will close its plant"): an organisation or facility in the clause's subject or
    object, keyed on its name whatever the NER called it."""
    for a in frame.arg("agent", "patient", "theme"):
        for tok in (a, *children(a, "poss", "compound")):
            ref = ctx.entity_at(tok) if tok.pos_ == "PROPN" else None
            if ref is not None and ref.type in (EntityType.ORG, EntityType.OTHER,
                                                EntityType.PERSON):  # fmt: skip
                return party_ref(ref, EntityType.ORG)
    return None


def _named_after(ctx: ArticleContext, trigger: Token) -> EntityRef | None:
    """The name an event word is of: "the by-election to the Sirajganj-6 constituency",
    "voting in the by-election to Sirajganj-6", "elections for the Riga city council",
    "trading on the Nairobi exchange" (not "in X": the venue is another claim)."""
    for owner in children(trigger, "poss"):
        # "the organisation's 12th summit", "its annual congress": the body the article is
        # about; "ECOWAS's summit": the one named
        if owner.pos_ == "PROPN" and (ref := ctx.entity_at(owner)) is not None:
            return party_ref(ref, EntityType.ORG)
        if owner.lower_ in ("its", "their") or owner.lemma_.lower() in ctx.lex.set(
                "body_nouns"):  # fmt: skip
            org = ctx.salient_org()
            return party_ref(org, EntityType.ORG) if org is not None else None
    tail = hyphen_tail(trigger)  # "by-election": the word after the hyphen too
    words = [trigger] if tail is None else [trigger, tail]
    objs = [o for w in words for o in prep_objects(w, "to", "of", "for", "on")]
    objs += [p for o in prep_objects(trigger, "in") for p in prep_objects(o, "to", "of", "for")]
    for o in objs:
        for tok in (o, *children(o, "compound", "amod", "nmod")):
            if tok.pos_ != "PROPN" or tok.ent_type_ in ("DATE", "TIME"):
                continue  # "met on Friday": a day is no name
            ref = ctx.entity_at(tok)
            if ref is not None:
                return party_ref(ref, EntityType.ORG)  # keyed as `_named` keys it
    return None


def story_events(ctx: ArticleContext, frame: Frame, trigger: Token, roles: list[str],
                 word_class: str) -> list[tuple[EntityRef, dict[str, Any]]]:  # fmt: skip
    """The scheduled event as story keys: its class with the person a trial is about; else
    with the named organisation or facility it is of and with the story's country (two
    keys, since one report may name only one of them)."""
    if word_class in ctx.lex.set("personal_events"):
        person = _person_in(ctx, frame, trigger) or ctx.main_person()
        if person is None:
            return []
        surname = entity_id("person", person.name.split()[-1])
        return [(EntityRef(id=f"event:{word_class}@{surname}",
                           name=f"{word_class} of {person.name}", type=EntityType.EVENT), {})]
    keys: list[tuple[EntityRef, dict[str, Any]]] = []
    named = _named(ctx, frame) or _named_after(ctx, trigger)
    if named is not None:
        keys.append((EntityRef(id=f"event:{word_class}@{named.id}",
                               name=f"{named.name} {word_class}", type=EntityType.EVENT), {}))
    if ctx.main_country is not None:
        country = country_ref(*ctx.main_country)
        keys.append((EntityRef(id=f"event:{word_class}@{country.id}",
                               name=f"{word_class} ({country.name})", type=EntityType.EVENT), {}))
    return keys


def venue(ctx: ArticleContext, frame: Frame, roles: list[str],
          word_class: str) -> dict[str, Any] | None:  # fmt: skip
    """Where a scheduled event is held, as the claim's object: "talks will be held in
    Kunming", "the trial will take place at the Ouagadougou high court", "the final will be
    played at the Estadio Centenario in Montevideo" (a town before its region)."""
    if word_class not in ctx.lex.set("venue_events"):
        return None
    objs = [o for role in roles for o in frame.args.get(role, [])]
    places: list[EntityRef] = []
    for o in objs:
        for tok in (o, *children(o, "compound", "poss", "nmod"), *prep_objects(o, "in")):
            place = ctx.place_at(tok, allow_coref=False) if ctx.is_place_token(tok) else None
            if place is not None and ctx.is_local_place(place):
                places.append(place)
    if not places:
        return None
    rank = {PlaceRank.CITY: 0, PlaceRank.ADMIN2: 1, PlaceRank.ADMIN1: 2}
    return {"object": min(places, key=lambda p: rank.get(p.rank, 3) if p.rank else 3)}
