"""`claimwatch chaos`: crash, restart and bad-input scenarios (claimwatch/chaos.py runs them)
on an embedded Redis and real service processes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from claimwatch.chaos import run_chaos
from claimwatch.console import err


def register(app: typer.Typer) -> None:
    app.command()(chaos)


def chaos(
    articles: Annotated[int, typer.Option(help="Articles in the worker-kill scenario")] = 500,
    scenario: Annotated[
        list[str] | None,
        typer.Option(help="kill, redis (a failover with --cluster), webhook, bad-input"),
    ] = None,
    log_dir: Annotated[Path | None, typer.Option(help="Keep service logs here")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds each scenario may take")] = 600.0,
    cluster: Annotated[
        bool,
        typer.Option(
            "--cluster",
            help="On a local Redis Cluster (3 primaries + replicas); the redis scenario then "
            "SIGKILLs a primary and the services must follow the failover",
        ),
    ] = False,
) -> None:
    """Crash, restart and bad-input scenarios on an embedded Redis (or a local Redis
    Cluster) and real service processes; prints a table and, on the last line, one JSON
    object with the figures."""
    started = datetime.now()
    summary = run_chaos(
        articles=articles,
        scenarios=scenario or ["kill", "redis", "webhook", "bad-input"],
        log_dir=log_dir,
        timeout_s=timeout,
        console=err,
        cluster=cluster,
    )
    summary["seconds"] = round((datetime.now() - started).total_seconds(), 1)
    print(json.dumps(summary))
    if summary.get("lost") or summary.get("duplicate_claims") or summary.get("duplicate_alerts"):
        raise typer.Exit(1)
    if summary.get("bad_inputs") != summary.get("bad_inputs_dead_lettered"):
        raise typer.Exit(1)
