"""Loads on a running stack: everything at once (`throughput`) and at a fixed rate
(`paced`, for latency and the soak), with the ingest helpers they publish through."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from rich.progress import Progress

from claimwatch import bench_corpus
from claimwatch.bench_measure import RssMonitor, Waiter, article_times, percentiles, stream_ends
from claimwatch.feeding import publish_lines
from shared.connections import make_broker, sync_redis

# --- ingest ----------------------------------------------------------------------------------


def json_lines(records: Iterable[dict[str, Any]]) -> list[str]:
    return [json.dumps(r) for r in records]


def ingest_all(url: str, records: Sequence[dict[str, Any]], settings: Any) -> list[str]:
    """Through the ingest path every command uses (shared/ingest.py): the published ids."""
    return publish_lines(url, json_lines(records), settings).published


def prepared(records: Sequence[dict[str, Any]], settings: Any) -> list[Any]:
    """Validated `Article`s (rejected lines dropped), for paced publishing."""
    from shared.ingest import Rejected, parse_article

    articles = []
    for line in json_lines(records):
        with contextlib.suppress(Rejected):
            articles.append(parse_article(line, settings))
    return articles


def paced_publish(
    url: str,
    articles: Sequence[Any],
    rate: float,
    settings: Any,
    published: list[str],
    stop: threading.Event,
) -> None:
    """Publish `articles` at `rate` per second on a fixed schedule (no catch-up bursts beyond
    the schedule), appending ids to `published`; stops early when `stop` is set."""

    from shared.streams import Streams

    streams = Streams.of(settings)

    async def go() -> None:
        broker = make_broker(url, cluster=settings.redis_cluster)
        await broker.connect()
        try:
            start = time.monotonic()
            for i, article in enumerate(articles):
                if stop.is_set():
                    return
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                await broker.publish(
                    article,
                    stream=streams.for_article("articles", article.id),
                    maxlen=settings.stream_maxlen,
                )
                published.append(article.id)
        finally:
            await broker.stop()

    asyncio.run(go())


# --- the loads -------------------------------------------------------------------------------


def _redis_cpu(client: Any) -> float:
    info = client.info("cpu")
    return float(info.get("used_cpu_user", 0.0)) + float(info.get("used_cpu_sys", 0.0))


def cpu_per_article(
    before: dict[str, float], after: dict[str, float], articles: int
) -> dict[str, float]:
    """CPU ms per article by service (replicas summed)."""
    by_service: dict[str, float] = {}
    for key, end in after.items():
        service = key.split("#", 1)[0]
        by_service[service] = by_service.get(service, 0.0) + end - before.get(key, end)
    return {k: round(v * 1000 / max(1, articles), 1) for k, v in sorted(by_service.items())}


def throughput(
    url: str,
    settings: Any,
    records: Sequence[dict[str, Any]],
    tag: str,
    bar: Progress,
    timeout_s: float,
    monitor: RssMonitor | None = None,
    cpu: dict[str, float] | None = None,
) -> tuple[float, int, float, int, int]:
    """(articles/s, articles, seconds, missing, dead-lettered) for an all-at-once feed; with
    `monitor`, fills `cpu` with CPU ms per article by service, Redis, and this process (which
    runs the ingestor's validation)."""

    from shared.streams import Streams

    streams = Streams.of(settings)
    client = sync_redis(url, cluster=settings.redis_cluster)
    try:
        waiter = Waiter(client, streams)
        since = stream_ends(client, streams.all("articles"))
        # A store per run: the warm-up replays the first texts, which in the same store would
        # be syndicated copies (shared/copies.py), recorded and never processed.
        feed = list(bench_corpus.tagged(records, tag, f"bench-{tag}"))
        task = bar.add_task(f"throughput ({tag})", total=len(feed))
        done = threading.Event()
        ids: list[str] = []
        cpu_before = monitor.cpu() if monitor is not None else {}
        redis_before = _redis_cpu(client)
        own_before = time.process_time()

        def ingest() -> None:
            try:
                ids.extend(ingest_all(url, feed, settings))
            finally:
                done.set()

        thread = threading.Thread(target=ingest, daemon=True)
        thread.start()
        # every id the feed can produce, known up front, so that progress shows from the start
        from shared.events import ArticleIn

        expected = {ArticleIn.model_validate(r).article_id() for r in feed}
        missing = waiter.wait(
            lambda: set(ids) if done.is_set() else expected, bar, task, timeout_s, done
        )
        thread.join()
        published = set(ids)
        if monitor is not None and cpu is not None:
            cpu.update(cpu_per_article(cpu_before, monitor.cpu(), len(published)))
            n = max(1, len(published))
            cpu["redis"] = round((_redis_cpu(client) - redis_before) * 1000 / n, 1)
            cpu["bench+ingest"] = round((time.process_time() - own_before) * 1000 / n, 1)
        t_in = article_times(client, since, published)
        finished = [waiter.processed[i] for i in published if i in waiter.processed]
        if not t_in or not finished:
            return 0.0, 0, 0.0, len(missing), len(waiter.dead)
        seconds = max((max(finished) - min(t_in.values())) / 1000, 1e-3)
        done_count = len(finished)
        return done_count / seconds, done_count, seconds, len(missing), len(waiter.dead & published)
    finally:
        client.close()


def paced(
    url: str,
    settings: Any,
    records: Sequence[dict[str, Any]],
    tag: str,
    rate: float,
    seconds: float,
    bar: Progress,
    timeout_s: float,
    monitor: RssMonitor | None = None,
    soak: bool = False,
) -> dict[str, Any]:
    """Publish at `rate`/s for `seconds` (cycling the corpus), wait, and measure latencies."""

    from shared.streams import Streams

    streams = Streams.of(settings)
    client = sync_redis(url, cluster=settings.redis_cluster)
    try:
        count = max(1, int(rate * seconds))
        cycles = (count + len(records) - 1) // len(records)
        pool: list[dict[str, Any]] = []
        for c in range(cycles):
            pool += list(bench_corpus.tagged(records, f"{tag}-{c}", "bench"))
        articles = prepared(pool[:count], settings)
        waiter = Waiter(client, streams)
        since = stream_ends(client, streams.all("articles"))
        published: list[str] = []
        stop = threading.Event()
        done = threading.Event()

        def feed() -> None:
            try:
                paced_publish(url, articles, rate, settings, published, stop)
            finally:
                done.set()

        task = bar.add_task(f"{'soak' if soak else 'latency'} at {rate:.1f}/s", total=len(articles))
        thread = threading.Thread(target=feed, daemon=True)
        started = time.monotonic()
        thread.start()
        warm_at = max(60.0, seconds * 0.25) if soak else None
        warm_rss: dict[str, int] | None = None
        timeline: list[dict[str, Any]] = []
        next_mark = 60.0
        while not done.is_set():
            waiter.poll(block_ms=500)
            bar.update(task, completed=len(waiter.processed.keys() & set(published)))
            elapsed = time.monotonic() - started
            if monitor is not None and soak:
                if warm_at is not None and warm_rss is None and elapsed >= warm_at:
                    warm_rss = monitor.sample()
                if elapsed >= next_mark:
                    rss = _mb(monitor.sample())
                    timeline.append({"minute": round(elapsed / 60, 1), "rss_mb": rss})
                    next_mark += 60.0
        thread.join()
        final = set(published)
        missing = waiter.wait(lambda: final, bar, task, timeout_s)
        end_rss = monitor.sample() if monitor is not None else {}
        t_in = article_times(client, since, set(published))
        lat = [waiter.processed[a] - t for a, t in t_in.items() if a in waiter.processed]
        alert_lat = [
            ms - max(t_in[a] for a in ids if a in t_in)
            for ms, ids in waiter.alerts
            if any(a in t_in for a in ids)
        ]
        result: dict[str, Any] = {
            "rate": rate,
            "articles": len(published),
            "missing": len(missing),
            "latency": percentiles(lat),
            "alert_latency": percentiles(alert_lat),
            "alerts": len(alert_lat),
        }
        if soak:
            warm = warm_rss or {}
            result["rss_warm_mb"] = _mb(warm)
            result["rss_end_mb"] = _mb(end_rss)
            result["rss_growth_pct"] = {
                k: round((end_rss[k] - warm[k]) / warm[k] * 100, 1) for k in end_rss if warm.get(k)
            }
            result["timeline"] = timeline
            result["warm_up_s"] = warm_at
            result["redis_used_memory_mb"] = round(
                int(client.info("memory")["used_memory"]) / 2**20, 1
            )
        return result
    finally:
        client.close()


def _mb(values: dict[str, int]) -> dict[str, float]:
    return {k: round(v / 2**20, 1) for k, v in sorted(values.items())}
