"""The phases that need no stack, each a sweep: the spaCy limit over process counts and
batch sizes (claimwatch/bench_limit.py), and the check cost over stored-claim counts, each in
a fresh embedded Redis (claimwatch/bench_store.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from rich.progress import Progress, TaskID

from claimwatch.bench_load import json_lines
from claimwatch.bench_options import DEFAULT_BATCH, Options, cores
from shared.connections import sync_redis


def run_limit(
    opts: Options, records: Sequence[dict[str, Any]], bar: Progress
) -> tuple[float, dict[str, Any]]:
    from claimwatch import bench_limit
    from shared.ingest import Rejected, parse_article
    from shared.settings import get_settings

    settings = get_settings()
    texts = []
    for line in json_lines(records):
        with contextlib.suppress(Rejected):
            texts.append(parse_article(line, settings).text)
    n_cores = cores()
    procs = [n_cores] if opts.quick else sorted({1, n_cores})
    sizes = [DEFAULT_BATCH] if opts.quick else [8, 32, 128]
    sample = texts if opts.quick else texts[: min(len(texts), 48 * n_cores)]
    results = []
    task = bar.add_task("spaCy limit (sweep)", total=len(procs) * len(sizes))
    for k in procs:
        results += bench_limit.measure(
            sample,
            k,
            sizes,
            settings.spacy_model,
            str(settings.cache_dir),
            on_done=lambda _r: bar.advance(task),
        )
    chosen = bench_limit.best(results)
    if len(sample) < len(texts):
        task = bar.add_task(
            f"spaCy limit ({chosen.processes} proc, batch {chosen.batch_size}, all texts)", total=1
        )
        (chosen,) = bench_limit.measure(
            texts,
            chosen.processes,
            [chosen.batch_size],
            settings.spacy_model,
            str(settings.cache_dir),
        )
        bar.advance(task)
    sweep = [
        {
            "processes": r.processes,
            "batch_size": r.batch_size,
            "articles_per_s": round(r.articles_per_s, 2),
        }
        for r in results
    ]
    return chosen.articles_per_s, {
        "processes": chosen.processes,
        "batch_size": chosen.batch_size,
        "articles": chosen.articles,
        "seconds": round(chosen.seconds, 1),
        "cpu_ms_per_article": round(chosen.cpu_ms_per_article, 1),
        "sweep": sweep,
    }


def run_checks(opts: Options, bar: Progress) -> dict[int, Any]:

    from claimwatch.bench_store import run_check, shape
    from claimwatch.embedded import EmbeddedRedis

    results = {}
    for total in opts.check_sizes:
        work = total + 2_000 + 200
        task = bar.add_task(f"check cost, {total:,} stored claims", total=work)
        with EmbeddedRedis() as server:
            # a throwaway server: no AOF, no snapshots while a million claims go in
            conn = sync_redis(server.url)
            conn.config_set("appendonly", "no")
            conn.config_set("save", "")
            conn.close()

            def advance(n: int, t: TaskID = task) -> None:
                bar.advance(t, n)

            result = asyncio.run(run_check(server.url, total, advance=advance))
        results[total] = {
            **result.as_dict(),
            "subjects": shape(total).subjects,
            "hot_claims": shape(total).hot,
        }
    return results
