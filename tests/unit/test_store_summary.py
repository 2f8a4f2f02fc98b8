"""The claim summaries (shared.claim_summary) and the in-memory store that runs them: what
a check compares stands for everything it would have found by comparing every claim."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta

from claimwatch.bench_store import ClaimFactory
from shared.claim_summary import (
    Entry,
    Layout,
    Rep,
    rep_of,
    select,
    signature,
    time_ms,
)
from shared.detection import contradiction_alert
from shared.domain.claims import Bound, Claim, Modality, Polarity, Quantity
from shared.domain.contradiction import compare
from shared.domain.entities import EntityRef, EntityType
from shared.domain.policy import default_policy
from shared.store import DEFAULT_LOOKBACK, InMemoryClaimStore

T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _variant(claim: Claim, i: int, **update: object) -> Claim:
    """Another report of the same claim: its own id, article, source and sentence."""
    fields: dict[str, object] = {
        "id": f"clm_{i:06d}",
        "article_id": f"art_{i:06d}",
        "source": f"Outlet {i % 7}",
        "sentence": f"Report number {i}.",
        "start": i,
        "end": i + 10,
        "url": f"https://example.org/{i}",
        "title": f"Title {i}",
    }
    fields.update(update)
    return claim.model_copy(update=fields)


def _run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_the_signature_ignores_where_and_when_a_claim_was_read() -> None:
    base = ClaimFactory("s").claim(3, "located_in")
    other = _variant(base, 1, time=base.time + 30 * HOUR, published_at=base.time + 31 * HOUR)
    assert signature(other.model_copy(update={"attribution": "officials"})) == signature(base)
    assert signature(_variant(base, 2, polarity=Polarity.NEGATED)) != signature(base)
    assert signature(_variant(base, 3, modality=Modality.HEDGED)) != signature(base)
    assert base.object is not None
    moved = base.object.model_copy(update={"ancestors": ("geo:1",)})
    assert signature(_variant(base, 4, object=moved)) != signature(base)  # relate() reads it
    count = ClaimFactory("s").claim(3, "quantity:killed")
    assert count.value is not None
    at_least = count.value.model_copy(update={"bound": Bound.AT_LEAST})
    assert signature(_variant(count, 5, value=at_least)) != signature(count)


def test_a_bare_event_keeps_its_name_and_story_in_the_signature() -> None:
    forum = EntityRef(id="event:forum", name="Nordic Climate Forum", type=EntityType.EVENT)
    place = EntityRef(id="geo:1", name="Oslo", type=EntityType.PLACE)
    claim = Claim(
        article_id="a", source="s", published_at=T0, subject=forum, relation="held_in",
        object=place, time=T0, sentence="x", start=0, end=1, story=("org:a", "org:b"),
    )  # fmt: skip
    renamed = claim.model_copy(update={"subject": forum.model_copy(update={"name": "Forum"})})
    assert signature(renamed) != signature(claim)  # _distinct_events reads the name
    assert signature(claim.model_copy(update={"story": ("org:c",)})) != signature(claim)
    placed = claim.model_copy(update={"subject": forum.model_copy(update={"id": "event:f@geo:1"})})
    renamed_placed = placed.model_copy(
        update={"subject": placed.subject.model_copy(update={"name": "Forum"})}
    )
    assert signature(renamed_placed) == signature(placed)  # told apart by its place


def _varied_claims(n: int, seed: int) -> list[Claim]:
    """Claims on a few keys with a few values each, polarity and modality varied, over
    three weeks (inside every window of some relations, outside others)."""
    rng = random.Random(seed)
    factory = ClaimFactory("s", seed=seed, dissent=3)
    out = []
    for i in range(n):
        relation = rng.choice(("located_in", "controlled_by", "quantity:killed", "status"))
        base = factory.claim(rng.randrange(3), relation)
        when = T0 + timedelta(minutes=rng.randrange(21 * 24 * 60))
        out.append(
            _variant(
                base, i, time=when, published_at=when, source=f"Outlet {rng.randrange(10)}",
                polarity=rng.choice((Polarity.ASSERTED,) * 4 + (Polarity.NEGATED,)),
                modality=rng.choice((Modality.FIRM,) * 4 + (Modality.HEDGED,)),
            )
        )  # fmt: skip
    return out


def test_claims_of_one_signature_in_the_window_get_one_verdict() -> None:
    """The premise of the summaries: two stored claims with one signature, both inside the
    new claim's window, give the same outcome (only the reason's names and dates differ)."""
    claims = _varied_claims(400, seed=3)
    policy = default_policy()
    by_sig: dict[tuple[str, str], list[Claim]] = {}
    for c in claims:
        by_sig.setdefault((c.subject.id + c.relation, signature(c)), []).append(c)
    checked = 0
    for new in claims[:60]:
        window = policy.window(new.relation)
        hours = window if window is not None else DEFAULT_LOOKBACK.total_seconds() / 3600
        for (key, _sig), group in by_sig.items():
            if key != new.subject.id + new.relation:
                continue
            near = [c for c in group if abs((c.time - new.time).total_seconds()) <= hours * 3600]
            outcomes = {compare(new, c).outcome for c in near if c.article_id != new.article_id}
            assert len(outcomes) <= 1, (new, near)
            checked += len(near)
    assert checked > 200


def test_an_entry_is_the_same_whatever_order_its_claims_came_in() -> None:
    rng = random.Random(7)
    reps = [Rep(rng.randrange(1_000), f"clm_{i:03d}", f"S{i % 11}", f"a{i}") for i in range(40)]
    results = set()
    for _ in range(20):
        rng.shuffle(reps)
        entry = Entry.of(reps[0])
        for rep in reps[1:]:
            entry.add(rep, pair_sources=4)
        results.add((entry.n, entry.earliest, entry.latest, tuple(entry.by_source)))
        assert entry.earliest == min(reps) and entry.latest == max(reps)
    assert len(results) == 1
    (n, _e, _l, by_source) = results.pop()
    assert n == 40
    firsts = sorted(min(r for r in reps if r.source == s) for s in {r.source for r in reps})
    assert list(by_source) == firsts[:4]  # the four sources whose first claims came first


def test_storing_a_claim_twice_changes_nothing() -> None:
    store = InMemoryClaimStore()
    claims = _varied_claims(50, seed=1)
    assert _run(store.add(claims)) == 50
    before = [sorted(c.id for c in _run(store.comparable(p))) for p in claims]
    assert _run(store.add(reversed(claims))) == 0
    assert [sorted(c.id for c in _run(store.comparable(p))) for p in claims] == before


def _status(i: int, when: datetime, source: str = "Wire", state: str = "closed") -> Claim:
    subject = EntityRef(id="geo:9", name="The airport", type=EntityType.PLACE)
    return Claim(
        id=f"clm_{i:04d}", article_id=f"art_{i:04d}", source=source, published_at=when,
        subject=subject, relation="status", state=state, time=when,
        sentence=f"Sentence {i}.", start=0, end=10,
    )  # fmt: skip


def test_a_stored_claim_an_hour_inside_the_window_is_represented() -> None:
    """status has a 48-hour window: whatever the bucket boundaries, a claim 47 hours before
    (or after) the new one is stood for by a claim of its signature inside the window,
    even when claims of that signature just outside the window are earlier and later."""
    window = 48 * HOUR
    for shift in range(0, 48, 5):
        for side in (-1, 1):
            store = InMemoryClaimStore()
            t = T0 + shift * HOUR
            inside = t + side * (window - HOUR)
            outside = [inside + side * d * HOUR for d in (2, 10, 30)]  # beyond the window
            outside.append(inside - side * 150 * HOUR)  # far on the other side
            stored = [_status(0, inside), *(_status(i + 1, w) for i, w in enumerate(outside))]
            _run(store.add(stored))
            found = _run(store.comparable(_status(99, t, state="open")))
            assert any(abs(c.time - t) <= window for c in found), (shift, side, found)
            assert all(abs(c.time - t) <= window + HOUR for c in found)


def test_the_window_argument_holds_for_random_times() -> None:
    rng = random.Random(11)
    window = 48 * HOUR
    for trial in range(300):
        store = InMemoryClaimStore()
        t = T0 + timedelta(minutes=rng.randrange(10_000))
        stored = [
            _status(i, t + timedelta(minutes=rng.randrange(-6_000, 6_000)), f"S{rng.randrange(3)}")
            for i in range(rng.randrange(1, 12))
        ]
        _run(store.add(stored))
        found = _run(store.comparable(_status(999, t, state="open")))
        assert any(abs(c.time - t) <= window for c in stored) == bool(found), trial
        # a source is paired when its earliest claim of the bucket is inside the window
        assert {c.source for c in found} <= {c.source for c in stored if abs(c.time - t) <= window}


def test_claims_either_side_of_a_bucket_boundary_are_two_entries() -> None:
    layout = Layout(DEFAULT_LOOKBACK)
    (tier,) = layout.tiers("status")
    assert tier.size_ms == 48 * 3_600_000  # the relation's window
    edge = (time_ms(_status(0, T0)) // tier.size_ms + 1) * tier.size_ms  # a boundary
    before = _status(1, datetime.fromtimestamp((edge - 1) / 1000, UTC), "A")
    after = _status(2, datetime.fromtimestamp(edge / 1000, UTC), "B")
    assert tier.bucket(time_ms(before)) + 1 == tier.bucket(time_ms(after))
    store = InMemoryClaimStore()
    _run(store.add([before, after]))
    assert len(store._entries) == 2
    probe = _status(3, datetime.fromtimestamp(edge / 1000, UTC), state="open")
    assert {c.id for c in _run(store.comparable(probe))} == {before.id, after.id}


def test_a_window_less_relation_is_bucketed_by_the_lookback() -> None:
    layout = Layout(DEFAULT_LOOKBACK)
    (tier,) = layout.tiers("located_in")
    assert tier.size_ms == DEFAULT_LOOKBACK.total_seconds() * 1000
    (read,) = layout.reads("located_in", 0)
    assert read.lo < -tier.size_ms and read.hi > tier.size_ms


def _count(i: int, when: datetime, killed: float, source: str = "Wire") -> Claim:
    subject = EntityRef(id="event:flood@geo:7", name="the floods", type=EntityType.EVENT)
    return Claim(
        id=f"clm_{i:04d}", article_id=f"art_{i:04d}", source=source, published_at=when,
        subject=subject, relation="quantity:killed", value=Quantity(value=killed, unit="people"),
        time=when, sentence=f"{killed} died.", start=0, end=5,
    )  # fmt: skip


def test_a_cumulative_count_that_fell_is_found_beyond_its_window() -> None:
    """quantity:killed has an 18-hour window, but a later, lower count of a cumulative
    measure still conflicts: those relations also read a coarse tier over the lookback."""
    store = InMemoryClaimStore()
    assert len(Layout(DEFAULT_LOOKBACK).tiers("quantity:killed")) == 2
    old = [_count(i, T0 + i * HOUR, 120.0, f"S{i}") for i in range(5)]
    _run(store.add(old))
    new = _count(50, T0 + 2 * 24 * HOUR, 30.0)  # past the window, within the fall window
    found = _run(store.comparable(new))
    assert found
    alerts = [contradiction_alert(new, c, NOW) for c in found]
    assert alerts and all(a is not None and "fell" in a.reason for a in alerts)
    # beyond the policy's fall window a lower count is another incident: not read at all
    assert _run(store.comparable(_count(51, T0 + 20 * 24 * HOUR, 30.0))) == []
    # a state beyond its window is an update, never an alert: not read at all
    _run(store.add([_status(1, T0)]))
    assert _run(store.comparable(_status(2, T0 + 30 * 24 * HOUR, state="open"))) == []


def test_select_takes_the_first_claim_of_each_source_inside_the_interval() -> None:
    layout = Layout(DEFAULT_LOOKBACK)
    (read,) = layout.reads("status", 10_000_000)
    reps = [
        Rep(10_000_000, "c1", "A", "a1"),
        Rep(10_000_001, "c2", "A", "a2"),
        Rep(10_000_002, "c3", "B", "self-article"),
        Rep(read.hi + 1, "c4", "C", "a4"),
        Rep(9_000_000, "c5", "D", "a5"),
    ]
    # not the claim itself, not its article, nothing outside the interval, one per source
    assert [r.id for r in select(reps, read, "c1", "self-article")] == ["c5", "c2"]
    assert [r.id for r in select(reps, read, "c9", "x")] == ["c5", "c1", "c3"]
    assert [r.id for r in select(reps, read, "c9", "x", cap=1)] == ["c5"]


def test_every_conflict_a_full_scan_finds_has_a_compared_claim_of_its_signature() -> None:
    """The in-memory store against comparing every stored claim: each stored claim that
    conflicts with a new one has a compared claim of the same signature that conflicts."""
    claims = _varied_claims(900, seed=5)
    stored, probes = claims[:800], claims[800:]
    store = InMemoryClaimStore()
    _run(store.add(stored))
    full_conflicts = compared_total = 0
    for new in probes:
        compared = _run(store.comparable(new))
        compared_total += len(compared)
        found = {
            signature(c)
            for c in compared
            if c.article_id != new.article_id and contradiction_alert(new, c, NOW)
        }
        for old in stored:
            if (old.subject.id, old.relation) != (new.subject.id, new.relation):
                continue
            if abs(old.time - new.time) > DEFAULT_LOOKBACK:
                continue
            if contradiction_alert(new, old, NOW) is not None:
                full_conflicts += 1
                assert signature(old) in found, (new, old)
    assert full_conflicts > 100 and compared_total < 800 * len(probes) / 12


def test_rep_order_is_time_then_id() -> None:
    a, b = _status(1, T0), _status(2, T0)
    assert rep_of(a) < rep_of(b) and min(rep_of(b), rep_of(a)) == rep_of(a)
    assert [r.id for r in sorted(itertools.chain([rep_of(b)], [rep_of(a)]))] == [a.id, b.id]
