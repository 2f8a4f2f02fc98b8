"""`claimwatch bench`: throughput, latency, check cost and memory of the real pipeline.

Phases (each prints a progress bar on stderr; the report is a rich table on stdout and, as
the very last line, one JSON object):

1. limit: `nlp.pipe` with the entity worker's pipeline over the same texts, in the best
   batch size / process count on this machine (claimwatch/bench_limit.py);
2. throughput: the services as separate processes (`Stack`, with replicas) on a real Redis
   (REDIS_URL, else an embedded one); every article is ingested at once through the
   ingestor's validation, and the clock runs from the first article on the `articles` stream
   to the last `processed` entry (the alert worker has stored the claims);
3. latency: paced ingest at half the measured maximum; per article, the time from its
   `articles` entry to its `processed` entry and to each alert it raised (Redis stream ids,
   so a single clock);
4. soak (`--soak-minutes`): the same paced load for that long, with each worker's RSS after
   warm-up and at the end;
5. check cost and memory per claim with 1,000 and 1,000,000 stored claims, each in a fresh
   embedded Redis (claimwatch/bench_store.py).

Peak RSS of every service process comes from psutil samples and the kernel's high-water mark.
Every key of the run lives under its own stream prefix and is deleted at the end.

This module runs the phases in order; the parts live beside it: bench_options (what a run is
asked to do), bench_measure (reading the streams, percentiles, RSS), bench_load (the loads),
bench_stack (phases 2-4), bench_sweeps (phases 1 and 5), bench_report (the result and table).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from claimwatch import bench_corpus
from claimwatch.bench_load import (
    cpu_per_article,
    ingest_all,
    paced,
    paced_publish,
    prepared,
    throughput,
)
from claimwatch.bench_measure import (
    RssMonitor,
    Waiter,
    article_times,
    entry_ms,
    last_entry,
    percentiles,
)
from claimwatch.bench_options import DEFAULT_BATCH, Options, cores, parse_replicas
from claimwatch.bench_report import JSON_KEYS, out, print_cluster_report, print_report, summarise
from claimwatch.bench_stack import (
    StackRun,
    entities_message_bytes,
    run_stack_phases,
    running_stack,
)
from claimwatch.bench_sweeps import run_checks, run_limit

# What this module exported before it was split; bench_cli and the tests import from here.
__all__ = [
    "DEFAULT_BATCH",
    "JSON_KEYS",
    "Options",
    "RssMonitor",
    "StackRun",
    "Waiter",
    "article_times",
    "cores",
    "cpu_per_article",
    "entities_message_bytes",
    "entry_ms",
    "err",
    "ingest_all",
    "last_entry",
    "out",
    "paced",
    "paced_publish",
    "parse_replicas",
    "percentiles",
    "prepared",
    "print_report",
    "progress",
    "run_bench",
    "run_checks",
    "run_cluster",
    "run_limit",
    "run_stack_phases",
    "running_stack",
    "summarise",
    "throughput",
]

err = Console(stderr=True, highlight=False)


def progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def run_cluster(opts: Options, store_sizes: tuple[int, int]) -> dict[str, Any]:
    """`bench --cluster` (claimwatch/bench_cluster.py): prints a table, returns the figures."""
    from claimwatch.bench_cluster import run_cluster_bench

    n = opts.articles if opts.articles is not None else (20 if opts.quick else None)
    records, corpus_name = bench_corpus.load(opts.corpus, n)
    replicas = opts.replicas or {"entity_worker": cores()}
    with progress() as bar:
        result = run_cluster_bench(opts, records, replicas, bar, store_sizes)
    result["corpus"] = corpus_name
    print_cluster_report(result)
    return result


def run_bench(opts: Options) -> dict[str, Any]:
    n = opts.articles
    if n is None and opts.quick:
        n = 20
    records, corpus_name = bench_corpus.load(opts.corpus, n)
    replicas = opts.replicas or {"entity_worker": cores()}
    limit: float | None = None
    limit_cfg: dict[str, Any] | None = None
    with progress() as bar:
        if not opts.skip_limit:
            limit, limit_cfg = run_limit(opts, records, bar)
        run, scaling = run_stack_phases(opts, records, replicas, bar)
        checks = {} if opts.skip_check else run_checks(opts, bar)
    result = summarise(opts, corpus_name, records, replicas, limit, limit_cfg, run, scaling, checks)
    print_report(result, limit_cfg, checks, run)
    if limit_cfg is not None:
        result["limit_sweep"] = limit_cfg["sweep"]
    result["checks"] = {str(k): v for k, v in checks.items()}
    return result
