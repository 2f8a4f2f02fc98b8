"""The claim store and the alert log, on Redis (one server or a Redis Cluster).

A new claim is compared with the stored claims of its comparison key (store, subject id,
relation) through per-key summaries (shared.claim_summary): per time bucket and signature,
the claims that stand for all the others. A check reads only the entries of the buckets its
window overlaps, so it costs in proportion to the distinct values there, and no claim in
the window goes unrepresented, however busy the subject.

Keys (named by `Streams.key`; `shard` = "<store>|<subject id>": every key of one subject
lies in one hash slot, so the store spreads over a cluster by subject and each script
touches one slot):

* `key("sum", relation, shard=...)`: hash, the summary of one comparison key:
  `b<claim id>` -> the claim's encoded body, for every claim of the key (written with
  HSETNX: storing a claim twice is a no-op, and at-least-once delivery redelivers);
  `k<tier>:<bucket>` -> the signatures of that bucket (16 hex digits each, in arrival order);
  `m<tier>:<bucket>:<signature>` -> the entry, packed with Lua's struct (see `_ENTRY`):
  the kept claims' (ms, id, source, article), then count, earliest, latest, the per-source
  kept claims and the sources. A check reads the entries, then the kept claims' bodies from
  the same hash: one script, one key;
* `key("ids", relation, shard=...)`: sorted set of the key's claim ids by time, for the
  desk (`claims_about`, oldest first);
* `key("claim", store, id)`: the claim's address ("<subject id>\\x1f<relation>"), so that
  the desk's `get_many(store, ids)` finds a body from an id alone; these lie wherever their
  names hash (a desk read goes to many nodes anyway);
* `with_stream(alerts, "alert", store, alert id)`: the marker that an alert was published,
  in the alert stream's slot, so that one script writes the marker and the stream entry.

Why bodies live in the summary and the by-id key holds only an address: a kept claim must be
readable by the check without another key, and most claims of a spread store are kept (one
claim per bucket and signature); keeping the body by id too would store most claims twice
(about 1,150 bytes a claim instead of about 800 in `claimwatch bench`). The bodies are zlib-
coded with a preset dictionary (`_ZDICT`).
"""

from __future__ import annotations

import hashlib
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from shared.claim_summary import (
    LISTED_SOURCES,
    PAIR_SOURCES,
    Entry,
    Layout,
    Rep,
    rep_of,
    select,
    sentence_key,
    signature,
    time_ms,
)
from shared.domain.alerts import Alert
from shared.domain.claims import Claim
from shared.domain.policy import Policy
from shared.streams import Streams
from shared.summary_scripts import COMPARABLE, SUMMARISE

# Claims further apart than this are never compared: every rule that could make them
# conflict (a place's region, an office holder) has either changed or been restated since.
DEFAULT_LOOKBACK = timedelta(days=400)
_CHUNK = 500  # keys per pipeline when dropping a store
# Decoded kept claims an alert worker keeps (a few MB): the kept claims of a busy subject are
# read by every check on it, and decoding is most of a check's client time.
DECODED = 4_096


class ClaimStore(Protocol):
    async def add(self, claims: Iterable[Claim]) -> int: ...

    async def comparable(self, claim: Claim) -> list[Claim]: ...


class InMemoryClaimStore:
    """The same contract and the same summaries in memory: for unit tests and in-process
    scenario runs, whose figures then reflect what the Redis store compares."""

    def __init__(
        self,
        lookback: timedelta = DEFAULT_LOOKBACK,
        policy: Policy | None = None,
        pair_sources: int = PAIR_SOURCES,
    ) -> None:
        self._layout = Layout(lookback, policy)
        self._pair_sources = pair_sources
        self._claims: dict[str, Claim] = {}
        # (store, subject, relation, tier, bucket) -> signature -> entry, in arrival order
        self._entries: dict[tuple[str, str, str, str, int], dict[str, Entry]] = {}

    async def add(self, claims: Iterable[Claim]) -> int:
        new = 0
        for claim in claims:
            if claim.id in self._claims:
                continue
            self._claims[claim.id] = claim
            new += 1
            rep, sig = rep_of(claim), signature(claim)
            for tier in self._layout.tiers(claim.relation):
                where = (claim.store, claim.subject.id, claim.relation, tier.name)
                bucket = self._entries.setdefault((*where, tier.bucket(rep.ms)), {})
                if sig in bucket:
                    bucket[sig].add(rep, self._pair_sources, LISTED_SOURCES)
                else:
                    bucket[sig] = Entry.of(rep)
        return new

    async def comparable(self, claim: Claim) -> list[Claim]:
        out: list[Claim] = []
        taken: set[str] = set()
        where = (claim.store, claim.subject.id, claim.relation)
        sentence = sentence_key(claim)
        for read in self._layout.reads(claim.relation, time_ms(claim)):
            candidates: dict[str, list[Rep]] = {}
            for bucket in read.buckets():
                for sig, entry in self._entries.get((*where, read.tier.name, bucket), {}).items():
                    candidates.setdefault(sig, []).extend(entry.reps())
            for reps in candidates.values():
                chosen = select(
                    reps, read, claim.id, claim.article_id, self._pair_sources, sentence
                )
                for rep in chosen:
                    if rep.id not in taken:
                        taken.add(rep.id)
                        out.append(self._claims[rep.id])
        return out


# A preset dictionary of what every claim's JSON repeats (field names, common values): zlib
# then codes a claim in about three quarters of the bytes. Never edit it: a body names its
# dictionary by checksum (zlib's DICTID), and bodies written before it (FDICT unset) decode
# without one.
_ZDICT = (
    b'"url":"https://www.","title":"","attribution":"","on_date":"","on_date_end":"",'
    b'"value":{"value":,"bound":"about","unit":"people","text":"","upper":},'
    b'"state":"","polarity":"negated","polarity":"denied","modality":"hedged",'
    b'"modality":"disputed","type":"person","type":"org","type":"event","rank":"country",'
    b'"rank":"admin1","rank":"vague","story":["geo:","org:","person:","event:"],'
    b'"relation":"located_in","relation":"controlled_by","relation":"quantity:killed",'
    b'"relation":"status","relation":"office:","relation":"event:","store":"default",'
    b'"object":{"id":"geo:","name":"","type":"place","rank":"city","ancestors":["geo:"],'
    b'"country":""},"time":"T00:00:00Z","sentence":" the "," said ","start":,"end":'
    b'{"id":"clm_","article_id":"art_","source":"","published_at":"20",'
    b'"store":"eval:","subject":{"id":"geo:","name":"","type":"place","rank":"city",'
    b'"ancestors":["geo:'
)
_FDICT = 0x20


def _encode(claim: Claim) -> bytes:
    packer = zlib.compressobj(6, zdict=_ZDICT)
    return packer.compress(claim.model_dump_json(exclude_defaults=True).encode()) + packer.flush()


def _decode(raw: bytes) -> Claim:
    if raw[1] & _FDICT:
        unpacker = zlib.decompressobj(zdict=_ZDICT)
        return Claim.model_validate_json(unpacker.decompress(raw) + unpacker.flush())
    return Claim.model_validate_json(zlib.decompress(raw))


_SEP = "\x1f"


def _address(claim: Claim) -> str:
    """Where a claim's body is: its subject and relation name its summary."""
    return f"{claim.subject.id}{_SEP}{claim.relation}"


def glob_escape(text: str) -> str:
    """`text` matched literally in a SCAN MATCH pattern (braces too: a cluster may read a
    hash tag in a pattern)."""
    return "".join("\\" + ch if ch in "*?[]\\{}" else ch for ch in text)


class RedisClaimStore:
    def __init__(
        self,
        redis: Redis,
        streams: Streams,
        lookback: timedelta = DEFAULT_LOOKBACK,
        policy: Policy | None = None,
        pair_sources: int = PAIR_SOURCES,
        decoded: int = DECODED,
    ) -> None:
        self._redis = redis
        self._streams = streams
        self._layout = Layout(lookback, policy)
        self._pair_sources = pair_sources
        # kept claims decoded lately, by body: a busy key's checks read the same ones again
        self._decoded: OrderedDict[bytes, Claim] = OrderedDict()
        self._decoded_max = decoded
        self._summarise_sha = hashlib.sha1(SUMMARISE.encode()).hexdigest()
        self._comparable = redis.register_script(COMPARABLE)

    # --- keys ---------------------------------------------------------------------------

    def claim_key(self, store: str, claim_id: str) -> str:
        return self._streams.key("claim", store, claim_id)

    def summary_key(self, store: str, subject: str, relation: str) -> str:
        return self._streams.key("sum", relation, shard=f"{store}|{subject}")

    def ids_key(self, store: str, subject: str, relation: str) -> str:
        return self._streams.key("ids", relation, shard=f"{store}|{subject}")

    # --- the alert worker ---------------------------------------------------------------

    def _summarise_command(self, claim: Claim, body: bytes) -> list[Any]:
        rep = rep_of(claim)
        keys = (claim.store, claim.subject.id, claim.relation)
        tiers = self._layout.tiers(claim.relation)
        fields = [
            rep.id, str(rep.ms), rep.source, rep.article, rep.sentence, signature(claim),
            str(self._pair_sources), str(LISTED_SOURCES),
            *(f"{tier.name}:{tier.bucket(rep.ms)}" for tier in tiers),
        ]  # fmt: skip
        return [
            "EVALSHA", self._summarise_sha, 2, self.summary_key(*keys), self.ids_key(*keys),
            body, _SEP.join(fields),
        ]  # fmt: skip

    async def add(self, claims: Iterable[Claim]) -> int:
        """Store claims; returns how many were new (a replay stores nothing twice).

        One pipeline: per claim one summary script (body, id list, entries, in the subject's
        slot) and the claim's address by id (a cluster client sends each node its share).
        Everything here is idempotent, so the pipeline is simply sent again when a node does
        not know the script yet (a fresh or promoted node)."""
        batch = [(claim, _encode(claim)) for claim in claims]
        if not batch:
            return 0
        results = await self._add_pipeline(batch)
        if any(isinstance(r, NoScriptError) for r in results):
            await self._redis.script_load(SUMMARISE)
            results = await self._add_pipeline(batch)
        errors = [r for r in results if isinstance(r, Exception)]
        if errors:
            raise errors[0]
        return sum(1 for added in results[0::2] if added == 1)

    async def _add_pipeline(self, batch: list[tuple[Claim, bytes]]) -> list[Any]:
        pipe = self._redis.pipeline(transaction=False)
        for claim, body in batch:
            pipe.execute_command(*self._summarise_command(claim, body))
            pipe.set(self.claim_key(claim.store, claim.id), _address(claim))
        return list(await pipe.execute(raise_on_error=False))

    async def comparable(self, claim: Claim) -> list[Claim]:
        """The kept claims of the claim's key that stand for every stored claim in its
        window (and, for a cumulative count, in the lookback): one script, one slot."""
        args: list[Any] = [claim.id, claim.article_id, sentence_key(claim), self._pair_sources]
        for read in self._layout.reads(claim.relation, time_ms(claim)):
            buckets = read.buckets()
            args += [read.tier.name, buckets.start, buckets.stop - 1, read.lo, read.hi]
        key = self.summary_key(claim.store, claim.subject.id, claim.relation)
        raws: list[bytes] = await self._comparable(keys=[key], args=args)
        return [self._cached(raw) for raw in raws]

    def _cached(self, raw: bytes) -> Claim:
        claim = self._decoded.get(raw)
        if claim is not None:
            self._decoded.move_to_end(raw)
            return claim
        claim = _decode(raw)
        if self._decoded_max:
            self._decoded[raw] = claim
            if len(self._decoded) > self._decoded_max:
                self._decoded.popitem(last=False)
        return claim

    # --- the desk -------------------------------------------------------------------------

    async def get_many(self, store: str, ids: Sequence[str]) -> list[Claim]:
        """The stored claims of these ids, in order (ids no longer stored are left out).
        Two pipelines, not an MGET (on a cluster the ids lie in many slots): the claims'
        addresses, then their bodies from their subjects' summaries."""
        if not ids:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for claim_id in ids:
            pipe.get(self.claim_key(store, claim_id))
        addresses = await pipe.execute()
        pipe = self._redis.pipeline(transaction=False)
        for claim_id, address in zip(ids, addresses, strict=True):
            if isinstance(address, bytes):
                subject, _, relation = address.decode().partition(_SEP)
                pipe.hget(self.summary_key(store, subject, relation), "b" + claim_id)
        raws = await pipe.execute()
        return [_decode(raw) for raw in raws if isinstance(raw, bytes)]

    async def claims_about(
        self, store: str, subject: str, relation: str, limit: int = 500
    ) -> list[Claim]:
        """Every claim of one comparison key, oldest first (by the time it refers to)."""
        ids = await self._redis.zrange(self.ids_key(store, subject, relation), 0, limit - 1)
        if not ids:
            return []
        fields = [b"b" + i for i in ids if isinstance(i, bytes)]
        raws = await self._redis.hmget(self.summary_key(store, subject, relation), fields)
        return [_decode(raw) for raw in raws if isinstance(raw, bytes)]

    async def drop(self, store: str) -> int:
        """Delete every claim, summary and alert marker of one store (`claimwatch eval`).
        SCAN visits every primary of a cluster; keys are unlinked in pipelines."""
        streams = self._streams
        heads = [
            *((self._shard_head(kind, store), False) for kind in ("sum", "ids")),
            (streams.key("claim", store) + ":", True),
            (streams.with_stream(streams.alerts, "alert", store) + ":", True),
            # the layout before summaries: an index per key, markers outside the stream's slot
            (streams.key("idx", store) + ":", False),
            (streams.key("alert", store) + ":", True),
        ]
        deleted = 0
        for head, by_id in heads:
            skip = len(head.encode())
            keys: list[bytes] = []
            async for key in self._redis.scan_iter(match=glob_escape(head) + "*", count=1000):
                # "claim:eval:*" also matches the claims of a store "eval:x"; ids have no ':'
                if not (by_id and b":" in key[skip:]):
                    keys.append(key)
                if len(keys) >= _CHUNK:
                    deleted += await self._unlink(keys)
                    keys = []
            deleted += await self._unlink(keys)
        return deleted

    def _shard_head(self, kind: str, store: str) -> str:
        """The start of the names of one store's `kind` keys, up to "{<store>|" (the '|'
        ends the store's name)."""
        tag = "{" + store + "|"
        name = self._streams.key(kind, "x", shard=f"{store}|")
        return name[: name.index(tag) + len(tag)]

    async def _unlink(self, keys: list[bytes]) -> int:
        if not keys:
            return 0
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            # not pipe.unlink: a cluster pipeline's unlink is a coroutine of its own
            pipe.execute_command("UNLINK", key)
        return sum(await pipe.execute())


# Publish an alert to the alert stream only if its id was never published: the marker and
# the stream entry are written atomically, so a redelivered message never alerts twice.
_PUBLISH_ONCE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
                    'id', ARGV[1], 'kind', ARGV[3], 'severity', ARGV[4],
                    'store', ARGV[5], 'alert', ARGV[6])
end
return false
"""


class AlertLog:
    def __init__(self, redis: Redis, streams: Streams, maxlen: int) -> None:
        self._redis = redis
        self._streams = streams
        self._maxlen = maxlen
        self._script = redis.register_script(_PUBLISH_ONCE)

    def marker_key(self, store: str, alert_id: str) -> str:
        """In the alert stream's slot: the script writes both."""
        return self._streams.with_stream(self._streams.alerts, "alert", store, alert_id)

    async def publish(self, alert: Alert) -> bool:
        """True if the alert was new and is now on the alert stream."""
        entry = await self._script(
            keys=[self.marker_key(alert.store, alert.id), self._streams.alerts],
            args=[
                alert.id,
                self._maxlen,
                alert.kind.value,
                alert.severity.value,
                alert.store,
                alert.model_dump_json(),
            ],
        )
        return entry is not None
