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
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from claimwatch import bench_corpus
from claimwatch.console import redis_for
from claimwatch.feeding import publish_lines
from shared.settings import Settings
from shared.streams import entry_body

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

# The services' own default, so the bench measures what ships.
DEFAULT_BATCH: int = Settings.model_fields["entity_batch_size"].default
JSON_KEYS = (
    "articles_per_s",
    "limit_articles_per_s",
    "ratio",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "alert_latency_p50_ms",
    "alert_latency_p95_ms",
    "alert_latency_p99_ms",
    "check_us_1k",
    "check_us_1m",
    "check_us_hot_1k",
    "check_us_hot_1m",
    "bytes_per_claim",
    "rss_peak_mb",
)


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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


# --- stream reading --------------------------------------------------------------------------


def _body(fields: dict[bytes, bytes]) -> dict[str, Any]:
    body = entry_body(fields)
    return body if isinstance(body, dict) else {}


def entry_ms(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def last_entry(client: Any, stream: str) -> str:
    entries = client.xrevrange(stream, count=1)
    return entries[0][0].decode() if entries else "0-0"


def article_times(client: Any, stream: str, since: str, ids: set[str]) -> dict[str, int]:
    """article id -> ms of its (first) entry on the articles stream after `since`."""
    times: dict[str, int] = {}
    cursor = since
    while True:
        entries = client.xrange(stream, min=f"({cursor}", count=2_000)
        if not entries:
            return times
        for entry_id, fields in entries:
            cursor = entry_id.decode()
            aid = _body(fields).get("id")
            if aid in ids and aid not in times:
                times[aid] = entry_ms(entry_id)


@dataclass
class Waiter:
    """Follows the processed, dead-letter and alert streams from where they are now."""

    client: Any
    streams: Any
    cursors: dict[str, str] = field(default_factory=dict)
    processed: dict[str, int] = field(default_factory=dict)  # article id -> ms
    dead: set[str] = field(default_factory=set)
    alerts: list[tuple[int, str]] = field(default_factory=list)  # (ms, triggering article)

    def __post_init__(self) -> None:
        for stream in (self.streams.processed, self.streams.deadletter, self.streams.alerts):
            self.cursors.setdefault(stream, last_entry(self.client, stream))

    def poll(self, block_ms: int = 500) -> int:
        reply = self.client.xread(self.cursors, count=2_000, block=block_ms)
        seen = 0
        for stream, entries in reply or []:
            name = stream.decode()
            for entry_id, fields in entries:
                self.cursors[name] = entry_id.decode()
                seen += self._record(name, entry_id, fields)
        return seen

    def _record(self, stream: str, entry_id: bytes, fields: dict[bytes, bytes]) -> int:
        ms = entry_ms(entry_id)
        if stream == self.streams.processed:
            aid = _body(fields).get("article_id")
            if isinstance(aid, str) and aid not in self.processed:
                self.processed[aid] = ms
                return 1
        elif stream == self.streams.deadletter:
            body = _body(fields)
            try:
                payload = json.loads(body.get("payload") or "{}")
            except ValueError:
                payload = {}
            if isinstance(payload, dict):
                aid = payload.get("id") or (payload.get("article") or {}).get("id")
                if isinstance(aid, str) and aid not in self.dead:
                    self.dead.add(aid)
                    return 1
        elif stream == self.streams.alerts:
            raw = fields.get(b"alert")
            if raw:
                alert = json.loads(raw)
                side = alert.get("new") or alert.get("mention") or {}
                aid = side.get("article_id")
                if isinstance(aid, str):
                    self.alerts.append((ms, aid))
        return 0

    def wait(
        self,
        wanted: Callable[[], set[str]],
        bar: Progress | None = None,
        task: TaskID | None = None,
        stall_s: float = 180.0,
        done: threading.Event | None = None,
    ) -> set[str]:
        """Until every wanted id is processed or dead-lettered, or nothing moved for
        `stall_s` (counted once `done` is set, when given: until then the feed is still being
        published); returns the ids still missing."""
        last_move = time.monotonic()
        while True:
            moved = self.poll()
            ids = wanted()
            finished = (ids - self.processed.keys()) - self.dead
            if bar is not None and task is not None:
                bar.update(task, total=len(ids), completed=len(ids) - len(finished))
            feeding = done is not None and not done.is_set()
            if moved or feeding:
                last_move = time.monotonic()
            if not finished and not feeding:
                return set()
            if time.monotonic() - last_move > stall_s:
                return finished


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    if len(values) == 1:
        v = float(values[0])
        return {"p50": v, "p95": v, "p99": v, "max": v, "mean": v}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(q[49], 1),
        "p95": round(q[94], 1),
        "p99": round(q[98], 1),
        "max": round(max(values), 1),
        "mean": round(statistics.fmean(values), 1),
    }


# --- RSS -------------------------------------------------------------------------------------


def _hwm_bytes(pid: int) -> int:
    """The kernel's peak RSS of a process (VmHWM), 0 where /proc is not available."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class RssMonitor:
    """Samples the RSS of every service process of a stack every `interval_s`."""

    def __init__(self, stack: Any, interval_s: float = 1.0) -> None:
        self.stack = stack
        self.interval_s = interval_s
        self.peak: dict[str, int] = {}
        self.samples: list[tuple[float, dict[str, int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()

    def sample(self) -> dict[str, int]:
        import psutil

        now: dict[str, int] = {}
        for key, proc in list(self.stack.processes.items()):
            with contextlib.suppress(psutil.Error):
                rss = int(psutil.Process(proc.pid).memory_info().rss)
                now[key] = rss
                self.peak[key] = max(self.peak.get(key, 0), rss, _hwm_bytes(proc.pid))
        return now

    def cpu(self) -> dict[str, float]:
        """CPU seconds (user + system) each service process has used so far."""
        import psutil

        used: dict[str, float] = {}
        for key, proc in list(self.stack.processes.items()):
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(proc.pid).cpu_times()
                used[key] = float(times.user + times.system)
        return used

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.samples.append((time.monotonic() - self.started, self.sample()))

    def __enter__(self) -> RssMonitor:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sample()
        self._stop.set()
        self._thread.join(timeout=5)

    def peak_mb(self) -> dict[str, float]:
        return {k: round(v / 2**20, 1) for k, v in sorted(self.peak.items())}


# --- ingest ----------------------------------------------------------------------------------


def _lines(records: Iterable[dict[str, Any]]) -> list[str]:
    return [json.dumps(r) for r in records]


def ingest_all(url: str, records: Sequence[dict[str, Any]], settings: Any) -> list[str]:
    """Through the ingest path every command uses (shared/ingest.py): the published ids."""
    return publish_lines(url, _lines(records), settings).published


def prepared(records: Sequence[dict[str, Any]], settings: Any) -> list[Any]:
    """Validated `Article`s (rejected lines dropped), for paced publishing."""
    from shared.ingest import Rejected, parse_article

    articles = []
    for line in _lines(records):
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
    from faststream.redis import RedisBroker

    from shared.streams import Streams

    streams = Streams(settings.stream_prefix)

    async def go() -> None:
        broker = RedisBroker(url)
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
                    article, stream=streams.articles, maxlen=settings.stream_maxlen
                )
                published.append(article.id)
        finally:
            await broker.stop()

    asyncio.run(go())


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Options:
    corpus: Path | None = None
    articles: int | None = None
    replicas: dict[str, int] = field(default_factory=dict)
    batch_size: int = DEFAULT_BATCH
    soak_minutes: float = 0.0
    latency_seconds: float = 120.0
    quick: bool = False
    scale: list[int] = field(default_factory=list)
    check_sizes: tuple[int, int] = (1_000, 1_000_000)
    skip_limit: bool = False
    skip_check: bool = False
    timeout_s: float = 180.0


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


def parse_replicas(values: Sequence[str], default_entity: int) -> dict[str, int]:
    """`2` (entity workers) or `entity_worker=2,claim_worker=1`, repeatable."""
    from claimwatch.stack import SERVICES

    replicas = {"entity_worker": default_entity}
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                replicas["entity_worker"] = int(part)
                continue
            name, count = part.split("=", 1)
            name = name.strip().replace("-", "_")
            if name not in SERVICES:
                raise typer.BadParameter(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
            replicas[name] = int(count)
    if any(v < 1 for v in replicas.values()):
        raise typer.BadParameter("replicas must be at least 1")
    return replicas


def _delete_prefix(client: Any, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.unlink(*keys[start : start + 500])


@contextlib.contextmanager
def running_stack(
    url: str, prefix: str, replicas: dict[str, int], batch_size: int, log_dir: Path
) -> Iterator[Any]:
    from claimwatch.stack import Stack

    env = {
        "CLAIMWATCH_STREAM_PREFIX": prefix,
        "CLAIMWATCH_ENTITY_BATCH_SIZE": str(batch_size),
        "CLAIMWATCH_LOG_FORMAT": "json",
        "CLAIMWATCH_LOG_LEVEL": "WARNING",
    }
    stack = Stack(url, env=env, replicas=replicas, log_dir=log_dir)
    try:
        stack.start()
        stack.wait_ready(timeout_s=300)
        yield stack
    finally:
        stack.stop()


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
    import redis

    from shared.streams import Streams

    streams = Streams(settings.stream_prefix)
    client = redis.Redis.from_url(url)
    try:
        waiter = Waiter(client, streams)
        since = last_entry(client, streams.articles)
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
        t_in = article_times(client, streams.articles, since, published)
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
    import redis

    from shared.streams import Streams

    streams = Streams(settings.stream_prefix)
    client = redis.Redis.from_url(url)
    try:
        count = max(1, int(rate * seconds))
        cycles = (count + len(records) - 1) // len(records)
        pool: list[dict[str, Any]] = []
        for c in range(cycles):
            pool += list(bench_corpus.tagged(records, f"{tag}-{c}", "bench"))
        articles = prepared(pool[:count], settings)
        waiter = Waiter(client, streams)
        since = last_entry(client, streams.articles)
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
        t_in = article_times(client, streams.articles, since, set(published))
        lat = [waiter.processed[a] - t for a, t in t_in.items() if a in waiter.processed]
        alert_lat = [ms - t_in[a] for ms, a in waiter.alerts if a in t_in]
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
    import redis

    from shared.settings import Settings, get_settings
    from shared.streams import Streams

    run = StackRun()
    scaling: list[dict[str, Any]] = []
    base = get_settings()
    with redis_for(base) as url, tempfile.TemporaryDirectory(prefix="claimwatch-bench-") as tmp:
        client = redis.Redis.from_url(url)
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


def run_limit(
    opts: Options, records: Sequence[dict[str, Any]], bar: Progress
) -> tuple[float, dict[str, Any]]:
    from claimwatch import bench_limit
    from shared.ingest import Rejected, parse_article
    from shared.settings import get_settings

    settings = get_settings()
    texts = []
    for line in _lines(records):
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
    import redis

    from claimwatch.bench_store import run_check, shape
    from claimwatch.embedded import EmbeddedRedis

    results = {}
    for total in opts.check_sizes:
        work = total + 2_000 + 200
        task = bar.add_task(f"check cost, {total:,} stored claims", total=work)
        with EmbeddedRedis() as server:
            # a throwaway server: no AOF, no snapshots while a million claims go in
            conn = redis.Redis.from_url(server.url)
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


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def summarise(
    opts: Options,
    corpus_name: str,
    records: Sequence[dict[str, Any]],
    replicas: dict[str, int],
    limit: float | None,
    limit_cfg: dict[str, Any] | None,
    run: StackRun,
    scaling: list[dict[str, Any]],
    checks: dict[int, Any],
) -> dict[str, Any]:
    small, large = opts.check_sizes
    c_small, c_large = checks.get(small, {}), checks.get(large, {})
    result: dict[str, Any] = {
        "articles_per_s": _r(run.articles_per_s, 2),
        "limit_articles_per_s": _r(limit, 2),
        "ratio": _r(run.articles_per_s / limit, 3) if limit else None,
        "latency_p50_ms": run.latency.get("p50"),
        "latency_p95_ms": run.latency.get("p95"),
        "latency_p99_ms": run.latency.get("p99"),
        "alert_latency_p50_ms": run.alert_latency.get("p50"),
        "alert_latency_p95_ms": run.alert_latency.get("p95"),
        "alert_latency_p99_ms": run.alert_latency.get("p99"),
        "check_us_1k": c_small.get("check_us"),
        "check_us_1m": c_large.get("check_us"),
        "check_us_hot_1k": c_small.get("check_us_hot"),
        "check_us_hot_1m": c_large.get("check_us_hot"),
        "bytes_per_claim": c_large.get("bytes_per_claim") or c_small.get("bytes_per_claim"),
        "bytes_per_claim_sampled": c_large.get("bytes_per_claim_sampled"),
        "rss_peak_mb": run.rss_peak_mb,
        "soak": None
        if run.soak is None
        else {
            k: run.soak[k]
            for k in (
                "rss_warm_mb",
                "rss_end_mb",
                "rss_growth_pct",
                "warm_up_s",
                "timeline",
                "articles",
                "missing",
                "latency",
            )
        },
        "cores": cores(),
        "corpus": corpus_name,
        "articles": run.articles,
        "words_per_article": round(bench_corpus.words(records) / max(1, len(records)), 1),
        "seconds": round(run.seconds, 1),
        "missing": run.missing,
        "dead_lettered": run.dead,
        "replicas": replicas,
        "entity_batch_size": opts.batch_size,
        "limit_config": None
        if limit_cfg is None
        else {k: limit_cfg[k] for k in ("processes", "batch_size")},
        "latency_rate_per_s": _r(run.latency_rate, 2),
        "latency_articles": run.latency_articles,
        "alerts_in_latency_run": run.alerts,
        "entities_message_bytes": round(run.entities_bytes),
        "cpu_ms_per_article": run.cpu_ms,
        "limit_cpu_ms_per_article": None if limit_cfg is None else limit_cfg["cpu_ms_per_article"],
        "cpu_ratio": None
        if limit_cfg is None or not run.cpu_ms
        else round(limit_cfg["cpu_ms_per_article"] / sum(run.cpu_ms.values()), 3),
        "check_sizes": [small, large],
        "scaling": scaling,
        "quick": opts.quick,
    }
    return result


def print_report(
    result: dict[str, Any],
    limit_cfg: dict[str, Any] | None,
    checks: dict[int, Any],
    run: StackRun,
) -> None:
    table = Table(title=f"claimwatch bench — {result['corpus']}, {result['cores']} cores")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("note")

    def row(name: str, value: Any, note: str = "") -> None:
        table.add_row(name, "—" if value is None else str(value), note)

    reps = ", ".join(f"{k}×{v}" for k, v in sorted(result["replicas"].items()))
    row(
        "articles/s end to end",
        result["articles_per_s"],
        f"{result['articles']} articles in {result['seconds']}s; {reps}; "
        f"entity batch {result['entity_batch_size']}",
    )
    if limit_cfg is not None:
        row(
            "spaCy limit articles/s",
            result["limit_articles_per_s"],
            f"nlp.pipe, {limit_cfg['processes']} process(es), batch {limit_cfg['batch_size']}",
        )
        row("ratio", result["ratio"], "target ≥ 0.8")
    row(
        "latency p50 / p95 / p99 ms",
        f"{result['latency_p50_ms']} / {result['latency_p95_ms']} / {result['latency_p99_ms']}",
        f"ingest → claims stored, at {result['latency_rate_per_s']}/s "
        f"({result['latency_articles']} articles); target p99 ≤ 1000",
    )
    row(
        "alert latency p50 / p95 / p99 ms",
        f"{result['alert_latency_p50_ms']} / {result['alert_latency_p95_ms']} / "
        f"{result['alert_latency_p99_ms']}",
        f"ingest → alert on the stream ({result['alerts_in_latency_run']} alerts)",
    )
    small, large = result["check_sizes"]
    for size in (small, large):
        c = checks.get(size)
        if c:
            row(
                f"check µs/claim, {size:,} stored",
                c["check_us"],
                f"spread over {c['subjects']:,} subjects, {c['compared']} compared on average",
            )
            row(
                f"check µs/claim, hot subject, {size:,}",
                c["check_us_hot"],
                f"{c['hot_claims']:,} claims on one subject, {c['compared_hot']} compared",
            )
            row(
                f"bytes/claim in Redis, {size:,}",
                c["bytes_per_claim"],
                f"INFO used_memory delta; MEMORY USAGE sample {c['bytes_per_claim_sampled']}; "
                f"value {c['value_bytes']} B",
            )
    row(
        "entities message bytes",
        result["entities_message_bytes"],
        "ArticleEntities with the DocBin (base64) on the stream",
    )
    if result["cpu_ms_per_article"]:
        total = sum(v for k, v in result["cpu_ms_per_article"].items())
        parts = ", ".join(f"{k} {v}" for k, v in result["cpu_ms_per_article"].items())
        row("CPU ms/article, pipeline", round(total, 1), parts)
        row(
            "CPU ms/article, spaCy limit",
            result["limit_cpu_ms_per_article"],
            "CPU time of nlp.pipe in the limit processes",
        )
        row(
            "CPU ratio (limit / pipeline)",
            result["cpu_ratio"],
            "what `ratio` tends to when every core is busy; robust to other load",
        )
    for key, mb in result["rss_peak_mb"].items():
        row(f"peak RSS {key}", f"{mb} MB")
    if run.soak:
        for key, growth in run.soak["rss_growth_pct"].items():
            row(
                f"soak RSS {key}",
                f"{run.soak['rss_warm_mb'].get(key)} → {run.soak['rss_end_mb'].get(key)} MB",
                f"growth {growth}% after {run.soak['warm_up_s']:.0f}s warm-up; target ≤ 10%",
            )
    for s in result["scaling"]:
        row(f"scaling: {s['entity_workers']} entity worker(s)", s["articles_per_s"], "articles/s")
    out.print(table)


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
