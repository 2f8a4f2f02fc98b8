"""`claimwatch sources add/list/remove/import/export`: what the poller reads (needs
REDIS_URL; stored in Redis, shared/sources.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.table import Table

from claimwatch.console import UserError, console, load_settings, readable_file, redis_for
from claimwatch.sourcing import SourceListError, read_source_list, to_opml
from shared.connections import async_redis
from shared.errors import validation_text
from shared.sources import Source, SourceStore, parse_every
from shared.streams import Streams

sources_app = typer.Typer(
    help="Feeds and pages the poller reads (stored in Redis; needs REDIS_URL).",
    no_args_is_help=True,
)
T = TypeVar("T")


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")


def _with_store(work: Callable[[SourceStore], Awaitable[T]]) -> T:
    settings = load_settings()

    async def go(url: str) -> T:
        client = async_redis(url)
        try:
            return await work(SourceStore(client, Streams.of(settings)))
        finally:
            await client.aclose()

    # Without REDIS_URL: the local Redis of `claimwatch run` (started for the command if it
    # is not running), so `sources add` then `claimwatch run` works on a laptop.
    with redis_for(settings, keep=True) as url:
        return asyncio.run(go(url))


def _every(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return parse_every(text)
    except ValueError as exc:
        raise UserError(str(exc)) from None


@sources_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="An RSS/Atom feed URL, or a page URL")],
    name: Annotated[str | None, typer.Option(help="Source name (default: the feed's title)")] = (
        None
    ),
    every: Annotated[str, typer.Option(help="How often to poll: 10m, 1h, ... (at least 1m)")] = (
        "10m"
    ),
    kind: Annotated[str, typer.Option(help="auto (feed, else page), feed, or page")] = "auto",
) -> None:
    """Add (or update) a source; it is polled at once, then every --every."""
    try:
        source = Source(url=url, name=name, every_s=_every(every), kind=kind)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise UserError(f"invalid source: {validation_text(exc)}") from None
    new = _with_store(lambda store: store.add(source))
    console.print(f"{'added' if new else 'updated'} {source.id} {source.url}")


@sources_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="OPML, or a text file of URLs one a line")],
    every: Annotated[str | None, typer.Option(help="Poll interval for all of them")] = None,
) -> None:
    """Add every source of an OPML file or URL list."""
    try:
        sources = read_source_list(readable_file(path), _every(every))
    except SourceListError as exc:
        raise UserError(str(exc)) from None

    async def work(store: SourceStore) -> int:
        return sum([await store.add(s) for s in sources])

    new = _with_store(work)
    console.print(f"imported {len(sources)} sources ({new} new) from {path}")


@sources_app.command("remove")
def remove(ref: Annotated[str, typer.Argument(help="Source id (src_…) or URL")]) -> None:
    """Stop polling a source and forget its state."""
    gone = _with_store(lambda store: store.remove(ref))
    if gone is None:
        raise UserError(f"no such source: {ref} (see `claimwatch sources list`)")
    console.print(f"removed {gone.id} {gone.url}")


@sources_app.command("export")
def export() -> None:
    """Every source as OPML on stdout (`sources import` reads it back)."""
    print(to_opml(_with_store(lambda store: store.all())))


def _rows(store: SourceStore) -> Awaitable[list[dict[str, Any]]]:
    async def go() -> list[dict[str, Any]]:
        rows = []
        for source in await store.all():
            state = await store.state(source.id)
            rows.append({"id": source.id, **source.model_dump(mode="json"),
                         **state.model_dump(mode="json", exclude={"etag", "last_modified"})})
        return rows

    return go()


def _ago(value: str | None) -> str:
    if not value:
        return "never"
    delta = (datetime.fromisoformat(value) - datetime.now(UTC)).total_seconds()
    return f"in {delta:.0f}s" if delta > 0 else f"{-delta:.0f}s ago"


@sources_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """Sources with their last fetch, status, error, next poll and items seen."""
    rows = _with_store(_rows)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table("id", "url", "name", "every", "last fetch", "status", "next poll", "items",
                  "last error")
    for r in rows:
        table.add_row(
            r["id"], r["url"], r["name"] or r["feed_title"] or "", f"{r['every_s'] // 60}m",
            _ago(r["last_fetch_at"]), str(r["last_status"] or ""),
            r["disabled"] or _ago(r["next_poll_at"]), str(r["items_seen"]), r["last_error"] or "",
        )
    console.print(table)
