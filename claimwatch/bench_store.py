"""Cost of the contradiction check and Redis memory per stored claim (`claimwatch bench`).

Synthetic claims shaped like the extractor's (two linked entities with their containment
chains, a sentence of about 200 characters, ids like `Claim.with_id`), stored through the
real `RedisClaimStore`, on one Redis or a Redis Cluster. The store grows the way a news
archive does: more claims mostly means more subjects (about 20 claims per subject over 5
relations and 3 years), so the "spread" case keeps the per-key density of real data; the
"hot" case puts `hot` claims (20,000 at most) on one subject and relation (located_in, which
has no window: the whole ±400-day lookback is compared).

Most reports about a subject agree; a tenth name something else, drawn from a few
alternatives per subject (`dissent`, 8): a hot subject is reported in a handful of wrong
regions, not in thousands. The check costs in proportion to the distinct values in the
window, so `dissent=0` (any of 2,000 places, the old shape) shows what a subject with over a
thousand distinct values costs.

The check measured per claim is what the alert worker does for each new claim after storing
it: `RedisClaimStore.comparable` (one script on the key's summary) and `compare` against
each claim returned. On the hot key the bench also counts what the summary leaves out:
`skipped_hot`, stored claims in a probe's window whose (interval, signature) no compared
claim stands for (0 by construction), and, for a sample of probes compared with all 20,000
claims, `missed_conflicts_hot`: conflicting claims no conflicting compared claim of the same
signature stands for (0 is the claim of shared.claim_summary, measured).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from shared.claim_summary import Layout, sentence_key, signature, time_ms
from shared.connections import async_redis, is_cluster_client
from shared.detection import contradiction_alert
from shared.domain.claims import Claim, Quantity
from shared.domain.contradiction import compare
from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.store import DEFAULT_LOOKBACK, RedisClaimStore, _encode, glob_escape
from shared.streams import Streams

RELATIONS = ("located_in", "controlled_by", "quantity:killed", "status", "held_in")
CLAIMS_PER_SUBJECT = 20
SPAN_DAYS = 3 * 365
START = datetime(2022, 1, 1, tzinfo=UTC)
SOURCES = ("Wire Service", "Daily Courier", "Evening Ledger", "Metro Gazette", "Global Dispatch")
# "at {t}" keeps two outlets' sentences apart, as reporters' own words do (the check passes
# over a stored claim read from the new claim's very sentence, a syndicated copy)
SENTENCES = (
    "{s}, a city in {o}, was hit by several explosions at {t} on Monday, the regional "
    "governor said in a statement posted on social media.",
    "At least {n} people were killed in {s} at {t} on Tuesday, a hospital official said, "
    "adding that the toll was likely to rise as rescuers searched the rubble.",
    "Forces captured {s} at {t} on Wednesday after weeks of fighting, a military spokesman "
    "said, although the claim could not be independently verified.",
    "The airport in {s} was closed at {t} on Thursday after the attack, emergency services "
    "said, and flights were diverted to {o}.",
)
DISSENT = 8  # other values a subject is reported with


@dataclass(frozen=True)
class Shape:
    total: int
    subjects: int
    hot: int


def shape(total: int, hot: int | None = None) -> Shape:
    hot = min(total // 10, 20_000) if hot is None else min(hot, total)
    return Shape(total, max(10, total // CLAIMS_PER_SUBJECT), hot)


@lru_cache(maxsize=200_000)
def _place(i: int) -> EntityRef:
    rng = random.Random(i)
    return EntityRef(
        id=f"geo:{1_000_000 + i}",
        name=f"Place {i}",
        type=EntityType.PLACE,
        rank=PlaceRank.CITY,
        ancestors=(f"geo:{rng.randrange(900_000, 901_000)}", f"geo:{rng.randrange(800, 1000)}"),
        country="UA",
    )


class ClaimFactory:
    def __init__(self, store: str, seed: int = 11, dissent: int = DISSENT) -> None:
        self.rng = random.Random(seed)
        self.store = store
        self.dissent = dissent
        self.objects = [_place(10_000_000 + i) for i in range(2_000)]

    def _other(self, subject: int) -> EntityRef:
        if not self.dissent:
            return self.rng.choice(self.objects)
        k = self.rng.randrange(self.dissent)
        return self.objects[(subject * 7_919 + (k + 1) * 104_729) % len(self.objects)]

    def claim(self, subject: int, relation: str | None = None, article: int | None = None) -> Claim:
        rng = self.rng
        relation = relation or rng.choice(RELATIONS)
        subj = _place(subject)
        # most reports about a subject agree (its usual region, its usual captor); a tenth
        # name something else
        usual = self.objects[subject % len(self.objects)]
        obj = usual if rng.random() < 0.9 else self._other(subject)
        published = START + timedelta(seconds=rng.randrange(SPAN_DAYS * 86_400))
        n = rng.choice((3, 5, 12, 20, 45, 120))
        at = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}"
        sentence = rng.choice(SENTENCES).format(s=subj.name, o=obj.name, n=n, t=at)
        fields: dict[str, Any] = {}
        if relation == "located_in" or relation == "held_in":
            fields["object"] = obj
        elif relation == "controlled_by":
            fields.update(object=obj, state=rng.choice(("captured", "held")))
        elif relation.startswith("quantity:"):
            fields["value"] = Quantity(value=float(n), unit="people", text=str(n))
        else:
            fields["state"] = rng.choice(("closed", "open", "released", "detained"))
        article_id = f"art_{rng.getrandbits(96):024x}" if article is None else f"art_{article:024x}"
        start = rng.randrange(20_000)
        # model_construct: the fields are built right here, and validating a million claims
        # would be most of the load time
        return Claim.model_construct(
            id=f"clm_{rng.getrandbits(96):024x}",
            article_id=article_id,
            source=rng.choice(SOURCES),
            published_at=published,
            store=self.store,
            subject=subj,
            relation=relation,
            time=published,
            sentence=sentence,
            start=start,
            end=start + len(sentence),
            **fields,
        )


HOT_SUBJECT = 0  # subject index of the hot key


async def load(
    store: RedisClaimStore,
    factory: ClaimFactory,
    sh: Shape,
    advance: Callable[[int], None] = lambda _n: None,
    chunk: int = 2_000,
    where: tuple[str, bool, str] | None = None,
) -> list[Claim]:
    """Store `sh.total` claims: `sh.hot` on the hot key, the rest spread over subjects.
    Returns the hot key's claims (what a full scan of the hot key would compare).

    With `where` (url, cluster, stream prefix) and many claims, the spread claims are stored
    by several processes, as several alert workers would: one Python client packing
    commands is what bounds the load (about 8,000 claims/s), not Redis."""
    hot: list[Claim] = []
    for start in range(0, sh.hot, chunk):
        n = min(chunk, sh.hot - start)
        batch = [factory.claim(HOT_SUBJECT, "located_in") for _ in range(n)]
        await store.add(batch)
        hot.extend(batch)
        advance(len(batch))
    spread = sh.total - sh.hot
    workers = min(LOADERS, os.cpu_count() or 1)
    if where is None or spread < PARALLEL_FROM or workers < 2:
        await _store_spread(store, factory.store, 5, sh.subjects, spread, chunk, advance)
        return hot
    loop = asyncio.get_running_loop()
    slices = [min(SLICE, spread - i) for i in range(0, spread, SLICE)]
    context = multiprocessing.get_context("spawn")  # no inherited event loop or sockets
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        jobs = [
            loop.run_in_executor(
                pool, _load_slice, *where, factory.store, 1_000 + i, sh.subjects, n, chunk
            )
            for i, n in enumerate(slices)
        ]
        for done in asyncio.as_completed(jobs):
            advance(await done)
    return hot


LOADERS = 4  # processes storing the spread claims of a large store
PARALLEL_FROM = 100_000
SLICE = 50_000


async def _store_spread(
    store: RedisClaimStore,
    name: str,
    seed: int,
    subjects: int,
    count: int,
    chunk: int,
    advance: Callable[[int], None] = lambda _n: None,
) -> None:
    factory = ClaimFactory(name, seed=seed)
    rng = random.Random(seed)
    for start in range(0, count, chunk):
        n = min(chunk, count - start)
        await store.add([factory.claim(rng.randrange(1, subjects + 1)) for _ in range(n)])
        advance(n)


def _load_slice(
    url: str, cluster: bool, prefix: str, name: str, seed: int, subjects: int, n: int, chunk: int
) -> int:
    """One loader process's share (a top-level function: it is pickled to the process)."""

    async def run() -> None:
        client = async_redis(url, cluster=cluster)
        try:
            await _store_spread(RedisClaimStore(client, Streams(prefix)), name, seed, subjects,
                                n, chunk)  # fmt: skip
        finally:
            await client.aclose()

    asyncio.run(run())
    return n


async def probe(
    store: RedisClaimStore,
    claims: list[Claim],
    advance: Callable[[int], None] = lambda _n: None,
    rounds: int = 5,
) -> tuple[float, float]:
    """Microseconds per claim of comparable() + compare(), and mean claims compared.

    The claims are probed in `rounds` slices and the fastest slice's mean is reported: on a
    busy machine the other processes only ever add time, so the minimum is the estimate least
    disturbed by them (all slices are drawn alike)."""
    compared = 0
    means = []
    size = max(1, len(claims) // rounds)
    for start in range(0, len(claims), size):
        chunk = claims[start : start + size]
        began = time.perf_counter()
        for claim in chunk:
            for stored in await store.comparable(claim):
                compare(claim, stored)
                compared += 1
        means.append((time.perf_counter() - began) / len(chunk) * 1e6)
        advance(len(chunk))
    return min(means), compared / len(claims)


def skipped(layout: Layout, stored: Sequence[Claim], probe: Claim, compared: list[Claim]) -> int:
    """Stored claims in one of the probe's read intervals that no compared claim of their
    signature in the same interval stands for (claims of the probe's own article or
    sentence aside: `compare` calls those unrelated or syndicated whatever they say)."""
    reads = layout.reads(probe.relation, time_ms(probe))
    covered = {
        (i, signature(c))
        for c in compared
        for i, read in enumerate(reads)
        if read.lo <= time_ms(c) <= read.hi
    }
    missing = 0
    own = sentence_key(probe)
    for claim in stored:
        if claim.id == probe.id or claim.article_id == probe.article_id:
            continue
        if own and sentence_key(claim) == own:
            continue
        t = time_ms(claim)
        sig = _signature(claim)
        for i, read in enumerate(reads):
            if read.lo <= t <= read.hi and (i, sig) not in covered:
                missing += 1
                break
    return missing


_SIGNATURES: dict[str, str] = {}


def _signature(claim: Claim) -> str:
    sig = _SIGNATURES.get(claim.id)
    if sig is None:
        sig = _SIGNATURES[claim.id] = signature(claim)
    return sig


def missed_conflicts(
    lookback: timedelta, stored: Sequence[Claim], probe: Claim, compared: list[Claim]
) -> tuple[int, int, int]:
    """(claims a full scan of the lookback finds conflicting, compared claims that
    conflict, conflicting claims whose signature no conflicting compared claim has)."""
    now = datetime.now(UTC)

    def conflicts(c: Claim) -> bool:
        return c.article_id != probe.article_id and contradiction_alert(probe, c, now) is not None

    full = [c for c in stored if abs(c.time - probe.time) <= lookback and conflicts(c)]
    found = [c for c in compared if conflicts(c)]
    found_sigs = {_signature(c) for c in found}
    return len(full), len(found), sum(1 for c in full if _signature(c) not in found_sigs)


async def _each_primary(client: Redis, *command: Any) -> list[Any]:
    """One command on every primary (a cluster) or on the server."""
    if is_cluster_client(client):
        nodes = cast(RedisCluster, client).get_primaries()
        return [await client.execute_command(*command, target_nodes=node) for node in nodes]
    return [await client.execute_command(*command)]


async def memory_used(client: Redis) -> int:
    await _each_primary(client, "MEMORY", "PURGE")
    return sum(int(info["used_memory"]) for info in await _each_primary(client, "INFO", "memory"))


async def sampled_bytes(
    client: Redis, store: RedisClaimStore, name: str, subjects: int, n: int = 200
) -> float:
    """MEMORY USAGE of sampled claim keys plus each claim's share of its key's summary and
    id list (over the keys of the first spread subjects)."""
    per_claim: list[int] = []
    async for key in client.scan_iter(match=glob_escape(store.claim_key(name, "")) + "*"):
        per_claim.append(int(await client.memory_usage(key, samples=0) or 0))
        if len(per_claim) >= n:
            break
    summary_bytes = claims = 0
    for i in range(1, min(subjects, n) + 1):
        for relation in RELATIONS:
            keys = (name, _place(i).id, relation)
            claims += int(await client.zcard(store.ids_key(*keys)))
            for key in (store.ids_key(*keys), store.summary_key(*keys)):
                summary_bytes += int(await client.memory_usage(key, samples=0) or 0)
    if not per_claim:
        return 0.0
    return sum(per_claim) / len(per_claim) + (summary_bytes / claims if claims else 0.0)


def measure_store(
    url: str, *, cluster: bool, total: int, hot: int, **options: Any
) -> dict[str, Any]:
    """`measure_store_async` for a caller without an event loop (`claimwatch bench
    --cluster`). A large load starts loader processes (spawned: the caller's main module
    must be import-safe, as a console script or `python -m` is)."""
    return asyncio.run(measure_store_async(url, cluster=cluster, total=total, hot=hot, **options))


async def measure_store_async(
    url: str,
    *,
    cluster: bool,
    total: int,
    hot: int,
    probes: int = 2_000,
    hot_probes: int = 200,
    conflict_probes: int = 10,
    dissent: int = DISSENT,
    cleanup: bool = False,
    advance: Callable[[int], None] = lambda _n: None,
) -> dict[str, Any]:
    """Load `total` claims (`hot` of them on one key) into the Redis or Redis Cluster at
    `url`, then probe it: `check_us_spread`, `check_us_hot` (µs per claim of comparable +
    compare; `_uncached` without the decoded-claim cache), `compared_hot`, `skipped_hot`,
    `missed_conflicts_hot`, `bytes_per_claim`, `keys_per_primary`, `load_s`, ...

    Memory is the INFO used_memory delta summed over the primaries, so give it a server of
    its own for a meaningful `bytes_per_claim` (replicas hold as much again). With `cleanup`
    the claims are deleted afterwards (smoke runs on a shared server: the keys have a
    prefix of their own)."""
    client = async_redis(url, cluster=cluster)
    try:
        streams = Streams(f"bench-store-{uuid.uuid4().hex[:8]}")
        name = "bench"
        store = RedisClaimStore(client, streams)
        layout = Layout(DEFAULT_LOOKBACK)
        factory = ClaimFactory(name, dissent=dissent)
        sh = shape(total, hot)
        before = await memory_used(client)
        started = time.perf_counter()
        hot_claims = await load(store, factory, sh, advance, where=(url, cluster, streams.prefix))
        load_s = time.perf_counter() - started
        after = await memory_used(client)
        keys = [int(k) for k in await _each_primary(client, "DBSIZE")]
        sample = [factory.claim(1 + i) for i in range(50)]
        value_bytes = sum(len(_encode(c)) for c in sample) / len(sample)
        spread = [factory.claim(factory.rng.randrange(1, sh.subjects + 1)) for _ in range(probes)]
        hot_set = [factory.claim(HOT_SUBJECT, "located_in") for _ in range(hot_probes)]
        # warm both paths (connection, script, policy file, code) before timing
        await probe(store, spread[:20])
        await probe(store, hot_set[:5])
        check_us, compared = await probe(store, spread, advance)
        check_hot, compared_hot = (0.0, 0.0)
        skipped_hot = 0
        full = found = missed = 0
        check_cold = 0.0
        if hot_claims:
            check_hot, compared_hot = await probe(store, hot_set, advance)
            # without the decoded-claim cache: every kept claim decoded on every check
            check_cold, _ = await probe(RedisClaimStore(client, streams, decoded=0), hot_set)
            for i, claim in enumerate(hot_set):
                returned = await store.comparable(claim)
                skipped_hot += skipped(layout, hot_claims, claim, returned)
                if i < conflict_probes:
                    f, c, m = missed_conflicts(DEFAULT_LOOKBACK, hot_claims, claim, returned)
                    full, found, missed = full + f, found + c, missed + m
        sampled = await sampled_bytes(client, store, name, sh.subjects)
        result: dict[str, Any] = {
            "total": total,
            "hot": sh.hot,
            "subjects": sh.subjects,
            "dissent": dissent,
            "cluster": cluster,
            "load_s": round(load_s, 1),
            "check_us_spread": round(check_us, 1),
            "compared_spread": round(compared, 2),
            "check_us_hot": round(check_hot, 1),
            "compared_hot": round(compared_hot, 1),
            "check_us_hot_uncached": round(check_cold, 1),
            "skipped_hot": skipped_hot,
            "conflicts_hot_full": round(full / max(1, min(conflict_probes, len(hot_set))), 1),
            "conflicts_hot_compared": round(found / max(1, min(conflict_probes, len(hot_set))), 1),
            "missed_conflicts_hot": missed,
            "bytes_per_claim": round((after - before) / total, 1),
            "bytes_per_claim_sampled": round(sampled, 1),
            "value_bytes": round(value_bytes, 1),
            "keys_per_primary": keys,
        }
        if cleanup:
            await store.drop(name)
        return result
    finally:
        await client.aclose()


@dataclass
class CheckResult:
    total: int
    check_us: float
    compared: float
    check_us_hot: float
    compared_hot: float
    skipped_hot: int
    bytes_per_claim: float
    bytes_per_claim_sampled: float
    value_bytes: float
    load_s: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 1) if isinstance(v, float) else v for k, v in self.__dict__.items()}


async def run_check(
    url: str,
    total: int,
    probes: int = 2_000,
    hot_probes: int = 200,
    advance: Callable[[int], None] = lambda _n: None,
) -> CheckResult:
    """Load `total` claims into the otherwise empty Redis at `url` (a throwaway server:
    nothing is deleted afterwards), then probe it."""
    m = await measure_store_async(
        url,
        cluster=False,
        total=total,
        hot=shape(total).hot,
        probes=probes,
        hot_probes=hot_probes,
        advance=advance,
    )
    return CheckResult(
        total=total,
        check_us=m["check_us_spread"],
        compared=m["compared_spread"],
        check_us_hot=m["check_us_hot"],
        compared_hot=m["compared_hot"],
        skipped_hot=m["skipped_hot"],
        bytes_per_claim=m["bytes_per_claim"],
        bytes_per_claim_sampled=m["bytes_per_claim_sampled"],
        value_bytes=m["value_bytes"],
        load_s=m["load_s"],
    )
