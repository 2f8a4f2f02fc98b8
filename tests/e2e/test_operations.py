"""What an operator does with a running stack, as they would do it: `claimwatch run` on a
Redis of one's own, then `status --json`, `health NAME` for each service, each service's
`/metrics`, `logs`, an article over HTTP, and a clean stop that leaves the groups."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from claimwatch.embedded import free_port
from claimwatch.stack import SERVICE_MODULES
from tests.support.processes import stop_run

pytestmark = pytest.mark.e2e
CLI = [sys.executable, "-m", "claimwatch.cli"]


def _cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def env(redis_url: str, prefix: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "REDIS_URL": redis_url,
        "CLAIMWATCH_STREAM_PREFIX": prefix,
        "CLAIMWATCH_INGEST_PORT": str(free_port()),
        "CLAIMWATCH_LOG_DIR": str(tmp_path / "logs"),
        "COLUMNS": "200",
    }


@pytest.fixture
def running(env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [*CLI, "run", "--no-feed"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    yield proc
    stop_run(proc)


def _status(env: dict[str, str]) -> dict[str, Any]:
    done = _cli(env, "status", "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _wait_all_alive(env: dict[str, str], proc: subprocess.Popen[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        report = _status(env)
        alive = {s["service"] for s in report["services"] if s["alive"]}
        if alive >= set(SERVICE_MODULES):
            return report
        time.sleep(1)
    raise AssertionError(f"not every service came up: {report['services']}")


def test_run_status_health_metrics_logs_and_a_clean_stop(
    env: dict[str, str], running: subprocess.Popen[str], client: redis.Redis, prefix: str
) -> None:
    report = _wait_all_alive(env, running)
    live = [s for s in report["services"] if s["alive"]]
    assert {s["service"] for s in live} == set(SERVICE_MODULES)
    for row in live:
        assert row["host"] and int(row["pid"]) > 0 and row["beat_at"]
        assert row["metrics_url"].startswith("http://127.0.0.1:"), row
        text = httpx.get(row["metrics_url"], timeout=10).text
        assert "# TYPE" in text and "claimwatch_" in text, row["service"]
    groups = {(g["stream"], g["group"]) for g in report["groups"]}
    assert (f"{prefix}:articles", "entity-worker") in groups
    assert report["dead_letters"] == 0

    for name in SERVICE_MODULES:
        healthy = _cli(env, "health", name)
        assert healthy.returncode == 0, (name, healthy.stderr)
    unknown = _cli(env, "health", "nope")
    assert unknown.returncode == 2 and "entity-worker" in unknown.stderr

    # an article over HTTP is handled, and the counts say so
    article = {
        "source": "ops-test",
        "title": "Flooding",
        "text": "Floods in Porto Alegre killed 12 people on Monday, officials said.",
        "published_at": datetime.now(UTC).isoformat(),
    }
    port = env["CLAIMWATCH_INGEST_PORT"]
    posted = httpx.post(f"http://127.0.0.1:{port}/articles", json=article, timeout=30)
    assert posted.status_code == 200 and posted.json()["accepted"] == 1
    again = httpx.post(f"http://127.0.0.1:{port}/articles", json=article, timeout=30)
    assert again.json()["duplicates"] == 1
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        handled = {s["service"]: s["handled"] for s in _status(env)["services"] if s["alive"]}
        # counts are as of each service's last beat (every 5 s): wait for every stage
        stages = ("entity-worker", "claim-worker", "alert-worker")
        if all(handled.get(n, 0) >= 1 for n in stages) and handled.get("ingestor", 0) >= 2:
            break
        time.sleep(1)
    assert handled["entity-worker"] >= 1 and handled["alert-worker"] >= 1, handled
    assert handled["ingestor"] >= 2, handled  # it answered both requests

    logs = _cli(env, "logs", "entity-worker")
    assert logs.returncode == 0
    assert all(json.loads(line) for line in logs.stdout.splitlines() if line.strip())

    running.send_signal(signal.SIGINT)
    running.wait(60)
    # a clean stop leaves the consumer groups and the heartbeats behind it
    for stream, group in groups:
        consumers: Any = client.xinfo_consumers(stream, group)
        assert consumers == [], (stream, group, consumers)
    assert not list(client.scan_iter(match=f"{prefix}:alive:*"))
    assert _cli(env, "health", "entity-worker").returncode == 1


def test_user_errors_are_one_line_and_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    missing = _cli(env, "ingest", "/nonexistent")
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "/nonexistent" in missing.stderr
    no_redis = _cli({**env, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}, "status")
    assert no_redis.returncode == 2 and "Traceback" not in no_redis.stderr
    assert no_redis.stderr.strip().count("\n") == 0
    unset = _cli({k: v for k, v in env.items() if k != "REDIS_URL"}, "tail")
    assert unset.returncode == 2 and "REDIS_URL" in unset.stderr
    feed = _cli(env, "demo", "--feed", str(tmp_path / "missing.jsonl"), timeout=30)
    assert feed.returncode == 2 and "missing.jsonl" in feed.stderr
    assert not (tmp_path / "logs").exists()  # it failed before starting anything
