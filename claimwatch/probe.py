"""`claimwatch health SERVICE`: is a live instance of SERVICE running here?

Compose and Kubernetes run it every few seconds in every container, so it imports only
what it needs (settings, a Redis client, key names): no FastStream, spaCy or the rest of
the CLI (`claimwatch.entry` sends `health` here before importing them). `claimwatch status`
reads the same heartbeats through `instances`.
"""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Any

import redis

from shared.connections import sync_redis
from shared.streams import Streams, heartbeat_pattern

# Every service: its package under services/ -> the name people, compose and heartbeats use.
# Here, not in claimwatch.stack, so that the probe need not import the launcher.
SERVICE_NAMES = {
    "entity_worker": "entity-worker",
    "claim_worker": "claim-worker",
    "alert_worker": "alert-worker",
    "notifier": "notifier",
    "ingestor": "ingestor",
    "poller": "poller",
    "api": "api",
}
SERVICES = tuple(SERVICE_NAMES.values())


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def instances(client: redis.Redis, streams: Streams, service: str = "*") -> list[dict[str, Any]]:
    """Every service instance with a live heartbeat (the key expires with the process)."""
    found: list[dict[str, Any]] = []
    for key in client.scan_iter(match=heartbeat_pattern(streams, service), count=500):
        fields: Any = client.hgetall(key)
        if not fields:
            continue
        row: dict[str, Any] = {_text(k): _text(v) for k, v in fields.items()}
        row["alive"] = True
        row["handled"] = int(row.get("handled", 0) or 0)
        found.append(row)
    return sorted(found, key=lambda r: (r.get("service", ""), r.get("consumer", "")))


def healthy_here(client: redis.Redis, streams: Streams, service: str) -> dict[str, Any] | None:
    """A live instance of `service` on this host (the container, under compose), if any."""
    host = socket.gethostname()
    return next((r for r in instances(client, streams, service) if r.get("host") == host), None)


def check(service: str, anywhere: bool = False) -> tuple[bool, str]:
    """(healthy, the line to print)."""
    from shared.settings import get_settings

    settings = get_settings()
    if service not in SERVICES:
        return False, f"unknown service {service!r}; one of: {', '.join(SERVICES)}"
    if not settings.redis_url:
        return False, "unhealthy: REDIS_URL is not set"
    try:
        client = sync_redis(settings.redis_url, socket_connect_timeout=5, socket_timeout=5)
        streams = Streams.of(settings)
        found = (
            next(iter(instances(client, streams, service)), None)
            if anywhere
            else healthy_here(client, streams, service)
        )
        client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        return False, f"unhealthy: cannot read heartbeats from Redis ({type(exc).__name__})"
    if found is None:
        return False, f"unhealthy: no live {service} {'anywhere' if anywhere else 'on this host'}"
    return True, f"healthy: {service} {found['consumer']} (pid {found.get('pid')})"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="claimwatch health",
        description="Exit 0 when SERVICE runs on this host (its heartbeat is fresh).",
    )
    parser.add_argument("service", help=", ".join(SERVICES))
    parser.add_argument(
        "--anywhere", action="store_true", help="Accept an instance on any host"
    )
    options = parser.parse_args(argv)
    ok, line = check(options.service, options.anywhere)
    print(line, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1
