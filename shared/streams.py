"""Stream and consumer-group names: the only coupling between services.

Key layout (README, "Beyond one machine"): keys that a multi-key operation touches together
share a hash tag (`key(..., shard=...)`), so that on a Redis Cluster they lie in one slot.
The article streams (articles, entities, claims) can be split into `partitions` streams;
an article goes to the partition its id hashes to and stays in it end to end.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot

if TYPE_CHECKING:
    from shared.settings import Settings

# The streams that are split into partitions; the others (alerts, processed, deadletter)
# stay one stream each: clients read them, and they carry little.
PARTITIONED = ("articles", "entities", "claims")


@lru_cache(maxsize=256)
def partition_tag(index: int, partitions: int) -> str:
    """The hash tag of partition `index`: the first of "p<i>", "p<i>.1", ... whose slot lies
    in the index-th of `partitions` equal slices of the slot space, so that partitions
    spread over the primaries of a cluster whose slots are split evenly (as
    `redis-cli --cluster create` and `claimwatch.localcluster` split them)."""
    width = REDIS_CLUSTER_HASH_SLOTS / partitions
    low, high = int(index * width), int((index + 1) * width)
    for attempt in range(100_000):
        tag = f"p{index}" if attempt == 0 else f"p{index}.{attempt}"
        if low <= key_slot(tag.encode()) < high:
            return tag
    raise AssertionError("unreachable: every slice of the slot space has a tag")


@dataclass(frozen=True)
class Streams:
    prefix: str = "claimwatch"
    partitions: int = 1

    @classmethod
    def of(cls, settings: Settings) -> Streams:
        return cls(settings.stream_prefix, settings.partitions)

    def partition_of(self, article_id: str) -> int:
        """The partition an article's messages go through (stable across processes)."""
        if self.partitions == 1:
            return 0
        return zlib.crc32(article_id.encode()) % self.partitions

    def stream(self, name: str, partition: int = 0) -> str:
        """One partition of an article stream: "<prefix>:articles" with one partition,
        "<prefix>:articles:{p3}" with several (hash-tagged: one partition's streams share a
        slot)."""
        if name not in PARTITIONED:
            raise ValueError(f"{name!r} is not a partitioned stream")
        if self.partitions == 1:
            return f"{self.prefix}:{name}"
        return f"{self.prefix}:{name}:{{{partition_tag(partition, self.partitions)}}}"

    def all(self, name: str) -> list[str]:
        """Every partition of an article stream, in order."""
        return [self.stream(name, p) for p in range(self.partitions)]

    def for_article(self, name: str, article_id: str) -> str:
        return self.stream(name, self.partition_of(article_id))

    @property
    def articles(self) -> str:
        """Ingestor -> entity worker: `Article` (partition 0; see `all`)."""
        return self.stream("articles")

    @property
    def entities(self) -> str:
        """Entity worker -> claim worker: `ArticleEntities` with the parse (partition 0)."""
        return self.stream("entities")

    @property
    def claims(self) -> str:
        """Claim worker -> alert worker: `ArticleClaims` (partition 0)."""
        return self.stream("claims")

    @property
    def alerts(self) -> str:
        """Alert worker -> notifier and any client: one entry per alert (plain JSON fields)."""
        return f"{self.prefix}:alerts"

    @property
    def processed(self) -> str:
        """Alert worker -> whoever waits for a feed to drain: `ArticleProcessed`."""
        return f"{self.prefix}:processed"

    @property
    def deadletter(self) -> str:
        """Any service -> operators: `DeadLetter`."""
        return f"{self.prefix}:deadletter"

    def key(self, kind: str, *parts: str, shard: str | None = None) -> str:
        """A non-stream key in this deployment's namespace: "<prefix>:<kind>:<parts>".
        Keys given the same `shard` lie in one hash slot of a cluster (the tag follows the
        kind: "<prefix>:<kind>:{<shard>}:<parts>"), so one script or transaction may touch
        them together; without it a key lies wherever it hashes."""
        tag = [] if shard is None else ["{" + shard + "}"]
        return ":".join([self.prefix, kind, *tag, *parts])

    def with_stream(self, stream: str, kind: str, *parts: str) -> str:
        """A key in the hash slot of `stream` (whose name has no tag of its own, so it
        hashes whole): written in one script with an entry on that stream. It still starts
        with the prefix, like every key of the deployment."""
        return self.key(kind, *parts, shard=stream)


def heartbeat_key(streams: Streams, service: str, consumer: str) -> str:
    """The hash a running service instance keeps fresh (shared.runtime.Heartbeat)."""
    return streams.key("alive", service, consumer)


def heartbeat_pattern(streams: Streams, service: str = "*") -> str:
    return streams.key("alive", service, "*")


# Consumer groups, one per consuming service.
ENTITY_GROUP = "entity-worker"
CLAIM_GROUP = "claim-worker"
ALERT_GROUP = "alert-worker"
NOTIFIER_GROUP = "notifier"


def read_streams(
    client: Any, cursors: Mapping[str, str], count: int, block_ms: int | None
) -> list[Any]:
    """XREAD of several streams after their cursors, as redis-py returns it. A cluster
    serves one slot per command, and these streams (processed, deadletter, alerts) lie in
    different slots: there each is read on its own, the wait shared between them."""
    from shared.connections import is_cluster_client  # connections imports settings

    if len(cursors) == 1 or not is_cluster_client(client):
        return list(client.xread(dict(cursors), count=count, block=block_ms) or [])
    replies: list[Any] = []
    for stream, cursor in cursors.items():
        replies += client.xread({stream: cursor}, count=count) or []
    if not replies and block_ms:
        time.sleep(min(block_ms, 100) / 1000)  # nothing yet: poll again, a little later
    return replies


def entry_body(fields: Mapping[bytes, bytes]) -> Any:
    """The JSON body of a stream entry FastStream published (its binary envelope in
    `__data__`), or None when the entry has none or it is not JSON."""
    from faststream.redis.parser.binary import BinaryMessageFormatV1

    raw = fields.get(b"__data__")
    if raw is None:
        return None
    try:
        data, _headers = BinaryMessageFormatV1.parse(raw)
        return json.loads(data)
    except ValueError:
        return None
