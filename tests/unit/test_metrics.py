"""shared/metrics.py: the Redis collector on a real Redis, the HTTP server, the helpers."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from claimwatch.embedded import free_port
from shared import metrics
from shared.settings import Settings
from shared.streams import Streams


def samples(families: object) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in families:  # type: ignore[attr-defined]
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def redis_major(client: redis.Redis) -> int:
    return int(str(client.info("server")["redis_version"]).split(".")[0])


def test_collector_reports_length_lag_pending_and_dead_letters(
    redis_url: str, prefix: str, client: redis.Redis
) -> None:
    streams = Streams(prefix)
    for n in range(5):
        client.xadd(streams.claims, {"n": n})
    client.xgroup_create(streams.claims, "g1", id="0")
    client.xgroup_create(streams.claims, "g2", id="0")
    # g1: 3 delivered (1 of them acked) -> pending 2, lag 2; g2: nothing read -> lag 5
    read = client.xreadgroup("g1", "c1", {streams.claims: ">"}, count=3)
    first_id = read[0][1][0][0]
    client.xack(streams.claims, "g1", first_id)
    client.xadd(streams.deadletter, {"x": 1})
    client.xadd(streams.deadletter, {"x": 2})

    collector = metrics.RedisStreamsCollector(redis_url, streams)
    try:
        got = samples(collector.collect())
    finally:
        collector.close()

    assert got[("claimwatch_redis_up", ())] == 1
    assert got[("claimwatch_stream_length", (("stream", "claims"),))] == 5
    assert got[("claimwatch_stream_length", (("stream", "articles"),))] == 0  # missing key
    assert got[("claimwatch_group_pending", (("group", "g1"), ("stream", "claims")))] == 2
    g1_lag = got.get(("claimwatch_group_lag", (("group", "g1"), ("stream", "claims"))))
    g2_lag = got.get(("claimwatch_group_lag", (("group", "g2"), ("stream", "claims"))))
    if redis_major(client) >= 7:
        assert (g1_lag, g2_lag) == (2, 5)
    else:  # Redis 6 (the embedded one) has no lag in XINFO GROUPS: none reported, not 0
        assert (g1_lag, g2_lag) == (None, None)
    assert got[("claimwatch_group_pending", (("group", "g2"), ("stream", "claims")))] == 0
    assert got[("claimwatch_dead_letters", ())] == 2
    # no group on a stream nobody reads: no lag series invented for it
    assert not any(
        name == "claimwatch_group_lag" and ("stream", "alerts") in labels for name, labels in got
    )


def _dead_port() -> int:
    port = free_port()
    with socket.socket() as sock:  # make sure nothing answers there
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    return port


def test_collector_with_redis_down_reports_redis_up_0_and_never_raises() -> None:
    registry = CollectorRegistry()
    collector = metrics.RedisStreamsCollector(
        f"redis://127.0.0.1:{_dead_port()}/9", Streams("cwtest-down"), timeout_s=0.5
    )
    registry.register(collector)
    start = time.monotonic()
    text = generate_latest(registry).decode()  # what a scrape runs
    assert time.monotonic() - start < 5
    got = samples(text_string_to_metric_families(text))
    assert got == {("claimwatch_redis_up", ()): 0}
    collector.close()


@pytest.fixture
def server(redis_url: str, prefix: str) -> Iterator[str]:
    settings = Settings(redis_url=redis_url, stream_prefix=prefix, metrics_port=0)
    url = metrics.start_metrics_server(settings, "unit-test")
    assert url is not None
    yield url
    metrics.stop_metrics_server()


def test_server_on_a_free_port_serves_our_metrics_and_remembers_its_url(
    server: str, redis_url: str, prefix: str, client: redis.Redis
) -> None:
    match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/metrics", server)
    assert match and int(match.group(1)) > 0
    assert metrics.serving_url() == server
    # a second start in the same process keeps the first server
    again = Settings(redis_url=redis_url, stream_prefix=prefix, metrics_port=0)
    assert metrics.start_metrics_server(again, "unit-test") == server

    client.xadd(Streams(prefix).deadletter, {"x": 1})
    response = httpx.get(server, timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    got = samples(text_string_to_metric_families(response.text))
    assert got[("claimwatch_redis_up", ())] == 1
    assert got[("claimwatch_dead_letters", ())] == 1
    assert ("claimwatch_messages_handled_total", (("service", "unit-test"),)) in got
    names = {name for name, _ in got}
    assert {"claimwatch_articles_ingested_total", "claimwatch_claims_per_article_count"} <= names


def test_stop_forgets_the_url() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:1/0", stream_prefix="cwtest-x")
    url = metrics.start_metrics_server(settings, "unit-test")
    assert url and metrics.serving_url() == url
    metrics.stop_metrics_server()
    assert metrics.serving_url() is None
    with pytest.raises(httpx.HTTPError):
        httpx.get(url, timeout=2)


def test_a_port_in_use_is_logged_not_raised() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        settings = Settings(redis_url="redis://127.0.0.1:1/0", metrics_port=port)
        assert metrics.start_metrics_server(settings, "unit-test") is None
        assert metrics.serving_url() is None
    metrics.stop_metrics_server()


def test_messages_handled_counts_this_process() -> None:
    metrics.set_service("unit-count")
    before = metrics.messages_handled()
    metrics.handled()
    metrics.handled(3)
    assert metrics.messages_handled() == before + 4


def test_stage_observes_each_item_of_a_batch_with_its_share() -> None:
    def count_and_sum(stage: str) -> tuple[float, float]:
        get = metrics.REGISTRY.get_sample_value
        labels = {"stage": stage}
        return (
            get("claimwatch_stage_seconds_count", labels) or 0.0,
            get("claimwatch_stage_seconds_sum", labels) or 0.0,
        )

    before_n, before_s = count_and_sum("unit_batch")
    with metrics.stage("unit_batch", items=4):
        time.sleep(0.2)
    n, total = count_and_sum("unit_batch")
    assert n - before_n == 4
    assert 0.18 <= total - before_s < 1.0  # the batch's time once, shared by its items
