"""`claimwatch subscriptions ...` and `claimwatch deadletters ...` (need REDIS_URL): where
alerts go, and what could not be processed (claimwatch/deadletters.py replays it)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr, ValidationError
from rich.table import Table

from claimwatch.console import UserError, connect, console, err, load_settings, redis_url
from claimwatch.deadletters import read_dead_letters, replay, select, wait_settled
from claimwatch.follow import last_id
from claimwatch.samples import describe_filters, parse_period, resolve_region, send_sample
from shared.channels import is_webhook_url, plugin_for, scrub
from shared.connections import async_redis
from shared.domain.alerts import Severity
from shared.errors import validation_text
from shared.settings import Settings
from shared.streams import Streams
from shared.webhooks import (
    ForbiddenTarget,
    Subscription,
    SubscriptionStore,
    generate_secret,
    validate_secret,
)

subscriptions_app = typer.Typer(
    help="Subscriptions: webhooks and Apprise targets (stored in Redis; needs REDIS_URL).",
    no_args_is_help=True,
)
deadletters_app = typer.Typer(
    help="Inspect and replay the dead-letter stream (needs REDIS_URL).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(subscriptions_app, name="subscriptions")
    app.add_typer(deadletters_app, name="deadletters")


def _store_call(settings: Settings, method: str, *args: Any) -> Any:
    connect(redis_url(settings)).close()

    async def go() -> Any:
        client = async_redis(redis_url(settings))
        try:
            store = SubscriptionStore(client, Streams.of(settings), settings)
            return await getattr(store, method)(*args)
        finally:
            await client.aclose()

    return asyncio.run(go())


@subscriptions_app.command("add")
def subscriptions_add(
    url: Annotated[
        str,
        typer.Argument(
            help="http(s) Standard Webhooks URL, or an Apprise URL (slack://, mailto://, "
            "tgram://, msteams://, discord://, ntfy://, matrix://, json://, form://...)"
        ),
    ],
    sub_id: Annotated[str, typer.Option("--id", help="Subscription id (letters, digits, -_.)")],
    secret: Annotated[
        str | None,
        typer.Option(
            envvar="CLAIMWATCH_SUBSCRIPTION_SECRET",
            help="Webhooks: whsec_... secret (default: generate one, shown once or written "
            "to --secret-file)",
            show_default=False,
        ),
    ] = None,
    secret_file: Annotated[
        Path | None, typer.Option(help="Where a generated secret is written (mode 0600)")
    ] = None,
    kind: Annotated[list[str] | None, typer.Option(help="Only these alert kinds")] = None,
    min_severity: Annotated[Severity, typer.Option(help="Only alerts at least this severe")] = (
        Severity.LOW
    ),
    entity: Annotated[
        list[str] | None, typer.Option(help="Only alerts about these entities (id or name)")
    ] = None,
    source: Annotated[list[str] | None, typer.Option(help="Only alerts citing this source")] = (
        None
    ),
    region: Annotated[
        list[str] | None,
        typer.Option(help="Only alerts about places inside this region (name or geo: id)"),
    ] = None,
    digest: Annotated[
        str | None, typer.Option(help="One message per period instead (30m, 1h, 90s)")
    ] = None,
    grouped: Annotated[
        bool, typer.Option(help="Webhooks: one delivery per pair of articles (alert_group)")
    ] = False,
) -> None:
    """Add or replace a subscription. A secret you pass is never printed; a generated one is
    shown once (or written to --secret-file) and never again. Apprise URLs are shown masked."""
    settings = load_settings()
    webhook = is_webhook_url(url)
    generated = webhook and secret is None
    value = (secret or generate_secret()) if webhook else ""
    try:
        if webhook:
            validate_secret(value)
        else:
            plugin_for(url)
        sub = Subscription(
            id=sub_id,
            url=url,
            secret=SecretStr(value),
            kinds=kind or [],
            min_severity=min_severity,
            entity_ids=entity or [],
            sources=source or [],
            regions=[resolve_region(r) for r in region or []],
            digest_s=parse_period(digest) if digest else 0,
            grouped=grouped,
        )
    except ValidationError as exc:
        raise UserError(f"invalid subscription: {validation_text(exc)}") from None
    except ValueError as exc:
        raise UserError(f"invalid subscription: {exc}") from None
    try:
        _store_call(settings, "add", sub)
    except ForbiddenTarget as exc:
        raise UserError(f"refused: {scrub(str(exc), url)}") from None
    typer.echo(json.dumps(sub.public()))
    if generated:
        _hand_over(value, secret_file)


def _hand_over(secret: str, path: Path | None) -> None:
    """A generated secret goes to the user once: into the file they named, else to stdout
    (never into the working directory, which may not be theirs or writable)."""
    if path is None:
        err.print("generated secret (shown once; give it to the receiver):")
        typer.echo(secret)
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret + "\n")
        os.chmod(path, 0o600)
    except OSError as exc:
        raise UserError(f"cannot write the secret to {path}: {exc.strerror or exc}") from None
    err.print(f"generated secret written to {path} (mode 0600)")


@subscriptions_app.command("list")
def subscriptions_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """Every subscription (secrets masked), with the ones disabled by a 410."""
    settings = load_settings()
    subs: list[Subscription] = _store_call(settings, "all")
    disabled: dict[str, str] = _store_call(settings, "disabled")
    if as_json:
        for sub in subs:
            typer.echo(json.dumps({**sub.public(), "disabled": disabled.get(sub.id)}))
        return
    table = Table("id", "target", "secret", "filters", "digest", "state")
    for sub in subs:
        table.add_row(
            sub.id,
            sub.shown_url(),
            sub.public()["secret"] or "-",
            describe_filters(sub),
            f"{sub.digest_s}s" if sub.digest_s else ("per story" if sub.batched else "per alert"),
            f"disabled: {disabled[sub.id]}" if sub.id in disabled else "active",
        )
    console.print(table)


@subscriptions_app.command("test")
def subscriptions_test(sub_id: Annotated[str, typer.Argument(help="Subscription id")]) -> None:
    """Send a sample notification to the subscription's target now (the delivery path's own
    check and attempt, no queue) and print what the target answered; exit 1 on failure."""
    settings = load_settings()
    subs: list[Subscription] = _store_call(settings, "all")
    sub = next((s for s in subs if s.id == sub_id), None)
    if sub is None:
        raise UserError(f"no subscription {sub_id!r} (see `subscriptions list`)")
    outcome = asyncio.run(send_sample(sub, settings))
    answer = f"HTTP {outcome.status}" if outcome.status else outcome.reason
    line = f"{sub.id} ({sub.shown_url()}): {answer}"
    if outcome.detail:
        line += f" — {outcome.detail[:300]}"
    if outcome.kind != "delivered":
        err.print(f"[red]failed[/red]: {line}")
        raise typer.Exit(1)
    console.print(f"[green]delivered[/green]: {line}", highlight=False)


@subscriptions_app.command("remove")
def subscriptions_remove(sub_id: Annotated[str, typer.Argument(help="Subscription id")]) -> None:
    """Delete a stored subscription (the env default is removed by unsetting its env vars)."""
    if not _store_call(load_settings(), "remove", sub_id):
        err.print(f"no stored subscription {sub_id!r}")
        raise typer.Exit(1)
    console.print(f"removed {sub_id}")


@subscriptions_app.command("enable")
def subscriptions_enable(sub_id: Annotated[str, typer.Argument(help="Subscription id")]) -> None:
    """Re-enable a subscription that a 410 Gone disabled."""
    if not _store_call(load_settings(), "enable", sub_id):
        err.print(f"{sub_id!r} was not disabled")
        raise typer.Exit(1)
    console.print(f"enabled {sub_id}")


# --- dead letters -----------------------------------------------------------------------


@deadletters_app.command("list")
def deadletters_list(
    reason: Annotated[str | None, typer.Option(help="Only this reason")] = None,
    service: Annotated[str | None, typer.Option(help="Only from this service")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many (newest)")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """Dead letters with their entry id (what `replay` takes), reason, error and origin;
    counts per reason at the end."""
    settings = load_settings()
    client = connect(redis_url(settings))
    letters = select(read_dead_letters(client, Streams.of(settings)), None, reason,
                     service)
    client.close()
    shown = letters[-limit:] if limit > 0 else letters
    if as_json:
        for entry_id, letter in shown:
            typer.echo(json.dumps({"entry_id": entry_id, **letter.model_dump(mode="json")}))
        return
    table = Table()
    # The entry id is what `replay` needs whole: a column that never wraps or shrinks.
    table.add_column("entry", no_wrap=True, min_width=max((len(e) for e, _ in shown), default=5))
    for header in ("failed at", "service", "reason", "tries", "stream", "error"):
        table.add_column(header)
    for entry_id, letter in shown:
        table.add_row(
            entry_id,
            f"{letter.failed_at:%Y-%m-%d %H:%M:%S}",
            letter.service,
            letter.reason,
            str(letter.attempts),
            letter.stream,
            letter.error[:80],
        )
    console.print(table)
    counts: dict[str, int] = {}
    for _entry, letter in letters:
        counts[letter.reason] = counts.get(letter.reason, 0) + 1
    console.print(
        f"{len(letters)} dead letters: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    )


@deadletters_app.command("replay")
def deadletters_replay(
    entry_ids: Annotated[list[str] | None, typer.Argument(help="Entry ids (see list)")] = None,
    reason: Annotated[str | None, typer.Option(help="Every dead letter with this reason")] = None,
    service: Annotated[str | None, typer.Option(help="Every dead letter of this service")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dead letter")] = False,
    keep: Annotated[bool, typer.Option(help="Keep the entries on the dead-letter stream")] = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for replayed messages to be processed")
    ] = 30.0,
) -> None:
    """Publish dead letters again to the stream they failed on (webhook deliveries to their
    subscription's queue; ingestor rejections through the ingestor's checks), delete them
    from the dead-letter stream, and report which failed again (exit 1 if any did)."""
    if not (entry_ids or reason or service or all_):
        raise UserError("say which: entry ids, --reason, --service or --all")
    settings = load_settings()
    url = redis_url(settings)
    client = connect(url)
    streams = Streams.of(settings)
    selected = select(read_dead_letters(client, streams), entry_ids, reason, service)
    unknown = sorted(set(entry_ids or []) - {entry_id for entry_id, _ in selected})
    if unknown:
        raise UserError(f"no such dead letter: {', '.join(unknown)} (see `deadletters list`)")
    since = last_id(client, streams.deadletter)
    result = asyncio.run(replay(url, settings, selected, keep))
    wait_settled(client, streams, result, since, wait)
    client.close()
    for old, why, error in result.failed:
        err.print(f"{old}: [red]failed again[/red] ({why}): {error[:200]}")
    for old in result.unsettled:
        err.print(f"{old}: not processed within {wait:.0f}s (still queued)")
    console.print(
        f"replayed {len(selected)}: processed {result.settled}, failed again "
        f"{len(result.failed)}, still queued {len(result.unsettled)}"
    )
    if result.failed or result.unsettled:
        raise typer.Exit(1)
