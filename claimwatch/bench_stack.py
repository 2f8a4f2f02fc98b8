"""The stack phases: the services as separate processes on a real Redis, measured for
throughput (at each `--scale` entity-worker count, then with the chosen replicas), paced
latency and the optional soak."""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import Progress

from claimwatch import bench_corpus
from claimwatch.bench_load import paced, throughput
from claimwatch.bench_measure import RssMonitor
from claimwatch.bench_options import Options
from claimwatch.console import redis_for
from shared.connections import sync_redis


@dataclass
class StackRun:
    articles_per_s: float = 0.0
    articles: int = 0
    words: int = 0
    seconds: float = 0.0
    missing: int = 0
    dead: int = 0
    latency: dict[str, float | None] = field(default_factory=dict)
    alert_latency: dict[str, float | None] = field(default_factory=dict)
    latency_rate: float = 0.0
    latency_articles: int = 0
    rss_peak_mb: dict[str, float] = field(default_factory=dict)
    entities_bytes: float = 0.0
    soak: dict[str, Any] | None = None
    alerts: int = 0
    cpu_ms: dict[str, float] = field(default_factory=dict)


def _delete_prefix(client: Any, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.unlink(*keys[start : start + 500])


@contextlib.contextmanager
def running_stack(
    url: str,
    prefix: str,
    replicas: dict[str, int],
    batch_size: int,
    log_dir: Path,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Any]:
    from claimwatch.stack import Stack

    env = {
        "CLAIMWATCH_STREAM_PREFIX": prefix,
        "CLAIMWATCH_ENTITY_BATCH_SIZE": str(batch_size),
        "CLAIMWATCH_LOG_FORMAT": "json",
        "CLAIMWATCH_LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    stack = Stack(url, env=env, replicas=replicas, log_dir=log_dir)
    try:
        stack.start()
        stack.wait_ready(timeout_s=300)
        yield stack
    finally:
        stack.stop()


def entities_message_bytes(client: Any, stream: str) -> float:
    entries = client.xrevrange(stream, count=50)
    sizes = [len(fields.get(b"__data__", b"")) for _id, fields in entries]
    return statistics.fmean(sizes) if sizes else 0.0


def run_stack_phases(
    opts: Options,
    records: Sequence[dict[str, Any]],
    replicas: dict[str, int],
    bar: Progress,
) -> tuple[StackRun, list[dict[str, Any]]]:

    from shared.settings import Settings, get_settings
    from shared.streams import Streams

    run = StackRun()
    scaling: list[dict[str, Any]] = []
    base = get_settings()
    with redis_for(base) as url, tempfile.TemporaryDirectory(prefix="claimwatch-bench-") as tmp:
        client = sync_redis(url)
        run_id = uuid.uuid4().hex[:8]
        try:
            for k in opts.scale:
                prefix = f"claimwatch-bench-{run_id}-scale{k}"
                settings = Settings(redis_url=url, stream_prefix=prefix)
                reps = {**replicas, "entity_worker": k}
                try:
                    with running_stack(url, prefix, reps, opts.batch_size, Path(tmp) / prefix):
                        warm = list(records[: max(4, 2 * k)])
                        throughput(url, settings, warm, "warmup", bar, opts.timeout_s)
                        rate, n, secs, _missing, _dead = throughput(
                            url, settings, records, "tput", bar, opts.timeout_s
                        )
                    scaling.append(
                        {
                            "entity_workers": k,
                            "articles_per_s": round(rate, 2),
                            "articles": n,
                            "seconds": round(secs, 1),
                        }
                    )
                finally:
                    _delete_prefix(client, prefix)

            prefix = f"claimwatch-bench-{run_id}"
            settings = Settings(redis_url=url, stream_prefix=prefix)
            try:
                logs = Path(tmp) / "main"
                with (
                    running_stack(url, prefix, replicas, opts.batch_size, logs) as stack,
                    RssMonitor(stack) as monitor,
                ):
                    warm = list(records[: max(4, 2 * replicas.get("entity_worker", 1))])
                    throughput(url, settings, warm, "warmup", bar, opts.timeout_s)
                    rate, n, secs, missing, dead = throughput(
                        url, settings, records, "tput", bar, opts.timeout_s, monitor, run.cpu_ms
                    )
                    run.articles_per_s, run.articles, run.seconds = rate, n, secs
                    run.missing, run.dead = missing, dead
                    run.words = bench_corpus.words(records)
                    run.entities_bytes = entities_message_bytes(client, Streams(prefix).entities)
                    if rate > 0:
                        half = rate / 2
                        lat = paced(
                            url,
                            settings,
                            records,
                            "lat",
                            half,
                            opts.latency_seconds,
                            bar,
                            opts.timeout_s,
                        )
                        run.latency = lat["latency"]
                        run.alert_latency = lat["alert_latency"]
                        run.latency_rate = half
                        run.latency_articles = lat["articles"]
                        run.alerts = lat["alerts"]
                        run.missing += lat["missing"]
                        if opts.soak_minutes > 0:
                            run.soak = paced(
                                url,
                                settings,
                                records,
                                "soak",
                                half,
                                opts.soak_minutes * 60,
                                bar,
                                opts.timeout_s,
                                monitor=monitor,
                                soak=True,
                            )
                    stack.check_alive()
                run.rss_peak_mb = monitor.peak_mb()
            finally:
                _delete_prefix(client, prefix)
        finally:
            client.close()
    return run, scaling
