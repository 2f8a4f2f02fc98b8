"""`/metrics` of real service processes (the alert worker, the ingestor) on a real Redis,
scraped over HTTP: FastStream's metrics and ours, and counters that move with the work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import redis
from faststream.redis import RedisBroker
from prometheus_client.parser import text_string_to_metric_families

from claimwatch.embedded import EmbeddedRedis, free_port
from shared.streams import Streams
from tests.integration.test_bad_input_http import GOOD
from tests.integration.test_detection import DONETSK, LUHANSK, T0, batch

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Samples:
    response = httpx.get(url, timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    out: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum of every series of `name` whose labels include `labels`."""
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


def wait_for(predicate: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (httpx.HTTPError, AssertionError):
            pass
        time.sleep(0.2)
    return predicate()


def start(args: list[str], redis_url: str, prefix: str, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        env={
            **os.environ,
            "REDIS_URL": redis_url,
            "CLAIMWATCH_STREAM_PREFIX": prefix,
            "CLAIMWATCH_LOG_FORMAT": "json",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture
def alert_worker(redis_url: str, prefix: str) -> Iterator[str]:
    port = free_port()
    proc = start(
        ["-m", "services.alert_worker"], redis_url, prefix, CLAIMWATCH_METRICS_PORT=str(port)
    )
    url = f"http://127.0.0.1:{port}/metrics"
    assert wait_for(lambda: value(scrape(url), "claimwatch_redis_up") == 1), "no /metrics"
    yield url
    stop(proc)


async def test_alert_worker_serves_metrics_and_they_follow_the_work(
    alert_worker: str, redis_url: str, prefix: str, client: redis.Redis
) -> None:
    streams = Streams(prefix)
    before = scrape(alert_worker)
    # ours, from the start: the group of the claims stream, handled = 0
    assert value(before, "claimwatch_messages_handled_total", service="alert-worker") == 0
    assert value(before, "claimwatch_group_pending", stream="claims", group="alert-worker") == 0
    assert value(before, "claimwatch_dead_letters") == 0
    assert total(before, "claimwatch_alerts_total") == 0

    async with RedisBroker(redis_url) as broker:
        await broker.publish(batch("m1", LUHANSK, T0, "s"), stream=streams.claims)
        await broker.publish(
            batch("m2", DONETSK, T0 + timedelta(days=28), "s"), stream=streams.claims
        )
        await broker.publish(b"{not json", stream=streams.claims)  # dead-lettered

    def done() -> bool:
        now = scrape(alert_worker)
        return (
            value(now, "claimwatch_messages_handled_total", service="alert-worker") == 2
            and value(now, "claimwatch_dead_letters") == 1
        )

    assert wait_for(done), scrape(alert_worker)
    after = scrape(alert_worker)
    assert client.xlen(streams.processed) == 2
    # the two messages: compared twice, one contradiction of kind location
    assert total(after, "claimwatch_stage_seconds_count", stage="comparison") == 2
    assert total(after, "claimwatch_alerts_total", kind="location") == 1
    assert total(after, "claimwatch_alerts_total") == 1
    assert total(after, "claimwatch_dead_lettered_total", reason="invalid_json") == 1
    # the collector reads Redis at scrape time: everything was acked
    assert value(after, "claimwatch_group_pending", stream="claims", group="alert-worker") == 0
    if int(str(client.info("server")["redis_version"]).split(".")[0]) >= 7:  # 6 has no lag
        assert value(after, "claimwatch_group_lag", stream="claims", group="alert-worker") == 0
    assert value(after, "claimwatch_stream_length", stream="processed") == 2
    # FastStream's own middleware, in the same registry, labelled with the service
    received = total(
        after, "faststream_received_messages_total", app_name="alert-worker", handler=streams.claims
    )
    assert received >= 3
    assert total(after, "faststream_received_processed_messages_exceptions_total") >= 1
    assert total(after, "faststream_published_messages_total", destination=streams.processed) == 2


def test_a_service_keeps_serving_metrics_when_redis_goes_away(tmp_path: Path) -> None:
    """Its own Redis (embedded, so it can be stopped): while Redis answers the claim
    worker reports its group; once Redis is gone the scrape still answers, with
    `claimwatch_redis_up 0`."""
    server = EmbeddedRedis(data_dir=tmp_path).start()
    port = free_port()
    proc = start(
        ["-m", "services.claim_worker"],
        server.url,
        "cwtest-down",
        CLAIMWATCH_METRICS_PORT=str(port),
    )
    try:
        url = f"http://127.0.0.1:{port}/metrics"

        # pending, not lag: the embedded Redis is 6.2, whose XINFO GROUPS has no lag
        def pending() -> float | None:
            samples = scrape(url)
            return value(
                samples, "claimwatch_group_pending", stream="entities", group="claim-worker"
            )

        assert wait_for(lambda: pending() == 0, 60)  # the group exists once start-up is done
        samples = scrape(url)
        assert value(samples, "claimwatch_redis_up") == 1
        assert value(samples, "claimwatch_messages_handled_total", service="claim-worker") == 0
        server.stop()
        assert wait_for(lambda: value(scrape(url), "claimwatch_redis_up") == 0, 30)
        down = scrape(url)
        assert (
            value(down, "claimwatch_group_pending", stream="entities", group="claim-worker") is None
        )
        assert value(down, "claimwatch_messages_handled_total", service="claim-worker") == 0
    finally:
        stop(proc)
        server.stop()


@pytest.fixture
def ingestor(redis_url: str, prefix: str) -> Iterator[tuple[str, str]]:
    http_port, metrics_port = free_port(), free_port()
    proc = start(
        ["-m", "services.ingestor", "--port", str(http_port)],
        redis_url,
        prefix,
        CLAIMWATCH_METRICS_PORT=str(metrics_port),
    )
    base = f"http://127.0.0.1:{http_port}"
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    assert wait_for(lambda: httpx.get(f"{base}/health").status_code == 200)
    assert wait_for(lambda: value(scrape(url), "claimwatch_redis_up") == 1)
    yield base, url
    stop(proc)


def test_ingestor_counts_ingested_and_rejected_by_reason(
    ingestor: tuple[str, str], prefix: str
) -> None:
    base, url = ingestor
    assert value(scrape(url), "claimwatch_articles_ingested_total") == 0
    body = b"\n".join(
        [
            json.dumps(GOOD).encode(),
            b"{broken",
            json.dumps({**GOOD, "schema_version": 3}).encode(),
        ]
    )
    assert httpx.post(f"{base}/articles", content=body, timeout=30).status_code == 207
    samples = scrape(url)
    assert value(samples, "claimwatch_articles_ingested_total") == 1
    assert value(samples, "claimwatch_articles_rejected_total", reason="invalid_json") == 1
    assert value(samples, "claimwatch_articles_rejected_total", reason="unsupported_version") == 1
    assert value(samples, "claimwatch_messages_handled_total", service="ingestor") == 3
    assert value(samples, "claimwatch_stream_length", stream="articles") == 1
    assert value(samples, "claimwatch_dead_letters") == 2
    published = total(
        samples, "faststream_published_messages_total", app_name="ingestor", status="success"
    )
    assert published == 3  # one article, two dead letters
