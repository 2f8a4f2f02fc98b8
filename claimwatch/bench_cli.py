"""`claimwatch bench`: the benchmark of the real pipeline (claimwatch/bench.py runs it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from claimwatch.bench import DEFAULT_BATCH, Options, cores, parse_replicas, run_bench, run_cluster
from claimwatch.console import UserError


def register(app: typer.Typer) -> None:
    app.command("bench")(bench)


def bench(
    corpus: Annotated[
        Path | None,
        typer.Option(help="JSON-lines articles (default: a generated news-like corpus)"),
    ] = None,
    articles: Annotated[
        int | None,
        typer.Option(help="Articles to process (default: the whole file, or 400 generated)"),
    ] = None,
    replicas: Annotated[
        list[str] | None,
        typer.Option(
            help="Entity workers (`2`) or per service (`entity_worker=2,claim_worker=1`); "
            "default: one entity worker per core, one of everything else"
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(help="Articles the entity worker parses per nlp.pipe call")
    ] = DEFAULT_BATCH,
    soak_minutes: Annotated[
        float, typer.Option(help="Also run this long at half load, reporting RSS growth")
    ] = 0.0,
    latency_seconds: Annotated[
        float, typer.Option(help="Length of the paced (half-load) latency run")
    ] = 120.0,
    scale: Annotated[
        str | None,
        typer.Option(help="Also measure throughput with these entity-worker counts, e.g. 1,2,3"),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(help="A fast smoke run: 20 articles, one limit config, small stores"),
    ] = False,
    no_limit: Annotated[bool, typer.Option("--no-limit", help="Skip the spaCy limit")] = False,
    no_check: Annotated[
        bool, typer.Option("--no-check", help="Skip the check-cost/memory phase")
    ] = False,
    timeout: Annotated[
        float, typer.Option(help="Seconds without progress before a phase gives up")
    ] = 180.0,
    cluster: Annotated[
        bool,
        typer.Option(
            "--cluster",
            help="Instead: the stack on a local Redis Cluster against a single Redis "
            "(throughput ratio, latency) and the store's check cost over the shards",
        ),
    ] = False,
) -> None:
    """Throughput, latency, contradiction-check cost and memory of the real pipeline; the
    last line printed is one JSON object (see docs/performance.md, docs/capacity.md)."""
    opts = Options(
        corpus=corpus,
        articles=articles,
        replicas=parse_replicas(replicas or [], cores()),
        batch_size=batch_size,
        soak_minutes=soak_minutes,
        latency_seconds=(min(latency_seconds, 5.0) if quick else latency_seconds),
        quick=quick,
        scale=[int(x) for x in scale.split(",") if x.strip()] if scale else [],
        check_sizes=(1_000, 10_000) if quick else (1_000, 1_000_000),
        skip_limit=no_limit,
        skip_check=no_check,
        timeout_s=timeout,
    )
    if corpus is not None and not corpus.exists():
        raise UserError(f"no such corpus: {corpus}")
    if cluster:
        result = run_cluster(opts, store_sizes=(10_000, 2_000) if quick else (1_000_000, 20_000))
        print(json.dumps(result), flush=True)
        if result["single"]["missing"] or result["cluster"]["missing"]:
            raise typer.Exit(1)
        return
    result = run_bench(opts)
    print(json.dumps(result), flush=True)
    if result["missing"]:
        raise typer.Exit(1)
