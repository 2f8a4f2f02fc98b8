"""`claimwatch eval`: run labelled scenarios through the real pipeline and score them.

Each run uses its own stream prefix (so it never touches a live deployment's streams) and
each scenario its own claim store; everything the run wrote is deleted at the end.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import redis
from rich.console import Console
from rich.markup import escape

from claimwatch.feeding import publish_lines
from claimwatch.follow import positions, read_alerts, wait_processed
from claimwatch.scoring import load_scenarios, score
from claimwatch.stack import Stack
from shared.connections import sync_redis
from shared.domain.alerts import Alert, AlertKind
from shared.events import ArticleIn
from shared.settings import Settings
from shared.streams import Streams


def _scenario_feed(scenario: Mapping[str, Any], store: str) -> tuple[list[str], dict[str, str]]:
    """JSON lines for the ingestor, and our article id -> the scenario's article id."""
    lines, ids = [], {}
    for article in scenario["articles"]:
        record = {**article, "store": store}
        ids[ArticleIn.model_validate(record).article_id()] = article["id"]
        lines.append(json.dumps(record))
    return lines, ids


def _relabel(alert: Alert, ids: Mapping[str, str]) -> Alert:
    """The same alert with the scenario's article ids, which scoring matches on."""
    update: dict[str, Any] = {}
    for side in ("new", "previous"):
        claim = getattr(alert, side)
        if claim is not None:
            update[side] = claim.model_copy(
                update={"article_id": ids.get(claim.article_id, claim.article_id)}
            )
    if alert.mention is not None:
        aid = alert.mention.article_id
        update["mention"] = alert.mention.model_copy(update={"article_id": ids.get(aid, aid)})
    return alert.model_copy(update=update)


def _delete_prefix(client: redis.Redis, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.unlink(*keys[start : start + 500])


def run_eval(path: Path, redis_url: str, timeout_s: float = 600.0) -> dict[str, Any]:
    scenarios = load_scenarios(path)
    prefix = f"claimwatch-eval-{uuid.uuid4().hex[:8]}"
    streams = Streams(prefix)
    settings = Settings(redis_url=redis_url, stream_prefix=prefix)
    client = sync_redis(redis_url)
    started = time.monotonic()
    stack = Stack(redis_url, env={"CLAIMWATCH_STREAM_PREFIX": prefix})
    try:
        stack.start().wait_ready()
        cursors = positions(client, streams)
        id_maps: dict[str, dict[str, str]] = {}
        all_ids: list[str] = []
        for index, scenario in enumerate(scenarios):
            store = f"s{index}"
            lines, ids = _scenario_feed(scenario, store)
            id_maps[store] = ids
            all_ids += publish_lines(redis_url, lines, settings).published
        missing = wait_processed(client, streams, all_ids, cursors, timeout_s)
        by_store: dict[str, list[Alert]] = {}
        for _entry, alert in read_alerts(client, streams):
            by_store.setdefault(alert.store, []).append(_relabel(alert, id_maps[alert.store]))
    finally:
        stack.stop()
        _delete_prefix(client, prefix)
        client.close()
    alerts_by_scenario = {
        sc.get("scenario", ""): by_store.get(f"s{i}", []) for i, sc in enumerate(scenarios)
    }
    result = score(scenarios, alerts_by_scenario)
    result["unprocessed_articles"] = len(missing)
    result["seconds"] = round(time.monotonic() - started, 1)
    result["alerts"] = {
        k: [a.model_dump(mode="json") for a in v] for k, v in alerts_by_scenario.items()
    }
    return result


def _describe(alert: Alert) -> str:
    if alert.kind is AlertKind.AMBIGUITY and alert.mention is not None:
        names = ", ".join(c.entity.name for c in alert.mention.candidates[:4])
        return f'ambiguous "{alert.mention.text}" in {alert.mention.article_id}: {names}'
    assert alert.new is not None and alert.previous is not None
    pair = "-".join(sorted([alert.new.article_id, alert.previous.article_id]))
    return f"{alert.kind.value} {pair} ({alert.severity.value}): {alert.reason}"


def print_report(
    result: Mapping[str, Any], scenarios: list[dict[str, Any]], console: Console
) -> None:
    for detail, scenario in zip(result["scenarios"], scenarios, strict=True):
        ok = detail["fp"] == 0 and detail["fn"] == 0
        mark = "[green]PASS[/green]" if ok else "[red]FAIL[/red]"
        counts = f"tp={detail['tp']} fp={detail['fp']} fn={detail['fn']}"
        console.print(f"{mark} {escape(detail['scenario'])}  {counts}")
        for e in scenario.get("expect", []):
            what = e.get("between") or f'ambiguous "{e.get("ambiguous")}" in {e.get("article")}'
            about = f"{e.get('kind', '')} {e.get('subject', '')}".strip()
            console.print(f"    expected: {escape(str(what))} {escape(about)}")
        for f in scenario.get("forbid", []):
            console.print(f"    forbidden: {escape(str(f.get('between')))}")
        for alert in result["alerts"].get(detail["scenario"], []):
            console.print(f"    fired: {escape(_describe(Alert.model_validate(alert)))}")
        for fn in detail["false_negatives"]:
            console.print(f"    [red]missed[/red]: {escape(str(fn))}")
        for fp in detail["false_positives"]:
            console.print(f"    [red]unexpected[/red]: {escape(str(fp))}")
    console.print(
        f"\n[bold]precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
        f"f1 {result['f1']:.3f}[/bold]  (tp={result['tp']} fp={result['fp']} fn={result['fn']}, "
        f"{len(scenarios)} scenarios, {result['seconds']}s)"
    )


def summary(result: Mapping[str, Any]) -> str:
    """The one-line JSON object `--json` ends with."""
    keys = ("precision", "recall", "f1", "tp", "fp", "fn", "unprocessed_articles", "seconds")
    return json.dumps({k: result[k] for k in keys})
