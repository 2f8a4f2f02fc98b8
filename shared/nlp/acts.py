"""Acts asserted or denied, read from clause frames: "Qamar signed a deal to buy Pwani" vs
"Pwani has not agreed to any sale to Qamar", "Zamalek have dismissed coach X" vs "the board
has not fired X", "a case of dengue in Batumi" vs "no case has been recorded in Batumi".

The act's class comes from the lexicon (`act_classes`: deal, agreement, buy, sale and take
over are one class); the claim is keyed on each named participant of the clause (its
organisations, people and places, not its speaker), so that two reports of one act that
name its parties from different ends still compare. `act_needs` says which parties a class
must name to make a claim at all (a deal: two organisations or places), and a speaker who
denies an act of an unnamed party speaks of itself ("no industrial action", the airline
said).
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Token

from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.nlp.claim_context import ArticleContext
from shared.nlp.deps import children, lemma_of, prep_objects, to_infinitive
from shared.nlp.frames import Frame, subject_of
from shared.nlp.names import as_country, party_ref

_PARTY_TYPES = (EntityType.ORG, EntityType.PERSON, EntityType.PLACE)
_PARTY_ROLES = ("agent", "patient", "theme", "attr", "to", "for", "of", "with", "against",
                "at", "in", "between", "from")  # fmt: skip


def _thing(word_class: str, detail: str = "", name: str = "") -> EntityRef:
    """What was done, as the claim's object: the class, and what tells one act of the class
    from another (the other party of a deal, the disease of a case)."""
    return EntityRef(id=f"thing:{word_class}{detail}", name=name or word_class.replace("-", " "),
                     type=EntityType.OTHER)  # fmt: skip


def _qualifier(ctx: ArticleContext, frame: Frame, trigger: Token) -> Token | None:
    """"a case of dengue fever", "an Ebola case", "banned exports of rice", "a ban on
    exports": the word that says which act of its class this is."""
    inner = prep_objects(trigger, "of", "on")
    if trigger is frame.head:
        inner = frame.arg("patient") + inner
    for tok in [*children(trigger, "compound"), *inner]:
        if tok.pos_ in ("NOUN", "PROPN"):
            first = next((t for t in tok.subtree if t.pos_ in ("NOUN", "PROPN")), tok)
            return first
    return None
def _party(ctx: ArticleContext, tok: Token) -> EntityRef | None:
    if tok.pos_ == "PRON" and tok.lower_ in ("it", "its", "they", "their", "we", "our"):
        ref = ctx.salient_org()
    else:
        ref = ctx.entity_at(tok)
        if ref is None or ref.type not in _PARTY_TYPES:
            ref = ctx.proper_org(tok)
    if ref is None:
        return None
    if ref.type in (EntityType.PERSON, EntityType.ORG):
        return party_ref(ref)
    # one id for a country named as a party and a country the story is about
    return as_country(ref)


def act_claims(ctx: ArticleContext, frame: Frame, trigger: Token, roles: list[str],
               word_class: str) -> list[tuple[EntityRef, dict[str, Any]]]:  # fmt: skip
    """(subject, object) of each claim the act makes: one per named party; for a paired act
    (a deal) one per ordered pair of parties, so that two reports compare only when they
    name the same two; for a qualified act (a case of a disease) with its qualifier."""
    parties = _act_parties(ctx, frame, trigger, roles, word_class)
    if not parties:
        return []
    if word_class in ctx.lex.set("paired_acts"):
        # the sides of a deal or a truce; a town it was signed in is where, not who
        sides = [p for p in parties if p.type != EntityType.PLACE or p.rank == PlaceRank.COUNTRY
                 or word_class in ctx.lex.set("place_party_acts")]  # fmt: skip
        return [(p, {"object": _thing(word_class, f"@{q.id}", f"{word_class} with {q.name}")})
                for p in sides for q in sides if p.id != q.id]  # fmt: skip
    if word_class in ctx.lex.set("qualified_acts"):
        qual = _qualifier(ctx, frame, trigger)
        if qual is None:
            return []
        what = f"{word_class} of {qual.lemma_.lower()}"
        return [(p, {"object": _thing(word_class, f":{lemma_of(qual)}", what)})
                for p in parties]  # fmt: skip
    return [(p, {"object": _thing(word_class)}) for p in parties]


def _act_parties(ctx: ArticleContext, frame: Frame, trigger: Token, roles: list[str],
                 word_class: str) -> list[EntityRef]:  # fmt: skip
    """The named parties of the act, when it names those its class needs."""
    if trigger is not frame.head and lemma_of(frame.head) not in ctx.lex.set("act_light_verbs"):
        return []  # "investigating cases of Ebola", "called for X's arrest": not the act
    if frame.head.dep_ == "acl" and to_infinitive(frame.head):
        return []  # "the capabilities to confirm cases": what could be done
    speaker = ctx.speaker(frame.head)
    said = ctx.speaker_tokens(frame.head)
    roles = roles if roles else (ctx.lex.map("act_roles").get(word_class) or "").split("|")
    if roles != [""]:
        # the party is the one the act is done to, named by the role's head ("X was
        # arrested", "a warrant for X"), not any name in its phrase ("ISIS fighters")
        heads = [t for r in roles for t in frame.args.get(r, [])]
        if trigger is not frame.head:
            heads += prep_objects(trigger, "of", "for", "against")
        toks: list[Token] = [t for h in heads if h.pos_ in ("PROPN", "PRON")
                             for t in (h, *children(h, "compound", "poss"))]  # fmt: skip
    else:
        toks = [t for t in trigger.subtree if t.i != trigger.i]
        for role in _PARTY_ROLES:
            for a in frame.args.get(role, []):
                toks += [t for t in a.subtree]
        if frame.head.dep_ == "xcomp" and (ctrl := subject_of(frame.head.head)) is not None:
            toks += list(ctrl.subtree)  # "X had not agreed to be sold to Y": X is a party
        if frame.head.dep_ == "pcomp" and (ctrl := subject_of(frame.head.head.head)) is not None:
            toks += list(ctrl.subtree)  # "X left without reaching a deal with Y": X is one
    # "signed an agreement to acquire X": the clause under the trigger noun
    found: dict[str, EntityRef] = {}
    for tok in toks:
        if tok.i in said or tok.ent_type_ in ("DATE", "TIME", "MONEY", "CARDINAL", "PERCENT"):
            continue
        ref = _party(ctx, tok)
        if ref is not None and ref.name.lower() not in ctx.lex.set("news_outlets"):
            found.setdefault(ref.id, ref)
    if not found and speaker is not None and roles == [""]:
        # "There is no strike by pilots, SriLankan Airlines said": who says it of an
        # unnamed party speaks of itself
        for tok in speaker:
            ref = _party(ctx, tok)
            if ref is not None and ref.type != EntityType.PERSON:
                found[ref.id] = ref
                break
    parties = list(found.values())
    # what a class of act needs to be told apart from others of its kind: a deal names both
    # its parties ("McDonald's sells nothing but good food" is no deal); a case of a disease
    # names the place ("a gold watch case" is none)
    need = ctx.lex.map("act_needs").get(word_class)
    if need is not None:
        wanted, _, count = need.partition("*")
        typed = [p for p in parties if p.type.value in wanted.split("|")]
        if len(typed) < int(count or 1):
            return []
    return parties
