"""Redis connections: the one place that decides between a single Redis and a Redis Cluster.

With `CLAIMWATCH_REDIS_CLUSTER=true` and `REDIS_URL` naming any node, every service, the CLI
and the API talk through redis-py's cluster clients and FastStream's `RedisClusterBroker`,
which find the other nodes themselves and follow a failover (a replica promoted to
primary). The keys the project writes are laid out so that every multi-key operation
touches one hash slot (`shared.streams.Streams.key`, shard tags).

The cluster clients answer the same commands as the single-node ones; they are typed as
the single-node classes here so that the code above them has one client type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

from shared.settings import get_settings

if TYPE_CHECKING:
    from faststream.redis import RedisBroker


def cluster_mode(cluster: bool | None = None) -> bool:
    """`cluster` when given, else the setting (CLAIMWATCH_REDIS_CLUSTER)."""
    return get_settings().redis_cluster if cluster is None else cluster


def _cluster_url(url: str) -> str:
    # A cluster has only database 0; "redis://host:port/0" is how single-node URLs are
    # usually written here, and redis-py's cluster client refuses any path at all.
    head, _, path = url.partition("://")
    address, _, db = path.partition("/")
    if db not in ("", "0"):
        raise ValueError(f"a Redis Cluster has only database 0, not {db!r} ({head}://{address})")
    return f"{head}://{address}"


def async_redis(url: str, *, cluster: bool | None = None, **options: Any) -> aioredis.Redis:
    """An asyncio client for `url`: a cluster client in cluster mode."""
    if cluster_mode(cluster):
        return cast(aioredis.Redis, AsyncRedisCluster.from_url(_cluster_url(url), **options))
    return aioredis.Redis.from_url(url, **options)


def sync_redis(url: str, *, cluster: bool | None = None, **options: Any) -> redis.Redis:
    """A blocking client for `url`: a cluster client in cluster mode."""
    if cluster_mode(cluster):
        return cast(redis.Redis, RedisCluster.from_url(_cluster_url(url), **options))
    return redis.Redis.from_url(url, **options)


def make_broker(url: str, *, cluster: bool | None = None, **kwargs: Any) -> RedisBroker:
    """A FastStream broker for `url`: `RedisClusterBroker` in cluster mode."""
    # imported here: the health probe (claimwatch/probe.py) needs clients, not FastStream
    from faststream.redis import RedisBroker, RedisClusterBroker

    if cluster_mode(cluster):
        return RedisClusterBroker(_cluster_url(url), **kwargs)
    return RedisBroker(url, **kwargs)
