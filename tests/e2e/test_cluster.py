"""The stack on a real Redis Cluster (three primaries with a replica each, started from the
redis-server binary on loopback): `claimwatch demo` raises the seed alert with its keys on
several primaries, and a primary SIGKILLed mid-run is survived."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from redis.cluster import RedisCluster
from rich.console import Console

from claimwatch.chaos import run_chaos
from claimwatch.localcluster import LocalCluster
from shared.connections import sync_redis
from tests.support.processes import assert_seed_alerts, run_demo

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster() as c:
        yield c


def _keys_per_primary(url: str, prefix: str) -> dict[str, int]:
    client = sync_redis(url, cluster=True)
    assert isinstance(client, RedisCluster)
    try:
        return {
            f"{node.host}:{node.port}": sum(
                1 for _ in client.scan_iter(match=f"{prefix}:*", count=1000, target_nodes=node)
            )
            for node in client.get_primaries()
        }
    finally:
        client.close()


def test_demo_on_a_cluster_raises_the_seed_alert_with_keys_on_several_primaries(
    cluster: LocalCluster,
) -> None:
    prefix = f"cw-cluster-demo-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "REDIS_URL": cluster.node_url,  # one node: the clients find the others
        "CLAIMWATCH_REDIS_CLUSTER": "true",
        "CLAIMWATCH_PARTITIONS": "3",
        "CLAIMWATCH_STREAM_PREFIX": prefix,
    }
    assert_seed_alerts(run_demo(env))
    keys = _keys_per_primary(cluster.url, prefix)
    assert sum(1 for n in keys.values() if n > 0) >= 2, keys
    status = subprocess.run(
        [sys.executable, "-m", "claimwatch.cli", "status", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert status.returncode == 0, status.stderr[-2000:]
    assert '"cluster": [{"node"' in status.stdout


def test_a_killed_primary_is_replaced_and_the_services_follow() -> None:
    summary = run_chaos(
        articles=400,
        scenarios=["redis"],  # on a cluster: SIGKILL the primary of partition 0's streams
        log_dir=None,
        timeout_s=300,
        console=Console(stderr=True),
        cluster=True,
    )
    print(summary)  # every loss or duplicate, counted (pytest -s shows it)
    assert "SIGKILLed" in summary["notes"]["failover"], summary
    # Asynchronous replication may lose what the dead primary acknowledged in its last
    # instant (README, "Beyond one machine"); on loopback its replica is milliseconds
    # behind, so at most one article in this run.
    assert summary["lost"] <= 1, summary
    assert summary["processed"] + summary["dead_lettered"] + summary["lost"] == summary["articles"]
    assert summary["duplicate_alerts"] == 0 and summary["duplicate_claims"] == 0
