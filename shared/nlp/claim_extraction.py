"""Extract typed claims from a parsed article: `read_claims` / `extract_claims`, and `RULES`.

`extract_claims(doc, mentions, article) -> list[Claim]` reuses the entity worker's parse
(never re-runs the pipeline). Each relation is one small rule over the dependency parse
(`RULES` below, one module per kind of relation under shared/nlp/rules/); the words they
look for live in shared/data/claims/lexicon.yaml. The frame patterns of the relation
registry (relations.py) add what the rules did not say of a subject.

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
See shared/nlp/events.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from shared.domain.claims import Bound, Claim, Modality, Polarity
from shared.domain.entities import EntityRef, EntityType, Mention
from shared.domain.ids import entity_id, keyed_by_name, name_key
from shared.domain.quantities import is_currency_word
from shared.nlp.article import ArticleInfo, ArticleLike
from shared.nlp.claim_context import ArticleContext
from shared.nlp.claim_lexicon import Lexicon, load_lexicon
from shared.nlp.deps import children, lemma_of
from shared.nlp.frames import read_frames
from shared.nlp.names import country_ref
from shared.nlp.relations import frame_claims
from shared.nlp.rules import Rule, Skip
from shared.nlp.rules.business import rule_deal_value, rule_plans
from shared.nlp.rules.control import rule_control
from shared.nlp.rules.location import rule_place_location
from shared.nlp.rules.offices import rule_office
from shared.nlp.rules.quantities import rule_quantity
from shared.nlp.rules.schedule import rule_event_location_and_date
from shared.nlp.rules.status import rule_occurrence, rule_status
from shared.nlp.statements import statement_claims

__all__ = ["RULES", "ArticleInfo", "ArticleLike", "Reading", "extract_claims", "read_claims"]


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
            except Skip:
                continue
        for claim in statement_claims(ctx, sent):
            claims.setdefault(claim.id, claim)
        said = {(claims[c].subject.id, claims[c].relation) for c in found}
        counted = {_count_read(claims[c]) for c in found} - {None}
        for _, claim in frame_claims(ctx, read_frames(sent, ctx.lex)):
            # one figure is one measure: "a riot left 14 inmates dead" is a toll, not also
            # a count of inmates
            if (claim.subject.id, claim.relation) not in said and \
                    _count_read(claim) not in counted:  # fmt: skip
                claims.setdefault(claim.id, claim)
                found.append(claim.id)
        if _denies_what_came_before(ctx, sent):
            for cid in previous:
                if claims[cid].polarity == Polarity.ASSERTED:
                    claims[cid] = claims[cid].model_copy(update={"modality": Modality.DISPUTED})
        previous = found
    kept = [c for cid, c in claims.items() if cid not in ctx.unasserted]
    kept += [o for c in kept if (o := _where_by_count(ctx, c)) is not None]
    kept += [o for c in kept if (o := _when_by_count(ctx, c)) is not None]
    kept += [o for c in kept if (o := _count_in_country(ctx, c)) is not None]
    kept += [o for c in kept if (o := _by_alias(ctx, c)) is not None]
    short = {name_key(full): acr for acr, full in ctx.acronyms.items()}
    kept = [_name_keyed(c, short) for c in kept]
    dropped = [(c, ctx.unasserted[cid]) for cid, c in claims.items() if cid in ctx.unasserted]
    return Reading(claims=sorted(kept, key=lambda c: (c.start, c.relation, c.id)),
                   dropped=sorted(dropped, key=lambda d: d[0].start))  # fmt: skip


def _count_read(claim: Claim) -> tuple[int, str] | None:
    """The figure a count of people or things reads, by its sentence and text (an amount of
    money is read by the registry's owner patterns more surely than by the deal rule)."""
    if not claim.relation.startswith("quantity:") or claim.value is None or (
            claim.value.unit and is_currency_word(claim.value.unit)):  # fmt: skip
        return None
    return claim.start, claim.value.text.lower()


def _name_keyed(claim: Claim, short: dict[str, str]) -> Claim:
    """The claim compared under its subject's name (ids.keyed_by_name), with a new id; an
    organisation whose short form the article defines ("the National Disaster Mitigation
    Agency (BNPB)") under that short form, as reports that use it alone are keyed."""
    subject = claim.subject
    acr = short.get(name_key(subject.name)) if subject.type == EntityType.ORG else None
    if acr is not None and subject.linked is None and subject.id.startswith("org:"):
        subject = subject.model_copy(update={"id": f"org:{name_key(acr)}", "linked": subject.id})
    subject = keyed_by_name(subject)
    if subject is claim.subject:
        return claim
    return claim.model_copy(update={"id": "", "subject": subject}).with_id()


def _by_alias(ctx: ArticleContext, claim: Claim) -> Claim | None:
    """A claim about a person the article gives two names ("X, alias 'Y'") under the other
    name too: the next report may call them only "Y"."""
    subject = claim.subject
    other = ctx.aliases.get(subject.name) if subject.type == EntityType.PERSON else None
    if other is None:
        return None
    ref = EntityRef(id=entity_id("person", other), name=other, type=EntityType.PERSON)
    return claim.model_copy(update={"id": "", "subject": ref}).with_id()


def _count_in_country(ctx: ArticleContext, claim: Claim) -> Claim | None:
    """A count of a disaster keyed on its kind, the story's country and the day as well as
    on its place: one report places the ferry disaster at Chandpur, the next on the Meghna.
    One alert per pair of sentences (registry `per_sentence`)."""
    head, _, anchor = claim.subject.id.partition("@")
    if not claim.relation.startswith("quantity:") or not head.startswith("event:"):
        return None
    if claim.relation.split(":", 1)[1] in ctx.lex.set("magnitude_nouns"):
        return None  # two quakes in one country in a day differ most in their size
    if not anchor or anchor.startswith("country:") or ctx.main_country is None:
        return None
    # disasters a country seldom has two of in a day (not attacks or fires), and only that
    # day: two reports the next morning of two landslides stay apart
    if head.split(":", 1)[1] not in ctx.lex.set("national_incidents"):
        return None
    country = country_ref(*ctx.main_country)
    day = claim.published_at.date().isoformat()
    event = EntityRef(id=f"{head}@{country.id}#{day}",
                      name=f"{head.split(':', 1)[1]} ({country.name})", type=EntityType.EVENT)
    return claim.model_copy(update={"id": "", "subject": event}).with_id()


def _where_by_count(ctx: ArticleContext, claim: Claim) -> Claim | None:
    """Where an incident happened, keyed on the incident and its exact toll: "a cholera
    outbreak in Larkana has killed 11 children" and "eleven children have died in an
    outbreak in Jaffarabad" tell of one outbreak (same kind, same count, same day) placed
    in two provinces. A count of five or more, stated exactly, is what identifies it."""
    anchor = ctx.anchors.get(claim.subject.id)
    q = claim.value
    if anchor is None or q is None or not claim.relation.startswith("quantity:"):
        return None
    if claim.subject.id not in ctx.stated_anchors:
        return None  # placed by the story's main place, not by the report: nothing to compare
    if q.bound != Bound.EXACT or q.upper is not None or q.value < 5:
        return None
    head = claim.subject.id.split(":", 1)[1].split("@", 1)[0]
    measure = claim.relation.split(":", 1)[1]
    unit = f" {q.unit}" if q.unit else ""
    event = EntityRef(id=f"event:{head}#{measure}={q.value:g}{unit.replace(' ', ':')}",
                      name=f"{head} ({q.value:g}{unit} {measure})", type=EntityType.EVENT)
    return claim.model_copy(update={"id": "", "subject": event, "relation": "occurred_in",
                                    "object": anchor, "value": None}).with_id()


def _when_by_count(ctx: ArticleContext, claim: Claim) -> Claim | None:
    """When an incident happened, keyed on the incident, its place and its exact figure: "a
    strike killed three people in Nabatieh on Saturday, 12 April" and "an Israeli strike near
    Nabatieh's market killed three on Monday, 14 April" tell of one strike dated two ways; a
    magnitude 6.3 quake in Oaxaca "on Sunday, 1 March" and "on Monday, 2 March" of one quake.
    The place and the figure keep other incidents of other days apart (relation
    `occurred_on`, with its window)."""
    anchor = ctx.anchors.get(claim.subject.id)
    day = ctx.stated_days.get(claim.id)
    q = claim.value
    if anchor is None or day is None or q is None:
        return None
    if q.bound != Bound.EXACT or q.upper is not None:
        return None
    head = claim.subject.id.split(":", 1)[1].split("@", 1)[0]
    measure = claim.relation.split(":", 1)[1]
    unit = f":{q.unit.replace(' ', ':')}" if q.unit else ""
    event = EntityRef(id=f"event:{head}@{anchor.id}#{measure}={q.value:g}{unit}",
                      name=f"{head} in {anchor.name} ({q.value:g} {measure})",
                      type=EntityType.EVENT)  # fmt: skip
    # compared by when it was reported: the dates are what differ
    return claim.model_copy(update={"id": "", "subject": event, "relation": "occurred_on",
                                    "on_date": day, "value": None,
                                    "time": claim.published_at}).with_id()


def _denies_what_came_before(ctx: ArticleContext, sent: Span) -> bool:
    """"Ukraine's General Staff denied the claim." / "Kyiv rejected this.": a sentence that
    denies the previous one's claims instead of stating its own."""
    claim_nouns = ctx.lex.set("claim_nouns")
    for tok in sent:
        if tok.pos_ != "VERB" or not ctx.is_denial(tok):
            continue
        for obj in children(tok, "dobj"):
            # not "denied the claim that X": that claim is in the sentence, judged there
            bare = not any(c.dep_ in ("acl", "relcl", "prep") for c in obj.children)
            if bare and (lemma_of(obj) in claim_nouns or obj.lower_ in ("this", "that", "it")):
                return True
    return False
