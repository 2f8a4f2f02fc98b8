"""Per-key claim summaries: what comparing a new claim needs from the stored ones.

A comparison key is (store, subject id, relation). Comparing a new claim with every stored
claim of its key costs in proportion to the claims, and capping that (as the store once did
at 500) silently skips the rest on a busy subject. But most stored claims say the same as
others: for the verdict of `shared.domain.contradiction.compare`, two stored claims with one
*signature* and both inside the new claim's window are interchangeable; only their time,
source and article differ. So the store keeps, per key, *entries*: one per (time bucket,
signature), holding the earliest and the latest claim, the earliest claim of each of up to
`PAIR_SOURCES` sources, a count and the distinct sources (up to `LISTED_SOURCES`). A check
reads the entries of the buckets its window overlaps: it costs in proportion to the
distinct values in the window, and nothing in the window goes unrepresented.

Signature (`signature`): everything `compare` and its judges read apart from time, source,
ids, spans, sentence, url, title and published_at: `content_key()` (subject id, relation,
value, polarity, modality), the whole object `EntityRef` (place containment reads its
ancestors, overlaps, rank and country; the office judge its name), the whole `Quantity`
(bounds and unit decide `compatible`), state and both dates; and, for an event keyed on its
bare noun ("event:forum", no "@"), the subject's name and the story, which
`_distinct_events` and `_other_stories` read. `attribution` is read by no judge.
An incident's toll is part of its subject id ("occurred_in" keys), so it is in the key.

Buckets (`Layout`): a relation whose family has a window `w` (relations.yaml
`window_hours`) is bucketed by `w`; one without (located_in, held_in) by the lookback `L`.
Why that is enough: if a stored claim of signature S lies in an interval I at least one
bucket long, then the earliest or the latest claim of S in its bucket lies in I too (a
bucket that straddles I's start has its latest in I, one that straddles its end its
earliest). The window [t - w, t + w] is 2w long, so a bucket of w (or L for [t - L, t + L])
always leaves a kept claim of S in the window when any claim of S is there. Beyond the
window, every judge answers UPDATE or UNRELATED, never an alert, except the quantity judge
for a cumulative count (`monotone_measures`), which alerts when the later count is lower:
those relations have a second, coarse tier (buckets of R - w) read over [t - R, t - w) and
(t + w, t + R], both R - w long, by the same argument, where R is the lookback or the
policy's shorter `fall_window_hours` (beyond which a fall is no conflict). The tier names
carry the bucket size, so a changed window or lookback starts new entries instead of
misreading old ones.

Choosing what to compare (`select`): per read interval and signature, of the entry claims
inside the interval, the earliest of each source, up to `PAIR_SOURCES`: at least one claim
of every signature present (the verdict), and several outlets (the evaluation counts pairs
of articles, and an alert names both). Kept claims of the new claim's own article or own
sentence are passed over (`compare` calls those unrelated or syndicated whatever they say),
so that another kept claim of their signature stands for it.

Limits, by design: claims of one signature, source and bucket beyond the earliest (and the
bucket's latest) are not paired, so a busy outlet's repeats alert once per bucket, not once
per article; the location judge's negation branch depends on which report was published
first, which the entries do not split by; and when every kept claim of a signature in the
window shares the new claim's article or sentence, the others of that signature are not
compared.

Pure: the Redis store runs the same rules as Lua scripts (shared.store), the in-memory one
calls these functions, and tests check that the two agree.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from shared.domain.claims import Claim
from shared.domain.policy import Policy, default_policy

PAIR_SOURCES = 8
LISTED_SOURCES = 16
SIGNATURE_CHARS = 16  # hex digits: 64 bits, no collision in any store's lifetime

_HOUR_MS = 3_600_000


def time_ms(claim: Claim) -> int:
    """The claim's time in whole milliseconds since the epoch (what entries and reads use)."""
    return math.floor(claim.time.timestamp() * 1000)


def _bare_event(subject_id: str) -> bool:
    return subject_id.startswith("event:") and "@" not in subject_id


def signature(claim: Claim) -> str:
    """What the verdict reads of a stored claim, apart from its time and where it was read."""
    bare = _bare_event(claim.subject.id)
    parts = (
        claim.content_key(),
        claim.object.model_dump_json() if claim.object else "",
        claim.value.model_dump_json() if claim.value else "",
        claim.state or "",
        claim.on_date.isoformat() if claim.on_date else "",
        claim.on_date_end.isoformat() if claim.on_date_end else "",
        claim.subject.name if bare else "",
        "\x1e".join(sorted(set(claim.story))) if bare else "",
        # a subject keyed by name: its link and name decide whether two are one entity
        f"{claim.subject.linked}\x1e{claim.subject.name}" if claim.subject.linked else "",
    )
    raw = "\x1f".join(parts).encode()
    return hashlib.blake2b(raw, digest_size=SIGNATURE_CHARS // 2).hexdigest()


def sentence_key(claim: Claim) -> str:
    """The sentence as `_syndicated` compares it (case and spacing aside), hashed short: a
    kept claim read from the new claim's own sentence is passed over like its article."""
    norm = " ".join(claim.sentence.lower().split())
    return hashlib.blake2b(norm.encode(), digest_size=4).hexdigest() if norm else ""


@dataclass(frozen=True, order=True)
class Rep:
    """A kept claim as the entry knows it: ordered by (time, id), the order every rule uses."""

    ms: int
    id: str
    source: str = field(compare=False)
    article: str = field(compare=False)
    sentence: str = field(compare=False, default="")


def rep_of(claim: Claim) -> Rep:
    return Rep(time_ms(claim), claim.id, claim.source, claim.article_id, sentence_key(claim))


@dataclass
class Entry:
    """One (bucket, signature): the same whatever order its claims were added in."""

    n: int
    earliest: Rep
    latest: Rep
    by_source: list[Rep]  # the earliest claim of each kept source, in (time, id) order
    sources: list[str]  # distinct sources in arrival order, at most LISTED_SOURCES

    @classmethod
    def of(cls, rep: Rep) -> Entry:
        return cls(1, rep, rep, [rep], [rep.source])

    def add(self, rep: Rep, pair_sources: int = PAIR_SOURCES, listed: int = LISTED_SOURCES) -> None:
        """Count a claim not added before (the store guards that by id)."""
        self.n += 1
        self.earliest = min(self.earliest, rep)
        self.latest = max(self.latest, rep)
        same = next((i for i, r in enumerate(self.by_source) if r.source == rep.source), None)
        if same is not None:
            self.by_source[same] = min(self.by_source[same], rep)
        elif len(self.by_source) < pair_sources:
            self.by_source.append(rep)
        else:
            # keep the sources whose earliest claims are earliest: a source dropped here
            # comes back only with a claim earlier than the one it lost, so the kept set
            # does not depend on the order claims arrive in
            last = max(range(len(self.by_source)), key=lambda i: self.by_source[i])
            if rep < self.by_source[last]:
                self.by_source[last] = rep
        self.by_source.sort()
        if rep.source not in self.sources and len(self.sources) < listed:
            self.sources.append(rep.source)

    def reps(self) -> list[Rep]:
        """The distinct kept claims: earliest, latest, then the per-source ones."""
        out: dict[str, Rep] = {}
        for r in (self.earliest, self.latest, *self.by_source):
            out.setdefault(r.id, r)
        return list(out.values())


@dataclass(frozen=True)
class Tier:
    name: str  # kind letter and bucket size in seconds, part of every field name
    size_ms: int

    def bucket(self, ms: int) -> int:
        return ms // self.size_ms


@dataclass(frozen=True)
class Read:
    """The entries of `tier` whose buckets overlap [lo, hi] (ms), and of those the kept
    claims inside [lo, hi]."""

    tier: Tier
    lo: int
    hi: int

    def buckets(self) -> range:
        return range(self.tier.bucket(self.lo), self.tier.bucket(self.hi) + 1)


class Layout:
    """Bucket sizes per relation from the policy's windows and the lookback."""

    def __init__(self, lookback: timedelta, policy: Policy | None = None) -> None:
        self.lookback_ms = int(lookback.total_seconds() * 1000)
        self.policy = policy or default_policy()

    def _window_ms(self, relation: str) -> int | None:
        hours = self.policy.window(relation)
        if hours is None:
            return None
        return min(int(hours * _HOUR_MS), self.lookback_ms)

    def _cumulative(self, relation: str) -> bool:
        """A count that may only grow: the quantity judge alerts beyond the window when a
        later report gives less."""
        family, _, measure = relation.partition(":")
        return family == "quantity" and (measure or family) in self.policy.monotone_measures

    def _reach_ms(self) -> int:
        """How far a cumulative count is read for a fall: the lookback, or the policy's
        fall window when shorter (beyond it a lower count is no conflict)."""
        hours = self.policy.fall_window_hours
        return self.lookback_ms if hours is None else min(int(hours * _HOUR_MS),
                                                          self.lookback_ms)

    @lru_cache(maxsize=512)  # noqa: B019 - a Layout lives as long as its store
    def tiers(self, relation: str) -> tuple[Tier, ...]:
        window = self._window_ms(relation)
        size = window if window else self.lookback_ms
        fine = Tier(f"w{size // 1000}", size)
        if window is None or not self._cumulative(relation) or window >= self._reach_ms():
            return (fine,)
        coarse = self._reach_ms() - window
        return fine, Tier(f"c{coarse // 1000}", coarse)

    def reads(self, relation: str, t: int) -> list[Read]:
        """What a claim of `relation` at time `t` (ms) is compared with. The bounds are one
        millisecond wider than the window, since times are rounded down to the ms."""
        tiers = self.tiers(relation)
        window = self._window_ms(relation)
        half = window if window else self.lookback_ms
        out = [Read(tiers[0], t - half - 1, t + half + 1)]
        if len(tiers) > 1:
            assert window is not None
            reach = self._reach_ms()
            out.append(Read(tiers[1], t - reach - 1, t - window - 1))
            out.append(Read(tiers[1], t + window + 1, t + reach + 1))
        return out


def select(
    candidates: Iterable[Rep],
    read: Read,
    self_id: str,
    article: str,
    cap: int = PAIR_SOURCES,
    sentence: str = "",
) -> list[Rep]:
    """Of one signature's kept claims (from every bucket of `read`), those to compare: inside
    the interval, not the claim itself nor its article nor its sentence (`sentence_key`),
    the earliest of each source."""
    chosen: list[Rep] = []
    sources: set[str] = set()
    for rep in sorted(candidates):
        if len(chosen) >= cap:
            break
        if not read.lo <= rep.ms <= read.hi or rep.id == self_id or rep.article == article:
            continue
        if sentence and rep.sentence == sentence:
            continue
        if rep.source not in sources:
            sources.add(rep.source)
            chosen.append(rep)
    return chosen
