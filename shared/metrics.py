"""Prometheus metrics of every service: one registry per process, served on `/metrics`.

* The project's own metrics are defined here, once, so that every service, the dashboard
  (deploy/grafana/dashboards/claimwatch.json) and the tests agree on their names.
* FastStream's `RedisPrometheusMiddleware` (`faststream_*` metrics) writes to the same
  registry (`prometheus_middleware()`, wired by `shared.runtime.build_app` and the ingestor).
* Stream length, consumer-group lag and pending and the dead-letter count are not counted
  by anyone: `RedisStreamsCollector` reads them from Redis at scrape time, so they are right
  even after a restart and whichever replica is scraped.
* `start_metrics_server` serves the registry on CLAIMWATCH_METRICS_HOST:PORT (port 0 picks
  a free port) and remembers the URL; the heartbeat reads `serving_url()` so that
  `claimwatch status` can show it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.simple_server import WSGIServer

import structlog
from faststream import BaseMiddleware
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared.connections import sync_redis
from shared.settings import Settings
from shared.streams import PARTITIONED, Streams

log = structlog.get_logger("metrics")

# Not prometheus_client's global REGISTRY: that one also carries process/platform
# collectors and whatever an imported library registers; ours holds exactly what we define
# plus FastStream's, which keeps `/metrics` and the tests predictable.
REGISTRY = CollectorRegistry()

# Latencies from a few milliseconds (a comparison) to a minute (a webhook timing out, a
# large batch parse on a slow box).
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

ARTICLES_INGESTED = Counter(
    "claimwatch_articles_ingested_total",
    "Articles validated and published to the articles stream",
    registry=REGISTRY,
)
ARTICLES_COPIES = Counter(
    "claimwatch_articles_copies_total",
    "Ingest inputs recognised as a syndicated copy or near-duplicate of an article ingested "
    "before (recorded, not published: no claims, no alerts)",
    registry=REGISTRY,
)
ARTICLES_REJECTED = Counter(
    "claimwatch_articles_rejected_total",
    "Ingest inputs rejected (and dead-lettered), by reason",
    ["reason"],
    registry=REGISTRY,
)
CLAIMS_PER_ARTICLE = Histogram(
    "claimwatch_claims_per_article",
    "Claims the claim worker extracted from one article",
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89),
    registry=REGISTRY,
)
ALERTS = Counter(
    "claimwatch_alerts_total",
    "Alerts published to the alert stream (first time only), by kind and severity",
    ["kind", "severity"],
    registry=REGISTRY,
)
STAGE_SECONDS = Histogram(
    "claimwatch_stage_seconds",
    "Time spent in one pipeline stage: entity_parse (per article, a batch's time shared by "
    "its articles), claim_extraction, comparison, delivery (one webhook attempt)",
    ["stage"],
    buckets=_SECONDS,
    registry=REGISTRY,
)
WEBHOOK_DELIVERIES = Counter(
    "claimwatch_webhook_deliveries_total",
    "Webhook jobs by outcome: delivered, retry (an attempt to be retried), failed "
    "(dead-lettered), gone (410, subscription disabled), skipped (already delivered)",
    ["outcome"],
    registry=REGISTRY,
)
DEAD_LETTERED = Counter(
    "claimwatch_dead_lettered_total",
    "Messages a worker sent to the dead-letter stream, by reason",
    ["reason"],
    registry=REGISTRY,
)
MESSAGES_HANDLED = Counter(
    "claimwatch_messages_handled_total",
    "Messages (batch entries count one each) a service's handlers processed without error",
    ["service"],
    registry=REGISTRY,
)

# The service this process runs: the label of `claimwatch_messages_handled_total`.
_service = "unknown"


def set_service(service: str) -> None:
    global _service
    _service = service
    MESSAGES_HANDLED.labels(service=service)  # exported as 0 from the start, for rate()


def handled(count: int = 1) -> None:
    MESSAGES_HANDLED.labels(service=_service).inc(count)


def messages_handled() -> int:
    """Messages this process has handled so far (for the heartbeat)."""
    value = REGISTRY.get_sample_value("claimwatch_messages_handled_total", {"service": _service})
    return int(value or 0)


@contextmanager
def stage(name: str, items: int = 1) -> Iterator[None]:
    """Time a block as stage `name`; with `items` > 1 (a batch) every item is observed with
    its share of the time, so the histogram stays per item whatever the batch size."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if items > 0:
            share = (time.perf_counter() - start) / items
            child = STAGE_SECONDS.labels(stage=name)
            for _ in range(items):
                child.observe(share)


class HandledMiddleware(BaseMiddleware):
    """Counts what the handlers processed without raising (a batch counts its entries): one
    place for every service instead of a line in each handler."""

    async def consume_scope(self, call_next: Any, msg: Any) -> Any:
        result = await call_next(msg)
        raw = getattr(msg, "raw_message", None)
        data = raw.get("data") if isinstance(raw, dict) else None
        handled(len(data) if isinstance(data, list) else 1)
        return result


def prometheus_middleware(service: str) -> Any:
    """FastStream's own broker metrics (`faststream_*`), into our registry."""
    from faststream.redis.prometheus import RedisPrometheusMiddleware

    return RedisPrometheusMiddleware(registry=REGISTRY, app_name=service)


class RedisStreamsCollector(Collector):
    """Stream length, group lag and pending, dead letters: read from Redis at every scrape.

    Runs in the metrics server's thread, hence a sync client with short timeouts: a scrape
    must answer even when Redis does not, so no error ever leaves `collect`;
    `claimwatch_redis_up` says whether the other figures could be read."""

    def __init__(self, url: str, streams: Streams, timeout_s: float = 2.0) -> None:
        self._streams = streams
        self._client = sync_redis(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )

    def _targets(self) -> list[tuple[str, str]]:
        """(label, stream): a partitioned stream's partitions are `articles[0]`, ... (one
        partition keeps the plain name, so dashboards see the same labels)."""
        s = self._streams
        out: list[tuple[str, str]] = []
        for name in PARTITIONED:
            keys = s.all(name)
            out += [(name if len(keys) == 1 else f"{name}[{i}]", k) for i, k in enumerate(keys)]
        return out + [(name, getattr(s, name)) for name in ("alerts", "processed", "deadletter")]

    def collect(self) -> Iterable[Any]:
        up = GaugeMetricFamily("claimwatch_redis_up", "1 if Redis answered this scrape")
        length = GaugeMetricFamily(
            "claimwatch_stream_length", "Entries in a stream (XLEN)", labels=["stream"]
        )
        lag = GaugeMetricFamily(
            "claimwatch_group_lag",
            "Entries of a stream not yet delivered to a consumer group (XINFO GROUPS lag)",
            labels=["stream", "group"],
        )
        pending = GaugeMetricFamily(
            "claimwatch_group_pending",
            "Entries delivered to a consumer group and not acknowledged yet",
            labels=["stream", "group"],
        )
        dead = GaugeMetricFamily(
            "claimwatch_dead_letters", "Entries in the dead-letter stream (XLEN)"
        )
        try:
            for name, key in self._targets():
                n = int(self._client.xlen(key))
                length.add_metric([name], n)
                if name == "deadletter":
                    dead.add_metric([], n)
                if not n and not self._client.exists(key):
                    continue  # XINFO GROUPS fails on a missing key; nothing to report
                for group in self._client.xinfo_groups(key):
                    group_name = _text(group["name"])
                    pending.add_metric([name, group_name], int(group["pending"]))
                    # None when Redis cannot tell (entries deleted past the group's position)
                    if group.get("lag") is not None:
                        lag.add_metric([name, group_name], int(group["lag"]))
        except Exception as exc:  # Redis down, timeout, anything: never into the scrape
            log.warning("metrics: could not read the streams", error=repr(exc)[:300])
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, length, lag, pending, dead]

    def close(self) -> None:
        self._client.close()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# --- the HTTP server ----------------------------------------------------------------------

_lock = threading.Lock()
_server: WSGIServer | None = None
_collector: RedisStreamsCollector | None = None
_url: str | None = None


def serving_url() -> str | None:
    """`http://host:port/metrics` of this process's server, None until it started."""
    return _url


def start_metrics_server(settings: Settings, service: str) -> str | None:
    """Serve `/metrics` on settings.metrics_host:metrics_port (0: a free port) in a daemon
    thread; returns the URL. Once per process: a second call returns the first URL. A port
    that cannot be bound is logged, not raised: metrics must not keep a worker down."""
    global _server, _collector, _url
    set_service(service)
    with _lock:
        if _server is not None:
            return _url
        if _collector is None and settings.redis_url:
            _collector = RedisStreamsCollector(settings.redis_url, Streams.of(settings))
            REGISTRY.register(_collector)
        try:
            server, _thread = start_http_server(
                settings.metrics_port, settings.metrics_host, registry=REGISTRY
            )
        except OSError as exc:
            log.error(
                "metrics server could not start",
                host=settings.metrics_host,
                port=settings.metrics_port,
                error=repr(exc),
            )
            return None
        _server = server
        host = settings.metrics_host
        if host in {"", "0.0.0.0", "::"}:
            host = socket.gethostname()  # a wildcard bind: the name others reach us by
        elif ":" in host:
            host = f"[{host}]"
        _url = f"http://{host}:{server.server_port}/metrics"
    log.info("metrics served", url=_url, service=service)
    return _url


def stop_metrics_server() -> None:
    """Stop serving and forget the URL (service shutdown, tests)."""
    global _server, _collector, _url
    with _lock:
        if _server is not None:
            _server.shutdown()
            _server.server_close()
        if _collector is not None:
            REGISTRY.unregister(_collector)
            _collector.close()
        _server, _collector, _url = None, None, None
