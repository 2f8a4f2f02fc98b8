"""Judge a new claim against an earlier one with the same subject and relation.

Pure Python. `compare(new, old, policy)` returns a Verdict: CONTRADICTION (with a kind, a
severity and a one-line reason that names the entities), CONSISTENT (agrees, contains,
restates), UPDATE (a state that changed between reports further apart than the relation's
window in the policy) or UNRELATED (different subject, relation or object of an event).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from shared.domain.alerts import AlertKind, Outcome, Severity, Verdict
from shared.domain.claims import Claim, Modality, Polarity
from shared.domain.entities import EntityRef
from shared.domain.ids import name_key
from shared.domain.names import name_words, one_person, two_entities
from shared.domain.places import PlaceRelation, relate
from shared.domain.policy import Policy, default_policy
from shared.domain.quantities import compatible, describe, ratio, two_periods


def _consistent(reason: str = "") -> Verdict:
    return Verdict(outcome=Outcome.CONSISTENT, reason=reason)


def _unrelated(reason: str = "") -> Verdict:
    return Verdict(outcome=Outcome.UNRELATED, reason=reason)


def _update(reason: str) -> Verdict:
    return Verdict(outcome=Outcome.UPDATE, reason=reason)


def _lower(sev: Severity) -> Severity:
    return {Severity.HIGH: Severity.MEDIUM, Severity.MEDIUM: Severity.LOW}.get(sev, Severity.LOW)


def _conflict(new: Claim, old: Claim, kind: AlertKind, reason: str,
              severity: Severity = Severity.HIGH) -> Verdict:  # fmt: skip
    if new.modality == Modality.HEDGED or old.modality == Modality.HEDGED:
        severity = _lower(severity)
        reason += " (one report is hedged)"
    return Verdict(outcome=Outcome.CONTRADICTION, kind=kind, severity=severity, reason=reason)


def _hours_apart(a: datetime, b: datetime) -> float:
    return abs((a - b).total_seconds()) / 3600.0


def _day(t: datetime) -> str:
    return t.strftime("%d %b %Y")


def _when(new: Claim, old: Claim) -> str:
    if new.time.date() == old.time.date():
        return "on the same day"
    return f"({_day(old.time)} vs {_day(new.time)})"


def _beyond_window(new: Claim, old: Claim, policy: Policy) -> bool:
    window = policy.window(new.relation)
    if window is None:
        return False
    if (new.relation.partition(":")[2].split() or [""])[-1] in policy.measure_windows:
        # a period's result ("for the year ended March 31") is told as of the report: two
        # reports a day apart of one year's profit are one figure told two ways
        return _hours_apart(new.published_at, old.published_at) > window
    return _hours_apart(new.time, old.time) > window


def _positive(c: Claim) -> bool:
    return c.polarity == Polarity.ASSERTED


def _neg_word(c: Claim) -> str:
    return {Polarity.ASSERTED: "", Polarity.NEGATED: "not ", Polarity.DENIED: "denied: "}[
        c.polarity
    ]


def _syndicated(new: Claim, old: Claim) -> bool:
    norm = " ".join(new.sentence.lower().split())
    return bool(norm) and norm == " ".join(old.sentence.lower().split())


def _distinct_events(a: EntityRef, b: EntityRef) -> bool:
    """Events are keyed on their head noun ("event:election") so that "the Nordic Climate
    Forum" and a later "the forum" compare. Their names keep the modifiers that tell events
    apart (the extractor drops generic ones such as "upcoming"): when both names have
    modifiers and share none ("presidential election" vs "parliamentary election", "Nordic
    Climate Forum" vs "Asian Investment Forum") they are different events. Place-anchored
    events ("event:earthquake@geo:...") are already told apart by their place."""
    if not a.id.startswith("event:") or "@" in a.id:
        return False
    mods_a, mods_b = set(a.name.lower().split()[:-1]), set(b.name.lower().split()[:-1])
    return bool(mods_a) and bool(mods_b) and not (mods_a & mods_b)


_STORY_MIN = 3


def _other_stories(a: Claim, b: Claim) -> bool:
    """Two reports about an event keyed on its noun alone ("event:news-conference") that
    name none of the same entities tell two stories: a conference in Sofia in one and a
    conference in Bahrain in another are two conferences, not one in two places."""
    if not a.subject.id.startswith("event:") or "@" in a.subject.id:
        return False
    # the values themselves (Geneva, Vienna) say nothing about the story; a short report
    # that names little else cannot be told apart, so it is compared
    values = {i for c in (a, b) if c.object for i in (c.object.id, *c.object.ancestors)}
    sa, sb = set(a.story) - values, set(b.story) - values
    return len(sa) >= _STORY_MIN and len(sb) >= _STORY_MIN and not sa & sb


def compare(new: Claim, old: Claim, policy: Policy | None = None) -> Verdict:
    """Verdict of `new` against the earlier `old`."""
    policy = policy or default_policy()
    if new.subject.id != old.subject.id or new.relation != old.relation:
        return _unrelated("different subject or relation")
    if new.article_id == old.article_id and new.store == old.store:
        return _unrelated("same article")
    if two_entities(new.subject, old.subject):
        ages = (f" (born about {old.subject.born} and {new.subject.born})"
                if old.subject.born and new.subject.born else "")  # fmt: skip
        return _unrelated(f"{old.subject.name} and {new.subject.name} are two entities{ages}")
    if _distinct_events(new.subject, old.subject):
        return _unrelated(f"{old.subject.name} and {new.subject.name} are different events")
    if _other_stories(new, old):
        return _unrelated(f"the two reports of {new.subject.name} share no entity")
    if new.content_key() == old.content_key():
        return _consistent("same claim")
    if _syndicated(new, old):
        return _consistent(f"same sentence in {old.source} and {new.source}")
    disputed = next((c for c in (new, old) if c.modality == Modality.DISPUTED), None)
    if disputed is not None:
        return _consistent(f"{disputed.source} already reports the claim as disputed")
    family = new.relation.split(":", 1)[0]
    judge = _JUDGES.get(family)
    if judge is None:
        return _generic(new, old, policy)
    return judge(new, old, policy)


# --- per-relation judges -------------------------------------------------------------


def _location(new: Claim, old: Claim, policy: Policy) -> Verdict:
    if new.object is None or old.object is None:
        return _unrelated("no place")
    if _beyond_window(new, old, policy):  # (located_in and held_in have no window)
        return _unrelated("reports too far apart to be about one incident")
    subj = new.subject.name
    rel = relate(new.object, old.object)
    verb = {"located_in": "lies", "detained_in": "is held"}.get(new.relation, "takes place")
    if _positive(new) and _positive(old):
        if rel == PlaceRelation.DISJOINT:
            return _conflict(
                new, old, AlertKind.LOCATION,
                f"{subj}: {old.source} says it {verb} in {old.object.name}, {new.source} "
                f"in {new.object.name}; {old.object.name} and {new.object.name} do not overlap",
            )  # fmt: skip
        return _consistent(f"{old.object.name} and {new.object.name}: {rel}")
    if _positive(new) != _positive(old) and rel in (PlaceRelation.SAME, PlaceRelation.WITHIN):
        pos, neg = (new, old) if _positive(new) else (old, new)
        assert pos.object is not None and neg.object is not None
        return _conflict(
            new, old, AlertKind.LOCATION,
            f"{subj}: {pos.source} places it in {pos.object.name}, {neg.source} says it is "
            f"not in {neg.object.name}",
        )  # fmt: skip
    return _consistent()


def _control(new: Claim, old: Claim, policy: Policy) -> Verdict:
    place = new.subject.name
    conflict = False
    a, b = new.object, old.object
    if a is not None and b is not None:
        if a.id == b.id:
            conflict = _positive(new) != _positive(old)
        else:
            conflict = _positive(new) and _positive(old)
    else:
        # An unnamed captor: "the town had been captured" vs "has not fallen".
        conflict = (
            new.state == "captured" and old.state == "captured"
            and _positive(new) != _positive(old)
        )  # fmt: skip
        if not conflict and (a is None) != (b is None):
            # a denied capture vs an asserted capture by X conflicts; "X was captured" (by
            # someone) vs "X remains held by the army" on the same days conflicts too: one
            # report says the place changed hands, the other that its holder kept it
            unnamed, named = (new, old) if a is None else (old, new)
            conflict = (
                unnamed.state == "captured" and named.state == "captured"
                and _positive(unnamed) != _positive(named)
            ) or (
                unnamed.state == "captured" and named.state == "held"
                and _positive(unnamed) and _positive(named)
            )  # fmt: skip
    if not conflict:
        return _consistent(f"control of {place} agrees")

    def says(c: Claim) -> str:
        who = c.object.name if c.object else "its attackers"
        verb = "captured by" if c.state == "captured" else "held by"
        if c.polarity == Polarity.ASSERTED:
            return f"{verb} {who}"
        return f"not {verb} {who}"

    if _beyond_window(new, old, policy):
        return _update(f"control of {place} changed: {says(old)} then {says(new)}")
    return _conflict(
        new, old, AlertKind.CONTROL,
        f"{place}: {says(old)} ({old.source}) vs {says(new)} ({new.source}) {_when(new, old)}",
    )  # fmt: skip


def _state_conflict(a: str | None, b: str | None, policy: Policy) -> bool:
    if a is None or b is None or a == b:
        return False
    return any(a in g and b in g for g in policy.status_groups)


def _status(new: Claim, old: Claim, policy: Policy) -> Verdict:
    who = new.subject.name
    if _positive(new) and _positive(old):
        conflict = _state_conflict(new.state, old.state, policy)
    else:
        conflict = new.state == old.state and _positive(new) != _positive(old)
    if not conflict:
        return _consistent()
    old_s = f"{_neg_word(old)}{old.state}"
    new_s = f"{_neg_word(new)}{new.state}"
    if _beyond_window(new, old, policy):
        return _update(f"{who}: {old_s} then {new_s}")
    return _conflict(
        new, old, AlertKind.STATUS,
        f"{who}: {old_s} ({old.source}) vs {new_s} ({new.source}) {_when(new, old)}",
    )  # fmt: skip


def _quantity(new: Claim, old: Claim, policy: Policy) -> Verdict:
    if new.value is None or old.value is None:
        return _unrelated("no value")
    if not (_positive(new) and _positive(old)):
        return _consistent()
    measure = new.relation.split(":", 1)[1] if ":" in new.relation else new.relation
    tolerance = policy.measure_tolerances.get(measure, policy.quantity_tolerance)
    if periods := two_periods(new.value, old.value):
        return _unrelated(f"{measure} for two periods ({periods[1]}, {periods[0]})")
    groups = policy.people_groups if measure in policy.people_measures else frozenset()
    if compatible(new.value, old.value, tolerance, people=groups):
        return _consistent(f"{describe(old.value)} and {describe(new.value)} agree")
    subj = new.subject.name
    text = (
        f"{subj}: {describe(old.value)} {measure} ({old.source}) vs "
        f"{describe(new.value)} {measure} ({new.source}) {_when(new, old)}"
    )
    sev = Severity.HIGH if ratio(new.value, old.value) >= policy.quantity_high_ratio else (
        Severity.MEDIUM
    )
    if _beyond_window(new, old, policy):
        later, earlier = (new, old) if new.time >= old.time else (old, new)
        assert later.value is not None and earlier.value is not None
        fall = policy.fall_window_hours
        if measure not in policy.monotone_measures or later.value.value >= earlier.value.value \
                or (fall is not None and _hours_apart(new.time, old.time) > fall):
            return _update(f"{subj}: {measure} went from {describe(earlier.value)} to "
                           f"{describe(later.value)}")  # fmt: skip
        return _conflict(new, old, AlertKind.QUANTITY, text + " (a cumulative count fell)",
                         Severity.LOW)  # fmt: skip
    return _conflict(new, old, AlertKind.QUANTITY, text, sev)


def _span(c: Claim) -> tuple[date, date] | None:
    if c.on_date is None:
        return None
    return c.on_date, c.on_date_end or c.on_date


def _date(new: Claim, old: Claim, policy: Policy) -> Verdict:
    a, b = _span(new), _span(old)
    if a is None or b is None:
        return _unrelated("no date")
    if not (_positive(new) and _positive(old)):
        if a == b and _positive(new) != _positive(old):
            return _conflict(new, old, AlertKind.DATE,
                             f"{new.subject.name}: on {a[0]:%d %B} asserted and denied")
        return _consistent()
    if a[0] <= b[1] and b[0] <= a[1]:
        return _consistent()

    def fmt(s: tuple[date, date]) -> str:
        return f"{s[0]:%d %B %Y}" if s[0] == s[1] else f"{s[0]:%d %B}-{s[1]:%d %B %Y}"

    happened = new.relation == "occurred_on"
    if _beyond_window(new, old, policy):
        if happened:  # reports days apart of one place and toll: two incidents
            return _unrelated("reported too far apart to be one incident")
        return _update(f"{new.subject.name} rescheduled from {fmt(b)} to {fmt(a)}")
    verb = "happened on" if happened else "scheduled for"
    return _conflict(
        new, old, AlertKind.DATE,
        f"{new.subject.name}: {verb} {fmt(b)} ({old.source}) vs {fmt(a)} ({new.source})",
    )


def _office(new: Claim, old: Claim, policy: Policy) -> Verdict:
    if new.object is None or old.object is None:
        return _unrelated("no holder")
    title = new.relation.split(":", 1)[1].replace("-", " ")
    org = new.subject.name
    if new.object.id == old.object.id:
        if _positive(new) == _positive(old):
            return _consistent()
        return _conflict(new, old, AlertKind.ROLE,
                         f"{org} {title}: {new.object.name} asserted and denied")
    if not (_positive(new) and _positive(old)):
        return _consistent()
    if one_person(new.object.name, old.object.name) or _one_surname(new.object, old.object):
        # "Bill Bratton" and "William Bratton": two holders of one office at one time with
        # one surname are one person named two ways far more often than two people
        return _consistent(f"{old.object.name} and {new.object.name} are one person")
    if _beyond_window(new, old, policy):
        return _update(f"{org} {title}: {old.object.name} then {new.object.name}")
    return _conflict(
        new, old, AlertKind.ROLE,
        f"{org} has two {_plural(title)} {_when(new, old)}: {old.object.name} ({old.source}) and "
        f"{new.object.name} ({new.source})",
    )  # fmt: skip


def _one_surname(a: EntityRef, b: EntityRef) -> bool:
    wa, wb = name_words(a.name), name_words(b.name)
    return bool(wa) and bool(wb) and wa[-1] == wb[-1]


def _same_thing(a: Claim, b: Claim, policy: Policy) -> bool:
    if a.object is None or b.object is None:
        # "X announced that ..." vs "X is not expected to announce that": an act without
        # an object is too vague to compare, unless it needs none ("agreed to merge")
        act = a.relation.split(":", 1)[-1]
        return a.object is None and b.object is None and act in policy.acts_without_object
    if a.object.id == b.object.id:
        return True
    ha, _, anchor_a = a.object.id.partition("@")
    hb, _, anchor_b = b.object.id.partition("@")
    return ha == hb and (not anchor_a or not anchor_b)


def _event(new: Claim, old: Claim, policy: Policy) -> Verdict:
    if not _same_thing(new, old, policy):
        return _unrelated("different objects")
    if _positive(new) == _positive(old):
        return _consistent()
    action = new.relation.split(":", 1)[1]
    thing = f" {new.object.name}" if new.object else ""
    pos, neg = (new, old) if _positive(new) else (old, new)
    denied = neg.polarity == Polarity.DENIED
    if _beyond_window(new, old, policy):
        return _update(f"{new.subject.name}: plan to {action}{thing} changed")
    if action == "occur":  # an incident: "an explosion occurred" / "no explosion"
        how = "denies it" if denied else "says it did not"
        return _conflict(new, old, AlertKind.NEGATION,
                         f"{new.subject.name}: {pos.source} reports it happened; "
                         f"{neg.source} {how}")  # fmt: skip
    how = "denies it" if denied else "says it did not or will not"
    return _conflict(new, old, AlertKind.NEGATION,
                     f"{_act_label(new, action)}: {pos.source} reports it; {neg.source} {how}")


def _plural(title: str) -> str:
    """"coach" -> "coaches", "chief of staff" -> "chiefs of staff", "secretary" ->
    "secretaries"."""
    head, sep, rest = title.partition(" of ")
    if head.endswith("y") and head[-2:-1] not in ("a", "e", "o", "u"):
        word = head[:-1] + "ies"  # "secretary" -> "secretaries"
    else:
        word = head + ("es" if head.endswith(("ch", "sh", "s", "x")) else "s")
    return word + sep + rest


def _act_label(c: Claim, action: str) -> str:
    """"Kaira to close plant"; "Mosul: case of ebola" where the object names the act itself
    (not "Ebola to case case of ebola")."""
    thing = c.object.name if c.object else ""
    if not thing.lower().startswith(action.replace("-", " ")):
        return f"{c.subject.name} to {action}{' ' + thing if thing else ''}"
    return thing if c.subject.name.lower() in thing.lower() else f"{c.subject.name}: {thing}"


def _statement_parts(c: Claim) -> dict[str, frozenset[str]]:
    """"w:<stems>|v:<verb stems>|n:<names>" (shared/nlp/statements.py) as sets."""
    parts: dict[str, frozenset[str]] = {}
    for part in (c.state or "").split("|"):
        key, _, words = part.partition(":")
        parts[key] = frozenset(w for w in words.split(",") if w)
    return parts


def _statement(new: Claim, old: Claim, policy: Policy) -> Verdict:
    """A clause said of a party and a clause that unsays it (shared/nlp/statements.py):
    one asserted, the other negated or denied, sharing at least two content stems, half of
    the shorter clause's and one of their verbs ("in advanced talks to merge" / "not in
    talks ... about a merger"), and not naming two different things ("flights to
    Manchester" / "no flights to New York")."""
    if _positive(new) == _positive(old):
        return _consistent()
    pa, pb = _statement_parts(new), _statement_parts(old)
    if pa.get("r") and pb.get("r"):
        return _unrelated("both sentences reject what was said")  # two denials
    a, b = pa.get("w", frozenset()), pb.get("w", frozenset())
    shared = a & b
    if len(shared) < 2 or 2 * len(shared) < min(len(a), len(b)):
        return _unrelated("the two statements say different things")
    if not shared & (pa.get("v", frozenset()) | pb.get("v", frozenset())):
        return _unrelated("the two statements do not say the same was done")
    own = set(name_key(new.subject.name).split("-"))
    na, nb = pa.get("n", frozenset()) - own, pb.get("n", frozenset()) - own
    if na and nb and not na & nb:
        return _unrelated("the two statements are about different things they name")
    pos, neg = (new, old) if _positive(new) else (old, new)
    if _beyond_window(new, old, policy):
        return _update(f"{new.subject.name}: said, then unsaid")
    how = "denies it" if neg.polarity == Polarity.DENIED else "says it is not so"
    words = ", ".join(sorted(shared))
    return _conflict(new, old, AlertKind.NEGATION,
                     f"{new.subject.name}: {pos.source} reports it ({words}); {neg.source} "
                     f"{how} {_when(new, old)}", severity=Severity.MEDIUM)  # fmt: skip


def _generic(new: Claim, old: Claim, policy: Policy) -> Verdict:
    same = new.object is not None and old.object is not None and new.object.id == old.object.id
    if same and new.object is not None and _positive(new) != _positive(old):
        if _beyond_window(new, old, policy):
            return _update(f"{new.subject.name} {new.relation} changed")
        return _conflict(new, old, AlertKind.NEGATION,
                         f"{new.subject.name} {new.relation} {new.object.name}: "
                         f"asserted and denied")  # fmt: skip
    return _consistent()


_JUDGES: dict[str, Callable[[Claim, Claim, Policy], Verdict]] = {
    "located_in": _location,
    "held_in": _location,
    "held_at": _location,
    "occurred_in": _location,
    "sited_in": _location,
    "detained_in": _location,
    "controlled_by": _control,
    "status": _status,
    "quantity": _quantity,
    "scheduled_for": _date,
    "occurred_on": _date,
    "office": _office,
    "event": _event,
    "statement": _statement,
}


def judge_of(relation: str) -> str | None:
    """The name of the judge that compares two claims of `relation` (the registry's
    `judge`), or None for a relation no judge compares."""
    judge = _JUDGES.get(relation)
    return judge.__name__.lstrip("_") if judge is not None else None
