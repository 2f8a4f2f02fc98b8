"""Redis connections: the one place that decides between a single Redis and a Redis Cluster.

With `CLAIMWATCH_REDIS_CLUSTER=true` and `REDIS_URL` naming any node (or several, comma-
separated, so that a client starting while one is down still connects), every service, the CLI
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
from redis.asyncio.cluster import ClusterNode as AsyncClusterNode
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import ClusterNode, RedisCluster

from shared.settings import get_settings

if TYPE_CHECKING:
    from faststream.redis import RedisBroker


def cluster_mode(cluster: bool | None = None) -> bool:
    """`cluster` when given, else the setting (CLAIMWATCH_REDIS_CLUSTER)."""
    return get_settings().redis_cluster if cluster is None else cluster


def is_cluster_client(client: Any) -> bool:
    """Whether `client` (blocking or asyncio) talks to a Redis Cluster: some commands are
    sent per node or per slot there."""
    return isinstance(client, RedisCluster | AsyncRedisCluster)


def cluster_seeds(url: str) -> tuple[str, list[tuple[str, int]]]:
    """(the URL of the first node, every node named) for a cluster `REDIS_URL`, which may
    name several nodes, "redis://[user:pass@]host1:port1,host2:port2[/0]": the clients try
    them in turn, so a client started while one of them is down still connects. A cluster
    has only database 0; redis-py's cluster client refuses any path at all."""
    scheme, _, rest = url.partition("://")
    netloc, _, db = rest.partition("/")
    if db not in ("", "0"):
        raise ValueError(f"a Redis Cluster has only database 0, not {db!r}")
    auth, _, hosts = netloc.rpartition("@")
    seeds: list[tuple[str, int]] = []
    for address in hosts.split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"a cluster node must be host:port, not {address!r}")
        seeds.append((host, int(port)))
    first = f"{scheme}://{auth + '@' if auth else ''}{seeds[0][0]}:{seeds[0][1]}"
    return first, seeds


def async_redis(url: str, *, cluster: bool | None = None, **options: Any) -> aioredis.Redis:
    """An asyncio client for `url`: a cluster client in cluster mode."""
    if cluster_mode(cluster):
        first, seeds = cluster_seeds(url)
        nodes = [AsyncClusterNode(host, port) for host, port in seeds]
        client = AsyncRedisCluster.from_url(first, startup_nodes=nodes, **options)
        return cast(aioredis.Redis, client)
    return aioredis.Redis.from_url(url, **options)


def sync_redis(url: str, *, cluster: bool | None = None, **options: Any) -> redis.Redis:
    """A blocking client for `url`: a cluster client in cluster mode."""
    if cluster_mode(cluster):
        first, seeds = cluster_seeds(url)
        nodes = [ClusterNode(host, port) for host, port in seeds]
        return cast(redis.Redis, RedisCluster.from_url(first, startup_nodes=nodes, **options))
    return redis.Redis.from_url(url, **options)


def make_broker(url: str, *, cluster: bool | None = None, **kwargs: Any) -> RedisBroker:
    """A FastStream broker for `url`: `RedisClusterBroker` in cluster mode."""
    # imported here: the health probe (claimwatch/probe.py) needs clients, not FastStream
    from faststream.redis import RedisBroker, RedisClusterBroker

    if cluster_mode(cluster):
        first, seeds = cluster_seeds(url)
        return RedisClusterBroker(first, startup_nodes=seeds, **kwargs)
    return RedisBroker(url, **kwargs)
