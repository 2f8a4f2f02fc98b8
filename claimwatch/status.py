"""What a running stack is doing, read from Redis alone: the services' heartbeats, every
consumer group's lag and pending count, the dead letters, and each subscription's last
delivery. `claimwatch status` prints it; `claimwatch health` asks one question of it.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import redis

from claimwatch.probe import instances
from claimwatch.stack import service_groups
from shared.connections import async_redis, is_cluster_client
from shared.settings import Settings
from shared.streams import NOTIFIER_GROUP, Streams
from shared.webhooks import SubscriptionStore, delivery_stream


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _groups(client: redis.Redis, streams: Streams, sub_ids: list[str]) -> list[dict[str, Any]]:
    pairs = service_groups(streams) + [
        (delivery_stream(streams, sub_id), NOTIFIER_GROUP) for sub_id in sub_ids
    ]
    rows: list[dict[str, Any]] = []
    for stream, group in pairs:
        try:
            infos: Any = client.xinfo_groups(stream)
        except redis.ResponseError:  # the stream does not exist yet
            continue
        for info in infos:
            if _text(info["name"]) != group:
                continue
            rows.append(
                {
                    "stream": stream,
                    "group": group,
                    "length": int(client.xlen(stream)),
                    "consumers": int(info["consumers"]),
                    "pending": int(info["pending"]),
                    "lag": None if info.get("lag") is None else int(info["lag"]),
                    "last_delivered_id": _text(info["last-delivered-id"]),
                }
            )
    return rows


def _gone_consumers(
    client: redis.Redis, groups: list[dict[str, Any]], live: set[str]
) -> list[dict[str, Any]]:
    """Consumers still in a group without a heartbeat: stopped replicas (alive: false)."""
    rows: list[dict[str, Any]] = []
    for group in groups:
        consumers: Any = client.xinfo_consumers(group["stream"], group["group"])
        for info in consumers:
            name = _text(info["name"])
            if name in live:
                continue
            rows.append(
                {
                    "service": group["group"],
                    "consumer": name,
                    "alive": False,
                    "stream": group["stream"],
                    "pending": int(info["pending"]),
                    "idle_s": round(int(info["idle"]) / 1000, 1),
                }
            )
    return rows


def _subscriptions(url: str, settings: Settings) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        client = async_redis(url)
        try:
            store = SubscriptionStore(client, Streams.of(settings), settings)
            subs, disabled, last = (
                await store.all(),
                await store.disabled(),
                await store.last_outcomes(),
            )
        finally:
            await client.aclose()
        return [
            {
                **sub.public(),
                "state": f"disabled: {disabled[sub.id]}" if sub.id in disabled else "active",
                "last_delivery": last.get(sub.id),
            }
            for sub in subs
        ]

    return asyncio.run(go())


def primaries(client: redis.Redis) -> list[dict[str, Any]]:
    """On a Redis Cluster, each primary with the slots it serves and its key count (the
    keys of every deployment on it); empty on a single Redis."""
    from redis.cluster import RedisCluster

    if not is_cluster_client(client):
        return []
    cluster = cast(RedisCluster, client)
    slots: dict[str, int] = {}
    served: Any = cluster.execute_command("CLUSTER SLOTS", target_nodes=RedisCluster.RANDOM)
    for (start, end), info in served.items():
        host, port = info["primary"][:2]
        address = f"{_text(host)}:{port}"
        slots[address] = slots.get(address, 0) + int(end) - int(start) + 1
    rows = []
    for node in cluster.get_primaries():
        address = f"{node.host}:{node.port}"
        keys = int(cluster.execute_command("DBSIZE", target_nodes=node))
        rows.append({"node": address, "slots": slots.get(address, 0), "keys": keys})
    return sorted(rows, key=lambda r: r["node"])


def collect(client: redis.Redis, url: str, settings: Settings) -> dict[str, Any]:
    streams = Streams.of(settings)
    subs = _subscriptions(url, settings)
    groups = _groups(client, streams, [s["id"] for s in subs])
    live = instances(client, streams)
    gone = _gone_consumers(client, groups, {r.get("consumer", "") for r in live})
    return {
        "services": live + gone,
        "groups": groups,
        "dead_letters": int(client.xlen(streams.deadletter)),
        "subscriptions": subs,
        "cluster": primaries(client),
    }
