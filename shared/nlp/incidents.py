"""Where an incident happened, read from clause frames: "fighters ambushed a convoy outside
Ménaka" vs "the convoy had been targeted in an ambush ... just outside Ansongo"; "a landslide
at a jade mine in Hpakant" vs "earth collapsed at a mining site near Mogok".

An incident is keyed on its class (lexicon `incident_events`), for attacks the thing hit
("convoy", "fuel depot": the first target the article names, when a later sentence names
none), and the story's country; the relation's window (relations.yaml, `occurred_in`) keeps
two incidents of one class on different days apart. The place is the most precise place the
clause names, else the sentence, never the speaker's.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Token

from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.domain.ids import anchored_id, entity_id
from shared.nlp.claim_context import ArticleContext
from shared.nlp.deps import children, lemma_of, prep_objects, route_end
from shared.nlp.frames import Frame
from shared.nlp.names import country_ref

_RANK = {PlaceRank.CITY: 0, PlaceRank.ADMIN2: 1, PlaceRank.ADMIN1: 2}
_SIDE_CLAUSES = ("advcl", "xcomp", "ccomp", "conj", "relcl", "acl", "parataxis")


def _target(ctx: ArticleContext, frame: Frame, trigger: Token) -> str | None:
    """What an attack hit: the patient of "ambushed a convoy", the object of "an attack on
    a convoy", the noun "struck" modifies ("the depot struck by drones")."""
    nouns = frame.arg("patient") if trigger is frame.head else []
    nouns += prep_objects(trigger, "on", "against")
    if trigger.dep_ in ("nsubj", "nsubjpass") and trigger.head.i == frame.head.i:
        nouns += frame.arg("patient")
    for n in nouns:
        if n.pos_ == "NOUN" and n.lemma_.lower() in ctx.lex.set("attack_targets"):
            return lemma_of(n)
    return None


def _own_trigger(frame: Frame, trigger: Token) -> bool:
    """The incident is the clause's own: its verb, subject, object or a phrase of it, not
    the subject a side clause borrows ("struck Chile, shaking buildings in Santiago")."""
    if trigger.i == frame.head.i or trigger.head.i == frame.head.i:
        return True
    return trigger.head.head.i == frame.head.i and trigger.head.dep_ in ("prep", "agent")


def incident_place(ctx: ArticleContext, frame: Frame, roles: list[str],
                   word_class: str) -> dict[str, Any] | None:  # fmt: skip
    """The place of the incident, as the claim's object."""
    if lemma_of(frame.head) in ctx.lex.set("felt_verbs"):
        return None  # "tremors were felt as far away as X": where it reached, not was
    said = ctx.speaker_tokens(frame.head)
    toks = [t for a in frame.arg(*roles) for t in a.subtree]
    # the clause itself, without its side clauses ("struck eastern Taiwan, shaking
    # buildings in Taipei": Taipei is where it was felt)
    side = {t.i for c in frame.head.children if c.dep_ in _SIDE_CLAUSES for t in c.subtree}
    toks += [t for t in frame.head.subtree if t.i not in side]
    if word_class in ctx.lex.set("targeted_incidents"):
        # an attack told by its target may be placed anywhere in the sentence ("saying the
        # assault was carried out just outside Ansongo"): the target keeps it apart
        toks += list(frame.sent)
    # in the story's country, which keys the incident (a meteor over Chelyabinsk in a story
    # about a blast in Managua is another incident)
    return _most_precise_at_home(
        ctx, [t for t in toks if t.i not in said and not route_end(t)], home_required=True)


def _most_precise_at_home(ctx: ArticleContext, toks: list[Token],
                          home_required: bool) -> dict[str, Any] | None:  # fmt: skip
    """The most precise place the tokens name (a town before its region), in the story's
    country (or anywhere when the story has none and `home_required` is false), as the
    claim's object."""
    home = ctx.main_country[0] if ctx.main_country else None
    places: list[EntityRef] = []
    for tok in toks:
        place = ctx.place_at(tok, allow_coref=False) if ctx.is_place_token(tok) else None
        if place is not None and place.rank in _RANK and (
                (place.country or "").lower() == home
                or (home is None and not home_required)):  # fmt: skip
            places.append(place)
    if not places:
        return None
    return {"object": min(places, key=lambda p: _RANK.get(p.rank, 9) if p.rank else 9)}


def stated_place(ctx: ArticleContext, frame: Frame, roles: list[str],
                 word_class: str) -> dict[str, Any] | None:  # fmt: skip
    """The place the frame's own phrases name ("the X bridge in Yen Bai province"), not its
    name's words (the bridge may be named after a town elsewhere), as the claim's object."""
    toks = [t for o in frame.arg(*roles) for t in (o, *children(o, "compound", "poss", "nmod"))]
    return _most_precise_at_home(ctx, toks, home_required=False)


def incident(ctx: ArticleContext, frame: Frame, trigger: Token, roles: list[str],
             word_class: str) -> EntityRef | None:  # fmt: skip
    """The incident as a story key: class, target (attacks) and country."""
    if not _own_trigger(frame, trigger):
        return None
    storm = _storm_name(ctx, frame) if word_class in ctx.lex.set("storm_incidents") else None
    if storm is not None:
        return _placed_once(ctx, anchored_id(f"incident:{word_class}", entity_id("storm", storm)),
                            f"{word_class} of {storm}")
    if ctx.main_country is None:
        return None
    country = country_ref(*ctx.main_country)
    what = word_class
    if word_class in ctx.lex.set("targeted_incidents"):
        target = _target(ctx, frame, trigger) or ctx.incident_targets.get(word_class)
        if target is None:
            return None
        ctx.incident_targets.setdefault(word_class, target)
        what = f"{word_class}:{target}"
    return _placed_once(ctx, f"incident:{what}@{country.id}",
                        f"{what.replace(':', ' on ')} ({country.name})")


def _placed_once(ctx: ArticleContext, key: str, name: str) -> EntityRef | None:
    """The incident, the first time an article places it: the first sentence that does
    ("struck near Meiktila"), not every town it was felt in."""
    if key in ctx.placed_incidents:
        return None
    ctx.placed_incidents.add(key)
    return EntityRef(id=key, name=name, type=EntityType.EVENT)


def _storm_name(ctx: ArticleContext, frame: Frame) -> str | None:
    """The name of the storm the clause's agent is: "Hurricane Marco", "Typhoon Mitag"."""
    storms = {w for w, cls in ctx.lex.map("event_nouns").items() if cls == "storm"}
    for a in frame.arg("agent", "theme"):
        words = [a, *children(a, "compound", "appos")]
        if a.pos_ == "PROPN" and any(lemma_of(w) in storms for w in words):
            return a.text
        named = [w for w in words if w.pos_ == "PROPN" and w is not a]
        if lemma_of(a) in storms and named:
            return named[0].text
    return None


__all__ = ["incident", "incident_place", "stated_place"]
