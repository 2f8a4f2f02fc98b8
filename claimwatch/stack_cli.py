"""`claimwatch demo`, `run`, `ingest`, `tail` and `service`: the pipeline as a user runs it.

`demo` and `run` start the services as processes (claimwatch/stack.py) on REDIS_URL or an
embedded Redis; `ingest` and `tail` talk to a running stack; `service` runs one service in
the foreground, as each compose container does.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from claimwatch.console import (
    UserError,
    connect,
    console,
    err,
    load_settings,
    readable_file,
    redis_for,
    redis_url,
    sample_feed,
)
from claimwatch.feeding import publish_lines
from claimwatch.follow import (
    follow_alerts,
    last_id,
    notifications_pending,
    positions,
    read_alerts,
    render,
    wait_notified,
    wait_processed,
)
from claimwatch.sourcing import SourceListError, poll_once, read_source_list
from claimwatch.stack import (
    FULL_STACK,
    SERVICE_MODULES,
    SERVICES,
    Stack,
    new_log_dir,
    prepare_first_run,
)
from shared.domain.alerts import Alert
from shared.ingest import IngestReport
from shared.settings import Settings
from shared.sources import Source
from shared.streams import Streams


def register(app: typer.Typer) -> None:
    for command in (demo, run, ingest, tail, service):
        app.command()(command)


def _read(path: str) -> list[bytes]:
    if path == "-":
        return sys.stdin.buffer.read().splitlines()
    return readable_file(path).read_bytes().splitlines()


def summary_line(report: IngestReport) -> str:
    reasons = Counter(letter.reason for letter in report.rejected)
    text = (
        f"published {len(report.published)}, duplicates {len(report.duplicates)}, "
        f"rejected {len(report.rejected)}"
    )
    if reasons:
        text += " (" + ", ".join(f"{k}={v}" for k, v in sorted(reasons.items())) + ")"
    return text + f", copies {len(report.copies)}"


def _print_results(report: IngestReport, every_line: bool) -> None:
    """One line per input: what happened to it (only the rejections unless `every_line`)."""
    for result in report.results:
        where = f"line {result['line']}"
        if "reason" in result:
            err.print(f"{where}: [red]rejected[/red] ({result['reason']}): {result['error']}")
        elif every_line and result.get("duplicate"):
            console.print(f"{where}: duplicate of {result['id']} (already ingested)")
        elif every_line and "copy_of" in result:
            console.print(
                f"{where}: copy of {result['copy_of']} (similarity {result['similarity']:.2f})"
            )
        elif every_line:
            notes = "; ".join(result.get("warnings", []))
            console.print(f"{where}: published {result['id']}" + (f" ({notes})" if notes else ""))


def _feed(url: str, lines: list[bytes], settings: Settings) -> IngestReport:
    report = publish_lines(url, lines, settings)
    _print_results(report, every_line=False)
    return report


def _related(alert: Alert, ids: set[str]) -> bool:
    claims = [c for c in (alert.new, alert.previous) if c is not None]
    return any(c.article_id in ids for c in claims) or (
        alert.mention is not None and alert.mention.article_id in ids
    )


@dataclass
class Fed:
    """Article ids a feed published, and the ones it named that were already known
    (duplicates and copies): the alerts of both are the feed's alerts."""

    published: list[str]
    known: list[str]


def _feed_lines(url: str, lines: list[bytes], settings: Settings) -> Fed:
    report = _feed(url, lines, settings)
    copies = [r["id"] for r in report.results if "copy_of" in r]
    err.print(f"[dim]{summary_line(report)}; waiting for the pipeline[/dim]")
    return Fed(report.published, [*report.duplicates, *copies])


def _feed_sources(url: str, sources: list[Source], settings: Settings) -> Fed:
    """Poll each source once (what the poller does), saying what was skipped and why."""
    fed = Fed([], [])
    for source, result in zip(sources, poll_once(url, settings, sources), strict=True):
        if result.error:
            err.print(f"[red]source failed[/red] {source.url}: {result.error}")
        for link, reason in result.skipped:
            err.print(f"skipped {link}: {reason}")
        fed.published += result.published
        fed.known += result.known
    err.print(
        f"[dim]{len(sources)} sources: {len(fed.published)} articles published, "
        f"{len(fed.known)} already known; waiting for the pipeline[/dim]"
    )
    return fed


def _process_feed(
    url: str, settings: Settings, feed: Callable[[str], Fed], timeout_s: float, as_json: bool
) -> int:
    """Feed a running stack, wait for it, print its alerts; returns a count (-1 when some
    articles were not processed in time)."""
    streams = Streams.of(settings)
    client = connect(url)
    cursors = positions(client, streams)
    fed = feed(url)
    missing = wait_processed(client, streams, fed.published, cursors, timeout_s)
    if missing:
        err.print(f"[red]{len(missing)} articles not processed within {timeout_s:.0f}s[/red]")
    shown = 0
    ids = {*fed.published, *fed.known}
    # Alerts may predate this run (same Redis, same articles): show every alert of the feed.
    for _entry, alert in read_alerts(client, streams, "0-0"):
        if _related(alert, ids):
            _show(alert, as_json)
            shown += 1
    client.close()
    return -1 if missing else shown


def _feeder(
    settings: Settings, feed: Path | None, sources: Path | None, *, default: bool
) -> Callable[[str], Fed] | None:
    """What `demo`/`run` feed the stack: a JSON-lines file, a source list, the sample feed
    (when `default`), or nothing. Files are read before anything starts."""
    if feed is not None and sources is not None:
        raise UserError("give --feed or --sources, not both")
    if sources is not None:
        try:
            listed = read_source_list(readable_file(sources))
        except SourceListError as exc:
            raise UserError(str(exc)) from None
        return lambda url: _feed_sources(url, listed, settings)
    if feed is None and not default:
        return None
    lines = _read(str(feed)) if feed else sample_feed().read_bytes().splitlines()
    return lambda url: _feed_lines(url, lines, settings)


def _show(alert: Alert, as_json: bool) -> None:
    if as_json:
        print(alert.model_dump_json(), flush=True)
    else:
        render(alert, console)


def _start_stack(
    url: str, settings: Settings, log_dir: Path, services: tuple[str, ...] = SERVICES
) -> Stack:
    prepare_first_run(settings, err)
    stack = Stack(url, log_dir=log_dir, services=services).start()
    try:
        stack.wait_ready()
    except (RuntimeError, TimeoutError) as exc:
        stack.stop()
        raise UserError(f"the stack did not start: {exc}; the logs are in {log_dir}") from None
    except BaseException:
        stack.stop()
        raise
    return stack


FeedOption = Annotated[Path | None, typer.Option(help="JSON-lines feed (default: bundled)")]
SourcesOption = Annotated[
    Path | None, typer.Option(help="OPML, or a text file of feed/page URLs one a line")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print each alert as one JSON object a line")
]


def demo(
    feed: FeedOption = None,
    sources: SourcesOption = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the feed")] = 300.0,
    as_json: JsonOption = False,
) -> None:
    """Start the stack, process a feed (or poll each source once), print its alerts, and
    exit (0 when all processed)."""
    settings = load_settings()
    feeder = _feeder(settings, feed, sources, default=True)
    assert feeder is not None  # default=True: the sample feed at least
    log_dir = new_log_dir(settings)
    with redis_for(settings) as url:
        stack = _start_stack(url, settings, log_dir)
        try:
            shown = _process_feed(url, settings, feeder, timeout, as_json)
            _drain_notifications(url, settings)
        finally:
            stack.stop()
    if shown < 0:
        err.print(f"service logs: {log_dir}")
        raise typer.Exit(1)
    err.print(f"[green]done[/green]: {shown} alerts")


def _drain_notifications(url: str, settings: Settings) -> None:
    """`demo` stops the stack once the feed is processed: first let the notifier send what
    the feed's alerts queued (held stories are due after CLAIMWATCH_NOTIFY_SETTLE_S)."""
    client = connect(url)
    streams = Streams.of(settings)
    try:
        if notifications_pending(client, streams, bool(settings.webhook_url)) == 0:
            return
        err.print("[dim]waiting for notifications to be delivered[/dim]")
        if not wait_notified(client, streams, bool(settings.webhook_url), settings.notify_drain_s):
            err.print(
                f"[yellow]notifications still queued after {settings.notify_drain_s:.0f}s"
                "[/yellow] (kept in Redis; the next notifier sends them)"
            )
    finally:
        client.close()


def run(
    feed: FeedOption = None,
    sources: SourcesOption = None,
    no_feed: Annotated[bool, typer.Option("--no-feed", help="Start without a feed")] = False,
    as_json: JsonOption = False,
) -> None:
    """Start the stack (with the HTTP ingestor and the poller), feed it, and keep printing
    alerts as they fire until Ctrl-C. With --sources the poller keeps polling them."""
    settings = load_settings()
    feeder = _feeder(settings, feed, sources, default=not no_feed)
    log_dir = new_log_dir(settings)
    streams = Streams.of(settings)
    with redis_for(settings, keep=True) as url:
        stack = _start_stack(url, settings, log_dir, FULL_STACK)
        err.print(f"dashboard and API on {settings.dashboard_url} (OpenAPI at /docs)")
        err.print(
            f"[dim]stack running on Redis {url} (REDIS_URL for other commands); HTTP ingest "
            f"on http://{settings.ingest_host}:{settings.ingest_port}/articles; logs in "
            f"{log_dir} (`claimwatch logs NAME`); `claimwatch status` shows it; "
            "Ctrl-C stops it[/dim]"
        )
        try:
            if feeder is not None:
                _process_feed(url, settings, feeder, 300.0, as_json)
            client = connect(url)
            since = last_id(client, streams.alerts)
            for alert in follow_alerts(client, streams, since, on_idle=stack.check_alive):
                _show(alert, as_json)
        except KeyboardInterrupt:
            err.print("[dim]stopping[/dim]")
        finally:
            stack.stop()


def ingest(path: Annotated[str, typer.Argument(help="JSON-lines file, or - for stdin")]) -> None:
    """Publish articles (one JSON object per line) to a running stack (needs REDIS_URL).

    Prints what happened to each line and the counts; exits 1 when any line was rejected
    (rejected lines are on the dead-letter stream with their reason)."""
    lines = _read(path)
    settings = load_settings()
    url = redis_url(settings)
    connect(url).close()
    report = publish_lines(url, lines, settings)
    _print_results(report, every_line=True)
    console.print(summary_line(report))
    if report.rejected:
        raise typer.Exit(1)


def tail(
    from_start: Annotated[bool, typer.Option(help="Show alerts already on the stream")] = False,
    as_json: JsonOption = False,
) -> None:
    """Follow the alert stream of a running stack (needs REDIS_URL) until Ctrl-C."""
    settings = load_settings()
    streams = Streams.of(settings)
    client = connect(redis_url(settings))
    since = "0-0" if from_start else last_id(client, streams.alerts)
    with contextlib.suppress(KeyboardInterrupt):
        for alert in follow_alerts(client, streams, since):
            _show(alert, as_json)


def service(
    name: Annotated[str, typer.Argument(help="One of: " + ", ".join(SERVICE_MODULES))],
) -> None:
    """Run one service in the foreground (what each compose container does)."""
    if name not in SERVICE_MODULES:
        raise UserError(f"unknown service {name!r}; one of: {', '.join(SERVICE_MODULES)}")
    settings = load_settings()
    redis_url(settings)
    module = importlib.import_module(f"{SERVICE_MODULES[name]}.main")
    raise typer.Exit(module.main() or 0)

