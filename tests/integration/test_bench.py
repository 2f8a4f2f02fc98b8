"""`claimwatch bench` machinery on a tiny corpus. Figures are printed, never asserted: these
tests only check that every phase runs and reports its keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from claimwatch import bench, bench_corpus
from claimwatch.bench_limit import shards
from claimwatch.cli import app

REQUIRED = (
    "articles_per_s",
    "limit_articles_per_s",
    "ratio",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "alert_latency_p99_ms",
    "check_us_1k",
    "check_us_1m",
    "check_us_hot_1k",
    "check_us_hot_1m",
    "bytes_per_claim",
    "rss_peak_mb",
    "soak",
)


@pytest.mark.e2e
@pytest.mark.timeout(300)
def test_quick_bench_completes_and_ends_with_a_json_line(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # its own embedded Redis
    proc = subprocess.run(
        [sys.executable, "-m", "claimwatch.cli", "bench", "--articles", "12", "--quick"],
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    result = json.loads(last)
    for key in REQUIRED:
        assert key in result, key
    assert result["articles"] == 12 and result["missing"] == 0
    assert result["articles_per_s"] > 0 and result["limit_articles_per_s"] > 0
    assert result["latency_p99_ms"] is not None
    assert {k.split("#")[0] for k in result["rss_peak_mb"]} >= {
        "entity_worker",
        "claim_worker",
        "alert_worker",
    }
    assert result["bytes_per_claim"] > 0
    assert "claimwatch bench" in proc.stdout  # the rich table's title


def test_bench_is_a_cli_command() -> None:
    result = CliRunner().invoke(app, ["bench", "--help"])
    assert result.exit_code == 0
    assert "--soak-minutes" in result.output and "--corpus" in result.output


def test_generated_corpus_is_deterministic_news_sized_and_ingestible() -> None:
    from shared.ingest import parse_article
    from shared.settings import Settings

    a, b = bench_corpus.generate(30), bench_corpus.generate(30)
    assert a == b
    assert 250 <= bench_corpus.words(a) / len(a) <= 500
    settings = Settings(redis_url="redis://unused")
    ids = {parse_article(json.dumps(r), settings).id for r in bench_corpus.tagged(a, "t", "s")}
    assert len(ids) == 30


def test_corpus_file_is_cycled_to_the_requested_size(tmp_path) -> None:
    path = tmp_path / "c.jsonl"
    rows = bench_corpus.generate(3)
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    records, name = bench_corpus.load(path, 7)
    assert len(records) == 7 and records[3] == rows[0] and name == str(path)


def test_replicas_option_and_percentiles() -> None:
    assert bench.parse_replicas([], 2) == {"entity_worker": 2}
    assert bench.parse_replicas(["3", "claim-worker=2"], 2) == {
        "entity_worker": 3,
        "claim_worker": 2,
    }
    with pytest.raises(Exception, match="unknown service"):
        bench.parse_replicas(["nope=1"], 2)
    p = bench.percentiles([float(x) for x in range(1, 101)])
    assert p["p50"] == pytest.approx(50.5) and p["p99"] == pytest.approx(99.0, abs=0.05)
    assert bench.percentiles([])["p99"] is None


def test_limit_shards_balance_text_length() -> None:
    texts = ["x" * n for n in (100, 90, 50, 40, 10, 5)]
    parts = shards(texts, 2)
    sizes = sorted(sum(map(len, s)) for s in parts)
    assert sum(sizes) == 295 and sizes[1] - sizes[0] <= 10


@pytest.mark.e2e
@pytest.mark.timeout(400)
def test_quick_cluster_bench_prints_the_ratio_to_a_single_redis(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    proc = subprocess.run(
        [sys.executable, "-m", "claimwatch.cli", "bench", "--cluster", "--quick",
         "--articles", "12", "--latency-seconds", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=380,
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["single"]["articles"] == result["cluster"]["articles"] == 12
    assert result["cluster"]["partitions"] > 1 and result["single"]["partitions"] == 1
    assert result["ratio"] == pytest.approx(
        result["cluster"]["articles_per_s"] / result["single"]["articles_per_s"], abs=1e-3
    )
    store = result["store"]
    assert store["cluster"] and store["skipped_hot"] == 0 and store["missed_conflicts_hot"] == 0
    assert len(store["keys_per_primary"]) == 3 and min(store["keys_per_primary"]) > 0
    assert "ratio cluster" in proc.stdout  # the table, before the JSON line
