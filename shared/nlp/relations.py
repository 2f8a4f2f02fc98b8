"""The relation registry (shared/data/claims/relations.yaml) and the frame patterns it
declares, turned into claims.

`registry()` reads what the file declares per relation family: the alert kind it raises,
the judge that compares it, its window and whether it takes one value at a time. The domain
policy reads the windows from the same file (shared.domain.policy.relation_windows,
since the domain does not import spaCy code); the judges still choose their alert kind in
shared/domain/contradiction.py, so `kind` and `judge` are declarations the tests check, not
yet what dispatches. `frame_claims(ctx, frames)` applies the registry's
frame patterns to the clause frames of an article (shared/nlp/frames.py). A pattern says:

    trigger: {words: <lexicon map>, in: [roles where the trigger word may stand]}
    value:   {amount|money|count|date|act|place|site|venue: [roles]}
    subject: {owner|event_or_place|story_event|parties|incident|site|facility: [roles]}
    class_in: relation (default: "quantity:revenue") | subject ("event:election@...")
    frame_kinds, subject_types, unitless: optional narrowing
    units: <lexicon list> the value's unit must be in ("jobs", not "villages")
    heads: <lexicon list> the frame's predicate must be in ("earn", "host")
    periods: <lexicon map> of the period words a result carries on its unit ("quarterly")

Trigger words may carry a part of speech ("deal/noun"). The story-keyed readers live beside
this module: dated_events.py (date, venue, story_event), acts.py (parties), incidents.py
(place, incident), relation_subjects.py (owner, event_or_place, site). A new phrasing is a
word in a list or a pattern in the file, and a new reader only when a pattern needs a kind
of value or subject no pattern had before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import srsly
from spacy.tokens import Token

from shared.domain.claims import Claim, Polarity, Quantity
from shared.domain.entities import EntityRef
from shared.domain.quantities import PERIOD, parse_money, parse_quantity
from shared.domain.timeexpr import resolve
from shared.nlp.acts import act_claims
from shared.nlp.amounts import NUM_ENTS, number_text, quantity_of_noun
from shared.nlp.claim_context import ArticleContext
from shared.nlp.dated_events import date_candidates, future_clause, story_events, venue
from shared.nlp.deps import hyphen_tail, lemma_of, prep_objects
from shared.nlp.frames import NOMINAL, Frame
from shared.nlp.incidents import incident, incident_place, stated_place
from shared.nlp.relation_subjects import (
    clause_verb,
    subject_event_or_place,
    subject_facility,
    subject_owner,
    subject_site,
    subject_winner,
)

REGISTRY_PATH = Path(__file__).resolve().parent.parent / "data" / "claims" / "relations.yaml"


@dataclass(frozen=True)
class RelationSpec:
    name: str
    kind: str
    judge: str
    window_hours: float | None
    single_valued: bool
    key: tuple[str, ...]


@dataclass(frozen=True)
class Registry:
    relations: dict[str, RelationSpec]
    frames: tuple[dict[str, Any], ...]

    def spec(self, relation: str) -> RelationSpec | None:
        return self.relations.get(relation.split(":", 1)[0])


@lru_cache(maxsize=2)
def registry(path: str | None = None) -> Registry:
    data = srsly.read_yaml(Path(path) if path else REGISTRY_PATH)
    if not isinstance(data, dict) or not isinstance(data.get("relations"), dict):
        raise ValueError("relations.yaml must map 'relations' to relation specs")
    specs = {
        name: RelationSpec(
            name=name,
            kind=str(raw["kind"]),
            judge=str(raw["judge"]),
            window_hours=None if raw.get("window_hours") is None else float(raw["window_hours"]),
            single_valued=bool(raw.get("single_valued", True)),
            key=tuple(str(k) for k in raw.get("key", [])),
        )
        for name, raw in data["relations"].items()
    }
    frames = tuple(data.get("frames") or ())
    for pattern in frames:
        if pattern.get("relation") not in specs:
            raise ValueError(f"frame pattern {pattern.get('name')!r}: unknown relation")
    return Registry(relations=specs, frames=frames)


# --- triggers ------------------------------------------------------------------------


def _words(tok: Token) -> tuple[str, ...]:
    """The forms a trigger list may name: lemma, lower case, "take in" with its particle,
    and each of them with the part of speech ("deal/noun": the noun, not "to deal with")."""
    prt = [c.lower_ for c in tok.children if c.dep_ == "prt"]
    forms: tuple[str, ...] = (tok.lemma_.lower(), tok.lower_)
    last = hyphen_tail(tok)
    if last is not None:
        # "by-election", "re-run": the tokenizer splits the word and the parser may hang
        # the clause on its first part
        forms += (f"{tok.lower_}-{last.lower_}", f"{tok.lower_}-{last.lemma_.lower()}")
    forms += tuple(f"{f} {p}" for f in forms for p in prt)
    return forms + tuple(f"{f}/{_pos(tok)}" for f in forms)


# an adjective the parser makes a clause's argument is the noun of that word: "the Copa
# Sudamericana final will be played" (tagged ADJ) is the match, as "the final" is
_ARGUMENT_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "pobj"})


def _pos(tok: Token) -> str:
    if tok.pos_ in ("NOUN", "PROPN") or (tok.pos_ == "ADJ" and tok.dep_ in _ARGUMENT_DEPS):
        return "noun"
    return tok.pos_.lower()


def _forms(ctx: ArticleContext, tok: Token) -> tuple[str, ...]:
    """_words of a token, computed once per article (every pattern asks for them)."""
    found = ctx.word_forms.get(tok.i)
    if found is None:
        found = ctx.word_forms[tok.i] = _words(tok)
    return found


def _counted_trigger(ctx: ArticleContext, frame: Frame,
                     spec: dict[str, Any]) -> tuple[Token, str] | None:  # fmt: skip
    """A noun counted by a number ("31 confirmed measles cases") and its measure: the
    noun's class in the `counted` map (a noun it does not name is no measure); a noun for people
    ("1,850 people have contracted cholera") is measured by the verb it is the subject or
    object of. Nouns of time, distance and the like count nothing (`uncounted_nouns`)."""
    classes = ctx.lex.map(spec["counted"])
    skip = ctx.lex.set("uncounted_nouns")
    people = ctx.lex.set("people_nouns")
    # "Teknaf, where more than a million refugees live": background, not the day's count
    verb = frame.head if frame.kind != NOMINAL else clause_verb(frame.head)
    if verb.dep_ == "relcl" or verb.lemma_.lower() in ctx.lex.set("stative_count_verbs"):
        return None
    for where in spec.get("in", ["head"]):
        toks = [frame.head] if where == "head" else frame.args.get(where, [])
        for tok in toks:
            if tok.pos_ not in ("NOUN", "PROPN", "NUM") or tok.ent_type_ in ("DATE", "TIME"):
                continue
            if quantity_of_noun(ctx, tok) is None or _shares(ctx, tok):
                continue
            lemma = tok.lemma_.lower()
            after = [t for t in toks if t.i > tok.i and t.pos_ == "NOUN"]
            if tok.like_num and after:  # "recorded 31 | confirmed cases": parsed apart
                lemma = after[0].lemma_.lower()
            elif lemma in people or tok.like_num:
                lemma = _forms(ctx, verb)[0]
            # only measures the lexicon names: on real news, free nouns ("six shots,
            # then four more", "seven of the 28 girls") count parts and subsets
            if lemma in skip or lemma not in classes or _increment(ctx, tok):
                continue
            return tok, classes[lemma]
    return None


def _shares(ctx: ArticleContext, tok: Token) -> bool:
    """"849 cases, or 34% of the 2,526 total": the sentence counts a part and its whole
    (read once per sentence)."""
    start = tok.sent.start
    found = ctx.share_sentences.get(start)
    if found is None:
        found = ctx.share_sentences[start] = any(
            t.text == "%" or t.lower_ in ("percent", "per") for t in tok.sent)
    return found


def _increment(ctx: ArticleContext, tok: Token) -> bool:
    """"two more doctors", "14 additional officers", "another three people": a count added
    to one told before, not the whole."""
    near = [*tok.children, *(c for c in tok.children for c in c.children)]
    if tok.i + 1 < len(tok.doc):
        near.append(tok.doc[tok.i + 1])
    return any(t.lower_ in ctx.lex.set("increment_words") for t in near)


def _held_by(tok: Token, containers: frozenset[str]) -> list[Token]:
    """What a number or a container noun holds: "47 of the 93 seats", "34.2% of valid
    votes", "the next round of negotiations"."""
    if tok.lemma_.lower() in containers or tok.like_num or tok.ent_type_ == "PERCENT":
        return prep_objects(tok, "of", "for")
    return []


def _trigger(ctx: ArticleContext, frame: Frame, spec: dict[str, Any]) -> tuple[Token, str] | None:
    """(trigger token, what the word list maps it to), looked for in the order given."""
    if "counted" in spec:
        return _counted_trigger(ctx, frame, spec)
    words = ctx.lex.map(spec["words"])
    containers = ctx.lex.set("container_nouns")
    found: list[tuple[Token, str]] = []
    for where in spec.get("in", ["head"]):
        toks = [frame.head] if where == "head" else frame.args.get(where, [])
        # "the next round of negotiations", "the opening session of the congress"
        if where == "in":  # "earned 6.4 billion birr in net profit": the amount's "in"
            toks = toks + _amount_in(frame)
        toks = [t for tok in toks for t in (tok, *_held_by(tok, containers))]
        for tok in toks:
            form = next((f for f in _forms(ctx, tok) if f in words), None)
            if form is not None:
                found.append((tok, words[form]))
    if not found:
        return None
    # "return to the polls on December 21 for a presidential runoff": the runoff, a kind of
    # election the clause names beside the general word (lexicon `event_refinements`)
    finer = {b for a, b in ctx.lex.pairs("event_refinements") if a == found[0][1]}
    return next((f for f in found if f[1] in finer), found[0])


# --- values --------------------------------------------------------------------------


def _amount_in(frame: Frame) -> list[Token]:
    """What the clause's amount is "in", where the parser hangs the phrase on the amount:
    "earned 6.4 billion birr in net profit"."""
    return [o for p in frame.args.get("patient", []) if any(c.like_num for c in p.children)
            for o in prep_objects(p, "in")]  # fmt: skip


def _amount_of(tok: Token) -> Quantity | None:
    """A money amount or number named by tok or by the number inside its phrase."""
    for t in [tok, *tok.subtree]:
        if t.ent_type_ in NUM_ENTS or t.like_num:
            text = number_text(t)
            if text is None:
                continue
            # "4.6 billion birr" with the currency word outside the NER's amount
            upto = tok.doc[t.i : tok.i + 1].text if t.i < tok.i <= t.i + 4 else None
            return (parse_money(text) or (parse_money(upto) if upto else None)
                    or parse_quantity(text))  # fmt: skip
    return None


def _value_amount(ctx: ArticleContext, frame: Frame, roles: list[str]) -> Quantity | None:
    for tok in frame.arg(*roles):
        q = _amount_of(tok)
        if q is not None:
            return q
    return None


def _value_count(ctx: ArticleContext, frame: Frame, roles: list[str]) -> Quantity | None:
    heads = [frame.head] if frame.kind == NOMINAL else []  # "870 new dengue cases"
    for tok in [*frame.arg(*roles), *heads]:
        found = quantity_of_noun(ctx, tok)
        if found is not None:
            _, text, unit = found
            q = parse_quantity(text, unit=unit)
            if q is not None:
                return q
    return None


def _count_of(ctx: ArticleContext, tok: Token) -> dict[str, Any] | None:
    found = quantity_of_noun(ctx, tok)
    if found is None:
        return None
    q = parse_quantity(found[1], unit=None)
    return None if q is None else {"value": q}


def _value_money(ctx: ArticleContext, frame: Frame, roles: list[str]) -> Quantity | None:
    """An amount with its currency: a share ("70% of its exports") is no revenue."""
    q = _value_amount(ctx, frame, roles)
    return q if q is not None and q.unit is not None and q.unit.isupper() else None


def _value_date(ctx: ArticleContext, frame: Frame, roles: list[str],
                word_class: str) -> dict[str, Any] | None:  # fmt: skip
    """The date a scheduled event is set for: "will hold elections on Dec. 29", "is due to
    face trial from April 15", "are scheduled for 29 March". Only of a clause that looks
    ahead (dates.future_clause); a date before publication is another, earlier episode."""
    if not future_clause(ctx.lex, frame.head):
        return None
    published = ctx.article.published_at
    for tok in date_candidates(frame, roles):
        span = ctx.doc[tok.left_edge.i : tok.right_edge.i + 1]
        if not any(t.ent_type_ == "DATE" for t in span):
            continue
        when = resolve(span.text, published, prefer_future=True)
        if when is None and tok.ent_type_ == "DATE":
            # "on 3 December in the trial of X": the date without what hangs on it
            when = resolve(_entity_text(tok), published, prefer_future=True)
        if when is None or when.end < published.date() - timedelta(days=1):
            continue
        return {"on_date": when.start, "on_date_end": None if when.is_day else when.end,
                "time": published}  # fmt: skip
    return None


def _entity_text(tok: Token) -> str:
    ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
    return ent.text if ent is not None else tok.text


def _value_act(ctx: ArticleContext, frame: Frame, roles: list[str],
               word_class: str) -> dict[str, Any] | None:  # fmt: skip
    """The act itself is the value, asserted or denied (the frame's polarity); its object
    comes with each subject (acts.act_claims)."""
    return {}


def _as_value(read: Callable[[ArticleContext, Frame, list[str]], Quantity | None]) -> ValueReader:
    def reader(ctx: ArticleContext, frame: Frame, roles: list[str],
               word_class: str) -> dict[str, Any] | None:  # fmt: skip
        q = read(ctx, frame, roles)
        return None if q is None else {"value": q}

    return reader


# each reader gives the claim fields that carry the value, or None
ValueReader = Callable[[ArticleContext, Frame, list[str], str], "dict[str, Any] | None"]
_VALUES: dict[str, ValueReader] = {
    "amount": _as_value(_value_amount),
    "money": _as_value(_value_money),
    "count": _as_value(_value_count),
    "date": _value_date,
    "act": _value_act,
    "place": incident_place,
    "site": stated_place,
    "venue": venue,
}


# --- subjects ------------------------------------------------------------------------


def _one(read: Callable[[ArticleContext, Frame, Token, list[str], str], EntityRef | None],
         ) -> SubjectReader:  # fmt: skip
    def reader(ctx: ArticleContext, frame: Frame, trigger: Token, roles: list[str],
               word_class: str) -> list[tuple[EntityRef, dict[str, Any]]]:  # fmt: skip
        found = read(ctx, frame, trigger, roles, word_class)
        return [(found, {})] if found is not None else []

    return reader


# each reader gives the subjects a claim is keyed on (one claim per subject), each with the
# claim fields that go with that subject (the other party of a deal)
SubjectReader = Callable[[ArticleContext, Frame, Token, list[str], str],
                         list[tuple[EntityRef, dict[str, Any]]]]  # fmt: skip
_SUBJECTS: dict[str, SubjectReader] = {
    "owner": _one(subject_owner),
    "winner": _one(subject_winner),
    "event_or_place": _one(subject_event_or_place),
    "story_event": story_events,
    "parties": act_claims,
    "incident": _one(incident),
    "site": _one(subject_site),
    "facility": _one(subject_facility),
}


def _apply(ctx: ArticleContext, frame: Frame, pattern: dict[str, Any]) -> list[Claim]:
    kinds = pattern.get("frame_kinds")
    if kinds and frame.kind not in kinds:
        return []
    heads = pattern.get("heads")  # a lexicon list the frame's predicate must be in
    if heads and frame.head.lemma_.lower() not in ctx.lex.set(heads):
        return []
    found = _trigger(ctx, frame, pattern["trigger"])
    if found is None:
        return []
    trigger, word_class = found
    # "11 prisoners were killed": a verb that counts another measure takes the count (the
    # frame's, or for a noun's own frame the verb the noun is an argument of)
    measures = ctx.lex.map(pattern["yield_to"]) if pattern.get("yield_to") else {}
    verb = trigger.head if frame.kind == "nominal" else frame.head
    if measures.get(lemma_of(verb), word_class) != word_class:
        return []
    (value_kind, value_roles), = pattern["value"].items()
    if value_kind == "counted":  # the count of the trigger noun itself
        fields = _count_of(ctx, trigger)
    else:
        fields = _VALUES[value_kind](ctx, frame, list(value_roles), word_class)
    if fields is None:
        return []
    value = fields.get("value")
    units = pattern.get("units")  # "cut 1,200 jobs", not "cut off 15 villages"
    if units and (value is None or (value.unit or "").lower() not in ctx.lex.set(units)):
        return []
    words = pattern["trigger"].get("words") or pattern["trigger"]["counted"]
    if value is not None and value.unit and (pattern.get("unitless") or ctx.lex.map(
            words).get(value.unit) == word_class):  # fmt: skip
        # "3,000 protesters" counts what "30,000 people joined the protest" counts; "1,200
        # jobs" what "2,100 positions" count (the measure is in the relation)
        fields["value"] = value.model_copy(update={"unit": None})
    (subject_kind, subject_roles), = pattern["subject"].items()
    subjects = _SUBJECTS[subject_kind](ctx, frame, trigger, list(subject_roles), word_class)
    # the word class names the measure in the relation ("quantity:revenue") unless the
    # pattern keys it in the subject ("event:election@country:td" scheduled_for)
    relation = pattern["relation"]
    if pattern.get("class_in", "relation") == "relation":
        relation = f"{relation}:{word_class}"
    polarity = Polarity.NEGATED if frame.negated else None
    # a noun's claim is dated, hedged and attributed by the clause it stands in
    pred = clause_verb(frame.head) if frame.kind == NOMINAL else frame.head
    value = fields.get("value")
    if pattern.get("periods") and value is not None and value.unit:
        # "quarterly profit" is not the year's: the period rides on the unit, so that two
        # periods never conflict while a figure with no period meets either
        period = _period_of(ctx, pattern["periods"], pred, trigger)
        if period is not None:
            fields["value"] = value.model_copy(update={"unit": f"{value.unit}{PERIOD}{period}"})
    # a person is the subject of an act ("X was not fired"), not of a count or a date
    allowed = set(pattern.get("subject_types") or ("place", "org", "event", "other"))
    return [ctx.make_claim(pred, subject, relation, polarity=polarity, **fields, **more)
            for subject, more in subjects if subject.type.value in allowed]  # fmt: skip


def _period_of(ctx: ArticleContext, periods: str, pred: Token, trigger: Token) -> str | None:
    """The period a result is for, from the words on the measure and the clause's own
    phrases ("first-quarter profit", "revenue for the three months to September"), not a
    coordinated clause's ("..., while annual profit reached")."""
    words = ctx.lex.map(periods)
    near = [*trigger.subtree] + [t for c in pred.children
                                 if c.dep_ in ("prep", "npadvmod", "advmod", "amod", "dobj")
                                 for t in c.subtree]  # fmt: skip
    for t in near:
        # the word after, across a hyphen: "full-year", "three months"
        after = hyphen_tail(t) or (t.doc[t.i + 1] if t.i + 1 < len(t.doc) else None)
        pair = f"{t.lower_} {after.lower_}" if after is not None else ""
        forms = (t.lower_, t.lemma_.lower(), pair)
        hit = next((words[f] for f in forms if f in words), None)
        if hit is not None:
            return hit
    return None


def _trigger_words(ctx: ArticleContext, spec: dict[str, Any]) -> frozenset[str] | None:
    """The forms a word-list trigger can match (None for a counted trigger: any noun)."""
    if "counted" in spec:
        return None
    return frozenset(ctx.lex.map(spec["words"]))


def _frame_forms(ctx: ArticleContext, frame: Frame) -> set[str]:
    """Every form a trigger could match in the frame: its head's and its arguments', with
    what a container noun holds ("the next round of negotiations"); patterns none of whose
    words are among them are not tried."""
    containers = ctx.lex.set("container_nouns")
    toks = [frame.head, *(t for ts in frame.args.values() for t in ts), *_amount_in(frame)]
    toks += [o for t in toks for o in _held_by(t, containers)]
    return {f for t in toks for f in _forms(ctx, t)}


def frame_claims(ctx: ArticleContext, frames: list[Frame]) -> Iterator[tuple[Frame, Claim]]:
    """Claims the registry's frame patterns read from `frames`, each with its frame."""
    patterns = registry().frames
    keys = [_trigger_words(ctx, p["trigger"]) for p in patterns]
    for frame in frames:
        said: set[str] = set()  # one claim per relation and frame: the first pattern's
        forms = _frame_forms(ctx, frame)
        for pattern, words in zip(patterns, keys, strict=True):
            if pattern["relation"] in said or (words is not None and words.isdisjoint(forms)):
                continue
            claims = _apply(ctx, frame, pattern)
            for claim in claims:
                yield frame, claim
            if claims:
                said.add(pattern["relation"])
