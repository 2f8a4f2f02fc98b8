"""deploy/: the Prometheus scrape config and the Grafana dashboard against the code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from faststream.prometheus.container import MetricsContainer
from prometheus_client import CollectorRegistry

from shared import metrics
from shared.streams import Streams

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SERVICES = {"entity-worker", "claim-worker", "alert-worker", "notifier", "ingestor"}
# PromQL words that look like metric names in an expression but are not
PROMQL = {
    "sum", "max", "min", "avg", "count", "rate", "increase", "irate", "by", "without",
    "histogram_quantile", "le", "on", "ignoring", "group_left", "group_right", "and", "or",
    "unless", "topk", "bottomk", "abs", "clamp_min", "clamp_max", "offset",
}  # fmt: skip


def _family_names(registry: CollectorRegistry) -> set[str]:
    """Every sample name a registry can export (counter _total, histogram _bucket ...)."""
    names: set[str] = set()
    for family in registry.collect():
        names.add(family.name)
        if family.type == "counter":
            names.update({f"{family.name}_total", f"{family.name}_created"})
        if family.type == "histogram":
            names.update(f"{family.name}_{s}" for s in ("bucket", "count", "sum", "created"))
        names.update(s.name for s in family.samples)
    return names


@pytest.fixture(scope="module")
def known_metrics(redis_url: str) -> set[str]:
    ours = _family_names(metrics.REGISTRY)
    # the scrape-time gauges: every family the collector returns while Redis answers
    collector = metrics.RedisStreamsCollector(redis_url, Streams("cwtest-deploy-none"))
    ours |= {family.name for family in collector.collect()}
    collector.close()
    faststream = CollectorRegistry()
    MetricsContainer(faststream, custom_label_names=())
    # prometheus' own series
    return ours | _family_names(faststream) | {"up"}


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DEPLOY / "grafana/dashboards/claimwatch.json").read_text())
    return data


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def _exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in _panels(dashboard) for t in p["targets"]]


def test_the_scrape_time_gauges_are_the_ones_expected(known_metrics: set[str]) -> None:
    assert {
        "claimwatch_redis_up",
        "claimwatch_stream_length",
        "claimwatch_group_lag",
        "claimwatch_group_pending",
        "claimwatch_dead_letters",
    } <= known_metrics
    assert "faststream_received_messages_total" in known_metrics


def test_dashboard_is_a_grafana_dashboard(dashboard: dict[str, Any]) -> None:
    assert dashboard["uid"] and dashboard["title"]
    assert 36 <= dashboard["schemaVersion"] <= 41
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in _panels(dashboard):
        assert panel["targets"], panel["title"]
        assert {"h", "w", "x", "y"} <= panel["gridPos"].keys()
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24


def test_dashboard_queries_use_only_metrics_that_exist(
    dashboard: dict[str, Any], known_metrics: set[str]
) -> None:
    used: set[str] = set()
    for expr in _exprs(dashboard):
        no_labels = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"|\b(by|without)\s*\([^)]*\)", "", expr)
        words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", no_labels))
        used |= {w for w in words if w not in PROMQL and not w.startswith("__")}
    unknown = used - known_metrics
    assert not unknown, unknown
    # every project metric the issue asks for is on the dashboard
    for name in [
        "claimwatch_articles_ingested_total",
        "claimwatch_articles_rejected_total",
        "claimwatch_group_lag",
        "claimwatch_group_pending",
        "claimwatch_stage_seconds_bucket",
        "claimwatch_alerts_total",
        "claimwatch_webhook_deliveries_total",
        "claimwatch_dead_letters",
        "claimwatch_messages_handled_total",
        "faststream_received_messages_total",
    ]:
        assert name in used, name


def test_dashboard_datasource_is_the_provisioned_one(dashboard: dict[str, Any]) -> None:
    provisioned = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )
    (source,) = provisioned["datasources"]
    assert source["url"] == "http://prometheus:9090"
    uids = {p["datasource"]["uid"] for p in _panels(dashboard)}
    assert uids == {source["uid"]}
    provider = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/dashboards/claimwatch.yml").read_text()
    )
    (files,) = provider["providers"]
    assert files["type"] == "file"
    assert files["options"]["path"] == "/etc/grafana/dashboards"


def test_prometheus_scrapes_every_replica_of_every_service() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus/prometheus.yml").read_text())
    assert config["global"]["scrape_interval"] == "15s"
    seen: set[str] = set()
    for job in config["scrape_configs"]:
        (sd,) = job["dns_sd_configs"]
        assert sd["type"] == "A" and sd["port"] == 9100, job["job_name"]
        seen.update(sd["names"])
        assert job["job_name"] in sd["names"]
    assert seen == SERVICES
