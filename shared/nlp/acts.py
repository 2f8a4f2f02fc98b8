"""Acts asserted or denied, read from clause frames: "Qamar signed a deal to buy Pwani" vs
"Pwani has not agreed to any sale to Qamar", "Zamalek have dismissed coach X" vs "the board
has not fired X", "a case of dengue in Batumi" vs "no case has been recorded in Batumi".

The act's class comes from the lexicon (`act_classes`: deal, agreement, buy, sale and take
over are one class); the claim is keyed on each named participant of the clause (its
organisations, people and places, not its speaker), so that two reports of one act that
name its parties from different ends still compare. Acts that a story has at most one of
(`story_acts`: a truce, a dock strike) are keyed on the story's country as well: "There is
no truce" names no party.
"""

from __future__ import annotations

from spacy.tokens import Token

from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.nlp.claim_context import ArticleContext
from shared.nlp.frames import Frame

_PARTY_TYPES = (EntityType.ORG, EntityType.PERSON, EntityType.PLACE)
_PARTY_ROLES = ("agent", "patient", "theme", "attr", "to", "for", "of", "with", "against",
                "at", "in", "between", "from")  # fmt: skip


def act_thing(word_class: str) -> dict[str, EntityRef]:
    """The claim field naming what was done: one id per act class."""
    return {"object": EntityRef(id=f"thing:{word_class}", name=word_class.replace("-", " "),
                                type=EntityType.OTHER)}  # fmt: skip


def _country_ref(code: str, name: str) -> EntityRef:
    return EntityRef(id=f"country:{code}", name=name, type=EntityType.PLACE)


def _party(ctx: ArticleContext, tok: Token) -> EntityRef | None:
    if tok.pos_ == "PRON" and tok.lower_ in ("it", "its", "they", "their", "we", "our"):
        return ctx.salient_org()
    ref = ctx.entity_at(tok)
    if ref is None or ref.type not in _PARTY_TYPES:
        return ctx.proper_org(tok)
    if ref.rank == PlaceRank.COUNTRY and ref.country:
        # one id for a country named as a party and a country the story is about
        return _country_ref(ref.country.lower(), ref.name)
    return ref


def act_parties(ctx: ArticleContext, frame: Frame, trigger: Token, roles: list[str],
                word_class: str) -> list[EntityRef]:  # fmt: skip
    """The named parties of the act, and the story's country for a story-level act."""
    speaker = ctx.speaker(frame.head)
    said = {t.i for t in speaker} if speaker is not None else set()
    toks: list[Token] = [t for t in trigger.subtree if t.i != trigger.i]
    for role in roles or _PARTY_ROLES:
        for a in frame.args.get(role, []):
            toks += [t for t in a.subtree]
    # "signed an agreement to acquire X": the clause under the trigger noun
    found: dict[str, EntityRef] = {}
    for tok in toks:
        if tok.i in said or tok.ent_type_ in ("DATE", "TIME", "MONEY", "CARDINAL", "PERCENT"):
            continue
        ref = _party(ctx, tok)
        if ref is not None and ref.name.lower() not in ctx.lex.set("news_outlets"):
            found.setdefault(ref.id, ref)
    # "There is no strike by pilots, the airline said": no party named, so the article's
    # organisation and country stand for the parties
    fallback = not found
    if fallback and (org := ctx.salient_org()) is not None:
        found[org.id] = org
    story_level = word_class in ctx.lex.set("story_acts")
    if (fallback or story_level) and ctx.main_country is not None:
        ref = _country_ref(*ctx.main_country)
        found.setdefault(ref.id, ref)
    return list(found.values())
