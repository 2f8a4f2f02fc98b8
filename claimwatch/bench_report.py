"""The bench report: the result dict (`summarise`, whose headline keys are `JSON_KEYS`)
and the rich table on stdout (`print_report`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from claimwatch import bench_corpus
from claimwatch.bench_options import Options, cores
from claimwatch.bench_stack import StackRun

out = Console(highlight=False)

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


def print_cluster_report(result: dict[str, Any]) -> None:
    """The table of `bench --cluster`."""
    table = Table(title=f"claimwatch bench --cluster — {result['corpus']}")
    table.add_column("measure")
    table.add_column("single Redis", justify="right")
    table.add_column("Redis Cluster", justify="right")
    table.add_column("note")
    one, many = result["single"], result["cluster"]

    def lat(side: dict[str, Any]) -> str:
        ms = side.get("latency_ms") or {}
        return f"{ms.get('p50')} / {ms.get('p95')} / {ms.get('p99')}"

    reps = ", ".join(f"{k}×{v}" for k, v in sorted(result["replicas"].items()))
    table.add_row(
        "articles/s end to end", str(one["articles_per_s"]), str(many["articles_per_s"]),
        f"{many['articles']} articles; {reps}; cluster: {result['cluster_nodes']}, "
        f"{many['partitions']} partitions",
    )  # fmt: skip
    table.add_row(
        "ratio cluster / single", "", str(result["ratio"]), "target ≥ 0.9 on this machine"
    )
    table.add_row(
        "latency p50 / p95 / p99 ms", lat(one), lat(many),
        f"paced at half of each side's throughput ({one.get('latency_rate')}/s, "
        f"{many.get('latency_rate')}/s)",
    )  # fmt: skip
    out.print(table)
    store = Table(title="claim store on the cluster (measure_store)")
    store.add_column("figure")
    store.add_column("value", justify="right")
    for key, value in result["store"].items():
        store.add_row(key, str(value))
    out.print(store)
