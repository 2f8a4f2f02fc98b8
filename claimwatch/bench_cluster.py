"""`claimwatch bench --cluster`: the stack on a local Redis Cluster against a single Redis,
in one run, and the claim store's check cost with claims spread over the shards.

Both sides run the same services as processes with the same replicas on this machine: the
single side on an embedded Redis (one partition), the cluster side on
`claimwatch.localcluster` (three primaries with a replica each, AOF on, as the single one)
with `CLAIMWATCH_PARTITIONS` streams. Each side is timed for throughput (every article at
once, first `articles` entry to last `processed` entry) and for latency at half its own
throughput. The store phase loads claims into the cluster through the real claim store and
times `comparable` + `compare` per claim, on a spread store and on one hot key
(claimwatch/bench_store.py). The ratio cluster / single says what the cluster's client-side
routing and its six servers cost on one box; the point of a cluster is that its primaries
can be on other machines, which one box cannot show.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.progress import Progress

from claimwatch.bench_load import paced, throughput
from claimwatch.bench_options import Options
from claimwatch.bench_stack import running_stack
from claimwatch.embedded import EmbeddedRedis
from claimwatch.localcluster import LocalCluster
from shared.settings import Settings

# Two partitions per primary: each primary carries article streams of its own.
CLUSTER_PARTITIONS = 6


def _side(
    name: str,
    url: str,
    cluster: bool,
    opts: Options,
    records: Sequence[dict[str, Any]],
    replicas: dict[str, int],
    bar: Progress,
    log_dir: Path,
) -> dict[str, Any]:
    partitions = CLUSTER_PARTITIONS if cluster else 1
    prefix = f"claimwatch-bench-{name}-{uuid.uuid4().hex[:6]}"
    settings = Settings(
        redis_url=url, stream_prefix=prefix, redis_cluster=cluster, partitions=partitions
    )
    env = {
        "CLAIMWATCH_REDIS_CLUSTER": str(cluster).lower(),
        "CLAIMWATCH_PARTITIONS": str(partitions),
    }
    with running_stack(url, prefix, replicas, opts.batch_size, log_dir / name, env):
        warm = list(records[: max(4, 2 * replicas.get("entity_worker", 1))])
        throughput(url, settings, warm, f"{name}-warmup", bar, opts.timeout_s)
        rate, n, secs, missing, dead = throughput(
            url, settings, records, f"{name}-tput", bar, opts.timeout_s
        )
        side: dict[str, Any] = {
            "articles_per_s": round(rate, 2),
            "articles": n,
            "seconds": round(secs, 1),
            "missing": missing,
            "dead": dead,
            "partitions": partitions,
        }
        if rate > 0 and opts.latency_seconds > 0:
            lat = paced(
                url, settings, records, f"{name}-lat", rate / 2, opts.latency_seconds, bar,
                opts.timeout_s,
            )  # fmt: skip
            side["latency_ms"] = lat["latency"]
            side["latency_rate"] = round(rate / 2, 2)
            side["missing"] += lat["missing"]
    return side


def run_cluster_bench(
    opts: Options,
    records: Sequence[dict[str, Any]],
    replicas: dict[str, int],
    bar: Progress,
    store_sizes: tuple[int, int],
) -> dict[str, Any]:
    """{"single": {...}, "cluster": {...}, "ratio": cluster/single throughput, "store": {...}}."""
    from claimwatch.bench_store import measure_store

    with tempfile.TemporaryDirectory(prefix="claimwatch-bench-cluster-") as tmp:
        logs = Path(tmp)
        with EmbeddedRedis() as single:
            one = _side("single", single.url, False, opts, records, replicas, bar, logs)
        with LocalCluster() as cluster:
            many = _side("cluster", cluster.url, True, opts, records, replicas, bar, logs)
            total, hot = store_sizes
            store = measure_store(cluster.url, cluster=True, total=total, hot=hot)
    base = one["articles_per_s"]
    return {
        "single": one,
        "cluster": many,
        "ratio": round(many["articles_per_s"] / base, 3) if base else None,
        "store": store,
        "replicas": replicas,
        "cluster_nodes": "3 primaries + 3 replicas on loopback",
    }
