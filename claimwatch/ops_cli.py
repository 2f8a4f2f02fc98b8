"""`claimwatch status`, `health` and `logs`: what a running stack is doing."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from claimwatch.console import UserError, connect, console, err, load_settings, redis_url
from claimwatch.probe import check
from claimwatch.stack import SERVICE_MODULES, logs_root
from claimwatch.status import collect
from shared.connections import async_redis
from shared.streams import Streams

NAMES = ", ".join(SERVICE_MODULES)


def register(app: typer.Typer) -> None:
    for command in (status, health, logs):
        app.command()(command)
    app.command("upgrade-keys")(upgrade_keys)


def _known(service: str) -> str:
    if service not in SERVICE_MODULES:
        raise UserError(f"unknown service {service!r}; one of: {NAMES}")
    return service


def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object")] = False,
) -> None:
    """Every service instance, consumer-group lag and pending, dead letters, subscriptions."""
    settings = load_settings()
    url = redis_url(settings)
    client = connect(url)
    report = collect(client, url, settings)
    client.close()
    if as_json:
        print(json.dumps(report, default=str))
        return
    _print(report)


def _print(report: dict[str, Any]) -> None:
    services = Table("service", "consumer", "host", "pid", "alive", "last beat", "handled",
                     "metrics", title="services")
    for row in report["services"]:
        services.add_row(
            row.get("service", ""), row.get("consumer", ""), row.get("host", "?"),
            row.get("pid", "?"), "yes" if row["alive"] else "[red]no[/red]",
            row.get("beat_at", f"idle {row.get('idle_s', '?')} s"), str(row.get("handled", "")),
            row.get("metrics_url", ""),
        )
    groups = Table("stream", "group", "length", "consumers", "lag", "pending", title="groups")
    for g in report["groups"]:
        groups.add_row(g["stream"], g["group"], str(g["length"]), str(g["consumers"]),
                       str(g["lag"]), str(g["pending"]))
    console.print(services, groups)
    if not report["services"]:
        console.print("no service instance is running on this Redis and prefix")
    console.print(f"dead letters: {report['dead_letters']}")
    if report["cluster"]:
        nodes = Table("primary", "slots", "keys", title="Redis Cluster")
        for node in report["cluster"]:
            nodes.add_row(node["node"], str(node["slots"]), str(node["keys"]))
        console.print(nodes)
    for sub in report["subscriptions"]:
        last = sub["last_delivery"] or {}
        seen = f"{last.get('outcome')} ({last.get('reason')}) at {last.get('at')}" if last else (
            "no delivery yet")
        console.print(f"subscription {sub['id']} → {sub['url']}: {sub['state']}; last: {seen}")


def health(
    service: Annotated[str, typer.Argument(help=f"One of: {NAMES}")],
    anywhere: Annotated[
        bool, typer.Option(help="Accept an instance on any host, not only this one")
    ] = False,
) -> None:
    """Exit 0 when SERVICE runs on this host (its heartbeat is fresh): for healthchecks.
    The console script answers it in claimwatch/probe.py without loading the whole CLI."""
    _known(service)
    ok, line = check(service, anywhere)
    if not ok:
        err.print(line)
        raise typer.Exit(1)
    console.print(line)


def upgrade_keys() -> None:
    """Move a Redis written by an earlier claimwatch to this version's key layout (claim
    summaries, hash-tagged queues and registry); stop the services first. Idempotent."""
    settings = load_settings()
    if settings.redis_cluster:
        raise UserError("upgrade-keys moves a single Redis; a cluster has only this layout")
    url = redis_url(settings)
    connect(url).close()

    async def go() -> dict[str, int]:
        from claimwatch.upgrade import upgrade_keys as run

        client = async_redis(url, cluster=False)
        try:
            return await run(client, Streams.of(settings))
        finally:
            await client.aclose()

    moved = asyncio.run(go())
    console.print(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in moved.items()))


def _log_files(folder: Path, service: str) -> list[Path]:
    return sorted(folder.glob(f"{service}-*.log"))


def logs(
    service: Annotated[str, typer.Argument(help=f"One of: {NAMES}")],
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines")] = (
        False
    ),
    run_dir: Annotated[
        Path | None, typer.Option("--run", help="A run's log folder (default: the latest)")
    ] = None,
) -> None:
    """The log (JSON lines) of SERVICE in the latest `claimwatch run` or `demo`."""
    _known(service)
    folder = run_dir or logs_root(load_settings()) / "latest"
    files = _log_files(folder, service) if folder.is_dir() else []
    if not files:
        raise UserError(f"no {service} log in {folder} (logs exist once `claimwatch run` ran)")
    handles = [f.open("r", encoding="utf-8", errors="replace") for f in files]
    try:
        while True:
            for handle in handles:
                for line in handle:
                    print(line, end="", flush=True)
            if not follow:
                return
            time.sleep(0.5)
    except KeyboardInterrupt:
        return
    finally:
        for handle in handles:
            handle.close()
