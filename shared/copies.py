"""Syndicated copies and near-duplicates, recognised at ingest: MinHash over word shingles
(datasketch), with the LSH buckets kept in Redis under the deployment's prefix, per claim store.

Keys (all with a TTL, `settings.copies_ttl_s`, so the index forgets what it no longer needs):
  {prefix}:copies:{store}:band:{i}:{bucket}  set of article ids whose band i hashes to bucket
  {prefix}:copies:{store}:sig:{id}           its signature (128 little-endian uint32), then
                                             the numbers in its text, space-separated
  {prefix}:copies:{store}:exact:{sha}        the first article id with this normalised text
  {prefix}:copy:{store}:{id}                 hash: original, similarity, source, url
  {prefix}:copies-of:{store}:{original_id}   set of the ids recorded as copies of an original

datasketch's own Redis storage is not used: it opens its own (sync) connection and prefix, where
this has to share the ingestor's async client and the deployment's key namespace.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from datasketch import MinHash
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from shared.events import Article
from shared.settings import Settings
from shared.streams import Streams

BOILERPLATE_PATH = Path(__file__).resolve().parent / "data" / "copies" / "boilerplate.txt"

# Word 5-grams: a shared 5-gram is a shared phrase, not shared vocabulary, so two outlets
# writing up the same facts in their own sentences share almost none (measured: 0.00-0.03 on
# the look-alike scenarios in tests/data), while a republished text shares nearly all.
SHINGLE_WORDS = 5
# Below this many words (after the boilerplate is stripped) a text has too few shingles for
# an estimate to mean anything: only the exact normalised text counts.
MIN_WORDS = 30
NUM_PERM = 128  # standard error of the estimate ~ sqrt(J(1-J)/128): 0.043 at J=0.6
SEED = 1
# Estimated Jaccard of the 5-gram sets at or above which an article is a copy. Measured: a
# syndicated copy with a new headline, a dateline, one sentence trimmed and "AFP reported"
# added (scenario bc-02) is 0.64; a sentence in ten reworded ~0.8; the generated bench
# articles, which share stock paragraphs but report different events, reach 0.54. Scattered
# edits cost 5 shingles each: 10% of words changed at random positions gives ~0.35, so such
# a text is NOT taken for a copy.
THRESHOLD = 0.6
# And a near-duplicate that says a number the original does not ("killed 17" -> "killed 23")
# is not a copy whatever its similarity: it is an update, whose claims must be compared. A copy
# may drop numbers (a trimmed sentence), never add or change one.
# LSH: 32 bands of 4 rows (all 128 values). A pair at J=0.6 shares a band with probability
# 1-(1-0.6**4)**32 = 0.99 (0.87 at 0.5, 0.05 at 0.2). datasketch's `_optimal_param(0.6, 128,
# 0.5, 0.5)` gives 18x7, which finds a pair at exactly 0.6 only 40% of the time; candidates
# are verified against their stored signatures anyway, so a false candidate costs a read and
# a missed one costs a duplicate alert: the bands favour recall.
BANDS, ROWS = 32, 4
# At most this many candidates (those sharing the most bands first) are verified per article.
MAX_CANDIDATES = 200

_APOSTROPHES = re.compile(r"['’`]")
_NON_WORD = re.compile(r"[^\w\s]|_")


@dataclass(frozen=True)
class CopyOf:
    original_id: str
    similarity: float  # estimated Jaccard of the shingle sets (1.0: the same normalised text)


@lru_cache(maxsize=1)
def boilerplate_patterns() -> tuple[re.Pattern[str], ...]:
    lines = BOILERPLATE_PATH.read_text(encoding="utf-8").splitlines()
    return tuple(
        re.compile(line, re.IGNORECASE | re.MULTILINE)
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    )


def strip_boilerplate(text: str) -> str:
    for pattern in boilerplate_patterns():
        text = pattern.sub("", text)
    return text


def normalised_words(text: str) -> list[str]:
    """Lower-case words of the text without its boilerplate, punctuation dropped ("12,000" is
    "12 000", "Ukraine's" is "ukraines"), so that typography never separates two copies."""
    text = _APOSTROPHES.sub("", strip_boilerplate(text).lower())
    return _NON_WORD.sub(" ", text).split()


def shingles(words: list[str]) -> set[str]:
    n = SHINGLE_WORDS
    return {" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # Drawing the permutations is most of MinHash()'s cost: once per process, same seed.
    a, b = MinHash(num_perm=NUM_PERM, seed=SEED).permutations
    return a, b


def signature(words: list[str]) -> np.ndarray:
    m = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_permutations(), scheme="affine32")
    m.update_batch(s.encode() for s in shingles(words))
    return np.asarray(m.hashvalues, dtype="<u4")  # affine32 values fit 32 bits: 512 bytes


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """What MinHash.jaccard computes (the share of equal values), on stored arrays."""
    return float(np.count_nonzero(a == b)) / len(a)


def numbers(words: list[str]) -> set[str]:
    return {w for w in words if any(ch.isdigit() for ch in w)}


def _buckets(sig: np.ndarray) -> list[str]:
    return [sig[i * ROWS : (i + 1) * ROWS].tobytes().hex() for i in range(BANDS)]


def _text_of(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class CopyIndex:
    def __init__(self, client: Redis, streams: Streams, settings: Settings) -> None:
        self._client = client
        self._streams = streams
        self._ttl = settings.copies_ttl_s
        # publish_articles calls find, then add, for the same article: shingle it once.
        self._last: tuple[str, str, tuple[str, np.ndarray | None, set[str]]] | None = None

    def _key(self, store: str, *parts: str) -> str:
        return self._streams.key("copies", store, *parts)

    def _features(self, article: Article) -> tuple[str, np.ndarray | None, set[str]]:
        """(hash of the normalised text, signature or None for a short text, its numbers)."""
        if self._last is not None and self._last[:2] == (article.id, article.text):
            return self._last[2]
        words = normalised_words(article.text)
        digest = hashlib.sha256(" ".join(words).encode()).hexdigest()[:32]
        sig = signature(words) if len(words) >= MIN_WORDS else None
        self._last = (article.id, article.text, (digest, sig, numbers(words)))
        return self._last[2]

    async def find(self, article: Article) -> CopyOf | None:
        """The earlier article in the same store this one copies (the most similar), if any."""
        digest, sig, nums = self._features(article)
        store = article.store
        same = await self._client.get(self._key(store, "exact", digest))
        if same is not None and _text_of(same) != article.id:
            return CopyOf(_text_of(same), 1.0)
        if sig is None:
            return None
        pipe = self._client.pipeline(transaction=False)
        for i, bucket in enumerate(_buckets(sig)):
            pipe.smembers(self._key(store, "band", str(i), bucket))
        hits: dict[str, int] = {}
        for members in await pipe.execute():
            for member in members:
                name = _text_of(member)
                hits[name] = hits.get(name, 0) + 1
        hits.pop(article.id, None)
        if not hits:
            return None
        # More bands shared means more similar, on average: verify the likeliest first.
        candidates = sorted(hits, key=lambda c: (-hits[c], c))[:MAX_CANDIDATES]
        # GETs in a pipeline, not one MGET: a cluster client splits them by node.
        pipe = self._client.pipeline(transaction=False)
        for candidate in candidates:
            pipe.get(self._key(store, "sig", candidate))
        stored = await pipe.execute()
        best: CopyOf | None = None
        for candidate, raw in zip(candidates, stored, strict=True):
            if not isinstance(raw, bytes):
                continue  # its signature expired before the bucket that still names it
            theirs = np.frombuffer(raw[: NUM_PERM * 4], dtype="<u4")
            if not nums <= set(_text_of(raw[NUM_PERM * 4 :]).split()):
                continue  # a number the candidate does not have: an update, not a copy
            score = estimated_jaccard(sig, theirs)
            if score >= THRESHOLD and (best is None or score > best.similarity):
                best = CopyOf(candidate, score)
        return best

    async def add(self, article: Article) -> None:
        """Index an article (again: no change but fresher TTLs)."""
        digest, sig, nums = self._features(article)
        store, ttl = article.store, self._ttl
        pipe = self._client.pipeline(transaction=False)
        # NX: the first article with a text stays its original, whatever is re-added later.
        pipe.set(self._key(store, "exact", digest), article.id, ex=ttl, nx=True)
        if sig is not None:
            packed = sig.tobytes() + " ".join(sorted(nums)).encode()
            pipe.set(self._key(store, "sig", article.id), packed, ex=ttl)
            for i, bucket in enumerate(_buckets(sig)):
                band = self._key(store, "band", str(i), bucket)
                pipe.sadd(band, article.id)
                pipe.expire(band, ttl)  # a bucket lives as long as its newest member
        await pipe.execute()

    async def record_copy(self, article: Article, copy: CopyOf) -> None:
        """Remember that `article` is a copy of `copy.original_id` (a set: counted once)."""
        store, ttl = article.store, self._ttl
        record = self._streams.key("copy", store, article.id)
        of = self._streams.key("copies-of", store, copy.original_id)
        mapping: dict[FieldT, EncodableT] = {
            "original": copy.original_id,
            "similarity": f"{copy.similarity:.4f}",
            "source": article.source,
            "url": article.url or "",
        }
        # Not a transaction: the two keys lie in different slots of a cluster, and every
        # command is idempotent, so a crash between them is mended by the redelivery.
        pipe = self._client.pipeline(transaction=False)
        pipe.hset(record, mapping=mapping)
        pipe.expire(record, ttl)
        pipe.sadd(of, article.id)
        pipe.expire(of, ttl)
        await pipe.execute()

    async def copies_of(self, store: str, original_id: str) -> list[str]:
        members = await self._client.smembers(self._streams.key("copies-of", store, original_id))
        return sorted(_text_of(m) for m in members)
