"""`claimwatch chaos`: crash, restart and bad-input scenarios on real processes and a real
Redis, and the webhook receiver they (and the tests) use: it verifies every request with the
`standardwebhooks` library and can fail, hang or answer slowly on purpose.

This module runs the scenarios and prints the table; the parts live beside it:
chaos_scenarios (the scenarios), chaos_receiver (the webhook receiver), chaos_inputs (what
is fed in), chaos_checks (what is counted)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from claimwatch.chaos_checks import (
    Progress,
    dead_article_ids,
    integrity,
    match_bad_inputs,
    progress,
    stream_entries,
)
from claimwatch.chaos_inputs import (
    CITIES,
    TOPICS,
    WEEKDAYS,
    bad_ingest_inputs,
    publish_bad_stream_messages,
    publish_synthetic_alerts,
    synthetic_articles,
)
from claimwatch.chaos_receiver import Behaviour, Receiver, Record, accept, always, fail_first
from claimwatch.chaos_scenarios import SERVICE_ENV, Chaos, Row, Supervisor, ingest, wait_for
from shared.settings import get_settings

# What this module exported before it was split; chaos_cli and the tests import from here.
__all__ = [
    "CITIES",
    "SERVICE_ENV",
    "TOPICS",
    "WEEKDAYS",
    "Behaviour",
    "Chaos",
    "Progress",
    "Receiver",
    "Record",
    "Row",
    "Supervisor",
    "accept",
    "always",
    "bad_ingest_inputs",
    "dead_article_ids",
    "fail_first",
    "ingest",
    "integrity",
    "match_bad_inputs",
    "progress",
    "publish_bad_stream_messages",
    "publish_synthetic_alerts",
    "run_chaos",
    "stream_entries",
    "synthetic_articles",
    "wait_for",
]

@contextlib.contextmanager
def _cluster_env(cluster: bool) -> Iterator[None]:
    """In cluster mode this process's own clients (feeding, synthetic inputs) are cluster
    clients too: they read CLAIMWATCH_REDIS_CLUSTER like the services do."""
    if not cluster:
        yield
        return
    before = os.environ.get("CLAIMWATCH_REDIS_CLUSTER")
    os.environ["CLAIMWATCH_REDIS_CLUSTER"] = "true"
    get_settings.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CLAIMWATCH_REDIS_CLUSTER", None)
        else:
            os.environ["CLAIMWATCH_REDIS_CLUSTER"] = before
        get_settings.cache_clear()


def run_chaos(
    articles: int,
    scenarios: list[str],
    log_dir: Path | None,
    timeout_s: float,
    console: Console,
    cluster: bool = False,
) -> dict[str, Any]:
    """Run the scenarios; with `cluster`, on a local Redis Cluster (3 primaries with a
    replica each), where the "redis" scenario kills a primary instead of restarting Redis."""
    rows: list[Row] = []
    with Chaos(log_dir, timeout_s, console, cluster=cluster) as chaos, _cluster_env(cluster):
        for name in scenarios:
            chaos.say(f"scenario {name}")
            if name == "kill":
                rows.append(chaos.kill(articles))
            elif name in {"redis", "failover"} and cluster:
                rows.append(chaos.failover(max(20, articles // 2)))
            elif name == "redis":
                rows.append(chaos.redis_restart(max(20, articles // 2)))
            elif name == "webhook":
                rows.append(chaos.webhook())
            elif name in {"bad-input", "bad_input"}:
                rows.append(chaos.bad_input())
            else:
                raise ValueError(f"unknown scenario {name!r}")
    table = Table(
        "scenario",
        "ok",
        "articles",
        "processed",
        "lost",
        "dup claims",
        "dup alerts",
        "s",
        "figures / note",
        title="claimwatch chaos",
    )
    for row in rows:
        f = row.figures
        table.add_row(
            row.scenario,
            "yes" if row.ok else "[red]NO[/red]",
            str(f.get("articles", "")),
            str(f.get("processed", "")),
            str(f.get("lost", "")),
            str(f.get("duplicate_claims", "")),
            str(f.get("duplicate_alerts", "")),
            f"{row.seconds:.0f}",
            json.dumps(
                {
                    k: v
                    for k, v in f.items()
                    if k
                    not in {"articles", "processed", "lost", "duplicate_claims", "duplicate_alerts"}
                }
            )
            + (f"\n{row.note}" if row.note else ""),
        )
    Console(highlight=False, width=200).print(table)

    def total(key: str) -> int:
        return sum(int(r.figures.get(key, 0)) for r in rows)

    return {
        "ok": all(r.ok for r in rows),
        "scenarios": {r.scenario: r.ok for r in rows},
        "notes": {r.scenario: r.note for r in rows},
        "articles": total("articles"),
        "processed": total("processed"),
        "dead_lettered": total("dead_lettered"),
        "reprocessed": total("reprocessed"),
        "lost": total("lost"),
        "duplicate_claims": total("duplicate_claims"),
        "duplicate_alerts": total("duplicate_alerts"),
        "alerts_delivered": total("alerts_delivered"),
        "signatures_verified": total("signatures_verified"),
        "webhook_duplicates": total("webhook_duplicates"),
        "bad_inputs": total("bad_inputs"),
        "bad_inputs_dead_lettered": total("bad_inputs_dead_lettered"),
    }
