"""Cost of the contradiction check and Redis memory per stored claim (`claimwatch bench`).

Synthetic claims shaped like the extractor's (two linked entities with their containment
chains, a sentence of about 200 characters, ids like `Claim.with_id`), stored through the
real `RedisClaimStore`. The store grows the way a news archive does: more claims mostly
means more subjects (about 20 claims per subject over 5 relations and 3 years), so the
"spread" case keeps the per-key density of real data; the "hot" case puts a tenth of the
store (at most 20,000 claims) on one subject and relation, where the check reads the
store's `limit` (500) claims.

The check measured per claim is what the alert worker does for each new claim after storing
it: `RedisClaimStore.comparable` (one ZRANGEBYSCORE on the (store, subject, relation) index
and one MGET) and `compare` against each claim returned.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from shared.domain.claims import Claim, Quantity
from shared.domain.contradiction import compare
from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.store import RedisClaimStore, _encode
from shared.streams import Streams

RELATIONS = ("located_in", "controlled_by", "quantity:killed", "status", "held_in")
CLAIMS_PER_SUBJECT = 20
SPAN_DAYS = 3 * 365
START = datetime(2022, 1, 1, tzinfo=UTC)
SOURCES = ("Wire Service", "Daily Courier", "Evening Ledger", "Metro Gazette", "Global Dispatch")
SENTENCES = (
    "{s}, a city in {o}, was hit by several explosions early on Monday, the regional "
    "governor said in a statement posted on social media.",
    "At least {n} people were killed in {s} on Tuesday, a hospital official said, adding that "
    "the toll was likely to rise as rescuers searched the rubble.",
    "Forces captured {s} on Wednesday after weeks of fighting, a military spokesman said, "
    "although the claim could not be independently verified.",
    "The airport in {s} was closed on Thursday after the attack, emergency services said, and "
    "flights were diverted to {o}.",
)


@dataclass(frozen=True)
class Shape:
    total: int
    subjects: int
    hot: int


def shape(total: int) -> Shape:
    return Shape(total, max(10, total // CLAIMS_PER_SUBJECT), min(total // 10, 20_000))


def _place(i: int, rng: random.Random) -> EntityRef:
    return EntityRef(
        id=f"geo:{1_000_000 + i}",
        name=f"Place {i}",
        type=EntityType.PLACE,
        rank=PlaceRank.CITY,
        ancestors=(f"geo:{rng.randrange(900_000, 901_000)}", f"geo:{rng.randrange(800, 1000)}"),
        country="UA",
    )


class ClaimFactory:
    def __init__(self, store: str, seed: int = 11) -> None:
        self.rng = random.Random(seed)
        self.store = store
        self.objects = [_place(10_000_000 + i, self.rng) for i in range(2_000)]

    def claim(self, subject: int, relation: str | None = None, article: int | None = None) -> Claim:
        rng = self.rng
        relation = relation or rng.choice(RELATIONS)
        subj = _place(subject, random.Random(subject))
        # most reports about a subject agree (its usual region, its usual captor); a tenth
        # name something else
        usual = self.objects[subject % len(self.objects)]
        obj = usual if rng.random() < 0.9 else rng.choice(self.objects)
        published = START + timedelta(seconds=rng.randrange(SPAN_DAYS * 86_400))
        n = rng.choice((3, 5, 12, 20, 45, 120))
        sentence = rng.choice(SENTENCES).format(s=subj.name, o=obj.name, n=n)
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
        return Claim(
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
) -> int:
    """Store `sh.total` claims: `sh.hot` on the hot key, the rest spread over subjects."""
    rng = random.Random(5)
    stored = 0
    while stored < sh.total:
        batch = []
        for i in range(stored, min(sh.total, stored + chunk)):
            if i < sh.hot:
                batch.append(factory.claim(HOT_SUBJECT, "located_in"))
            else:
                batch.append(factory.claim(rng.randrange(1, sh.subjects + 1)))
        await store.add(batch)
        stored += len(batch)
        advance(len(batch))
    return stored


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


async def memory_used(client: Redis) -> int:
    info = await client.info("memory")
    return int(info["used_memory"])


async def sampled_bytes(client: Redis, streams: Streams, store: str, n: int = 200) -> float:
    """MEMORY USAGE of sampled claim keys plus each claim's share of its index key."""
    claim_keys: list[bytes] = []
    index_keys: list[bytes] = []
    async for key in client.scan_iter(match=streams.key("claim", store, "*"), count=1000):
        claim_keys.append(key)
        if len(claim_keys) >= n:
            break
    async for key in client.scan_iter(match=streams.key("idx", store, "*"), count=1000):
        index_keys.append(key)
        if len(index_keys) >= n:
            break
    per_claim = [int(await client.memory_usage(k, samples=0) or 0) for k in claim_keys]
    per_member = []
    for key in index_keys:
        size = int(await client.memory_usage(key, samples=0) or 0)
        members = int(await client.zcard(key))
        if members:
            per_member.append(size / members)
    if not per_claim:
        return 0.0
    return sum(per_claim) / len(per_claim) + (
        sum(per_member) / len(per_member) if per_member else 0.0
    )


@dataclass
class CheckResult:
    total: int
    check_us: float
    compared: float
    check_us_hot: float
    compared_hot: float
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
    client = Redis.from_url(url)
    try:
        streams = Streams(f"bench-store-{total}")
        store_name = "bench"
        store = RedisClaimStore(client, streams)
        factory = ClaimFactory(store_name)
        sh = shape(total)
        await client.memory_purge()
        before = await memory_used(client)
        started = time.perf_counter()
        await load(store, factory, sh, advance)
        load_s = time.perf_counter() - started
        await client.memory_purge()
        after = await memory_used(client)
        sample = [factory.claim(1 + i) for i in range(50)]
        value_bytes = sum(len(_encode(c)) for c in sample) / len(sample)
        spread = [factory.claim(factory.rng.randrange(1, sh.subjects + 1)) for _ in range(probes)]
        hot = [factory.claim(HOT_SUBJECT, "located_in") for _ in range(hot_probes)]
        # warm both paths (connection, policy file, code) before timing
        await probe(store, spread[:20])
        check_us, compared = await probe(store, spread, advance)
        check_hot, compared_hot = await probe(store, hot, advance)
        sampled = await sampled_bytes(client, streams, store_name)
        return CheckResult(
            total=total,
            check_us=check_us,
            compared=compared,
            check_us_hot=check_hot,
            compared_hot=compared_hot,
            bytes_per_claim=(after - before) / total,
            bytes_per_claim_sampled=sampled,
            value_bytes=value_bytes,
            load_s=load_s,
        )
    finally:
        await client.aclose()
