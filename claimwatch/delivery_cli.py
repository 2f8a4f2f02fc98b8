"""`claimwatch subscriptions ...`, `claimwatch deadletters ...` and `claimwatch chaos`.

Registered in claimwatch/cli.py. The first two need REDIS_URL (a running stack); `chaos`
starts its own embedded Redis and services.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import redis
import typer
from faststream.redis import RedisBroker
from pydantic import SecretStr, ValidationError
from redis.asyncio import Redis as AsyncRedis
from rich.console import Console
from rich.table import Table

from shared.domain.alerts import Severity
from shared.events import DeadLetter
from shared.settings import Settings, get_settings
from shared.streams import Streams, entry_body
from shared.webhooks import (
    ForbiddenTarget,
    Subscription,
    SubscriptionStore,
    generate_secret,
    validate_secret,
)

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

subscriptions_app = typer.Typer(
    help="Webhook subscriptions (stored in Redis; needs REDIS_URL).", no_args_is_help=True
)
deadletters_app = typer.Typer(
    help="Inspect and replay the dead-letter stream (needs REDIS_URL).", no_args_is_help=True
)


def _store_call(settings: Settings, method: str, *args: Any) -> Any:
    async def go() -> Any:
        client = AsyncRedis.from_url(settings.effective_redis_url)
        try:
            store = SubscriptionStore(client, Streams(settings.stream_prefix), settings)
            return await getattr(store, method)(*args)
        finally:
            await client.aclose()

    return asyncio.run(go())


@subscriptions_app.command("add")
def subscriptions_add(
    url: Annotated[str, typer.Argument(help="Where alerts are POSTed (http or https)")],
    sub_id: Annotated[str, typer.Option("--id", help="Subscription id (letters, digits, -_.)")],
    secret: Annotated[
        str | None,
        typer.Option(
            envvar="CLAIMWATCH_SUBSCRIPTION_SECRET",
            help="whsec_... secret (default: generate one and write it to --secret-file)",
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
    entity: Annotated[list[str] | None, typer.Option(help="Only alerts about these ids")] = None,
) -> None:
    """Add or replace a subscription. The secret is never printed in full."""
    settings = get_settings()
    generated = secret is None
    value = secret or generate_secret()
    try:
        validate_secret(value)
        sub = Subscription(
            id=sub_id,
            url=url,
            secret=SecretStr(value),
            kinds=kind or [],
            min_severity=min_severity,
            entity_ids=entity or [],
        )
    except (ValueError, ValidationError) as exc:
        err.print(f"[red]invalid subscription[/red]: {exc}")
        raise typer.Exit(2) from exc
    if generated:
        path = secret_file or Path(f"{sub_id}.whsec")
        path.touch(mode=0o600, exist_ok=True)
        os.chmod(path, 0o600)
        path.write_text(value + "\n")
        err.print(f"generated a secret; it is in {path} (give it to the receiver)")
    try:
        _store_call(settings, "add", sub)
    except ForbiddenTarget as exc:
        err.print(f"[red]refused[/red]: {exc}")
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(sub.public()))


@subscriptions_app.command("list")
def subscriptions_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """Every subscription (secrets masked), with the ones disabled by a 410."""
    settings = get_settings()
    subs: list[Subscription] = _store_call(settings, "all")
    disabled: dict[str, str] = _store_call(settings, "disabled")
    if as_json:
        for sub in subs:
            typer.echo(json.dumps({**sub.public(), "disabled": disabled.get(sub.id)}))
        return
    table = Table("id", "url", "secret", "kinds", "min severity", "entities", "state")
    for sub in subs:
        table.add_row(
            sub.id,
            sub.url,
            sub.public()["secret"],
            ",".join(sub.kinds) or "all",
            sub.min_severity.value,
            ",".join(sub.entity_ids) or "all",
            f"disabled: {disabled[sub.id]}" if sub.id in disabled else "active",
        )
    console.print(table)


@subscriptions_app.command("remove")
def subscriptions_remove(sub_id: Annotated[str, typer.Argument(help="Subscription id")]) -> None:
    """Delete a stored subscription (the env default is removed by unsetting its env vars)."""
    if not _store_call(get_settings(), "remove", sub_id):
        err.print(f"no stored subscription {sub_id!r}")
        raise typer.Exit(1)
    console.print(f"removed {sub_id}")


@subscriptions_app.command("enable")
def subscriptions_enable(sub_id: Annotated[str, typer.Argument(help="Subscription id")]) -> None:
    """Re-enable a subscription that a 410 Gone disabled."""
    if not _store_call(get_settings(), "enable", sub_id):
        err.print(f"{sub_id!r} was not disabled")
        raise typer.Exit(1)
    console.print(f"enabled {sub_id}")


# --- dead letters -----------------------------------------------------------------------


def read_dead_letters(client: redis.Redis, streams: Streams) -> list[tuple[str, DeadLetter]]:
    """Every dead letter still on the stream, oldest first, with its entry id."""
    out: list[tuple[str, DeadLetter]] = []
    entries: Any = client.xrange(streams.deadletter)
    for entry_id, fields in entries:
        body = entry_body(fields)
        try:
            letter = DeadLetter.model_validate(body)
        except ValidationError:
            continue
        out.append((entry_id.decode(), letter))
    return out


def _select(
    letters: list[tuple[str, DeadLetter]],
    ids: list[str] | None,
    reason: str | None,
    service: str | None,
) -> list[tuple[str, DeadLetter]]:
    return [
        (entry_id, letter)
        for entry_id, letter in letters
        if (not ids or entry_id in ids)
        and (reason is None or letter.reason == reason or letter.reason.startswith(reason + ":"))
        and (service is None or letter.service == service)
    ]


@deadletters_app.command("list")
def deadletters_list(
    reason: Annotated[str | None, typer.Option(help="Only this reason")] = None,
    service: Annotated[str | None, typer.Option(help="Only from this service")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many (newest)")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """Dead letters with their reason, error and origin; counts per reason at the end."""
    settings = get_settings()
    client = redis.Redis.from_url(settings.effective_redis_url)
    letters = _select(
        read_dead_letters(client, Streams(settings.stream_prefix)), None, reason, service
    )
    client.close()
    shown = letters[-limit:] if limit > 0 else letters
    if as_json:
        for entry_id, letter in shown:
            typer.echo(json.dumps({"entry_id": entry_id, **letter.model_dump(mode="json")}))
        return
    table = Table("entry", "failed at", "service", "reason", "tries", "stream", "error")
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


async def replay_letters(
    url: str, settings: Settings, selected: list[tuple[str, DeadLetter]], keep: bool
) -> int:
    """Put each selected message back where it failed; returns how many were replayed."""
    from shared.ingest import publish_articles

    streams = Streams(settings.stream_prefix)
    broker = RedisBroker(url)
    await broker.connect()
    client = AsyncRedis.from_url(url)
    replayed = 0
    try:
        for entry_id, letter in selected:
            if letter.service == "ingestor":
                await publish_articles(broker, [letter.payload], settings)
            elif letter.stream.startswith(streams.key("webhook") + ":"):
                fields = json.loads(letter.payload)
                await client.xadd(letter.stream, fields)
            else:
                body: Any
                try:
                    body = json.loads(letter.payload)
                except ValueError:
                    body = letter.payload.encode()
                await broker.publish(body, stream=letter.stream, maxlen=settings.stream_maxlen)
            if not keep:
                await client.xdel(streams.deadletter, entry_id)
            replayed += 1
    finally:
        await client.aclose()
        await broker.stop()
    return replayed


@deadletters_app.command("replay")
def deadletters_replay(
    entry_ids: Annotated[list[str] | None, typer.Argument(help="Entry ids (see list)")] = None,
    reason: Annotated[str | None, typer.Option(help="Every dead letter with this reason")] = None,
    service: Annotated[str | None, typer.Option(help="Every dead letter of this service")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dead letter")] = False,
    keep: Annotated[bool, typer.Option(help="Keep the entries on the dead-letter stream")] = False,
) -> None:
    """Publish dead letters again to the stream they failed on (webhook deliveries to their
    subscription's queue; ingestor rejections through the ingestor's checks), then delete
    them from the dead-letter stream. A message that fails again comes back as a new one."""
    if not (entry_ids or reason or service or all_):
        err.print("say which: entry ids, --reason, --service or --all")
        raise typer.Exit(2)
    settings = get_settings()
    url = settings.effective_redis_url
    client = redis.Redis.from_url(url)
    selected = _select(
        read_dead_letters(client, Streams(settings.stream_prefix)), entry_ids, reason, service
    )
    client.close()
    count = asyncio.run(replay_letters(url, settings, selected, keep))
    console.print(f"replayed {count} dead letters")


# --- chaos ------------------------------------------------------------------------------


def chaos(
    articles: Annotated[int, typer.Option(help="Articles in the worker-kill scenario")] = 500,
    scenario: Annotated[
        list[str] | None,
        typer.Option(help="kill, redis, webhook, bad-input (default: all)"),
    ] = None,
    log_dir: Annotated[Path | None, typer.Option(help="Keep service logs here")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds each scenario may take")] = 600.0,
) -> None:
    """Crash, restart and bad-input scenarios on an embedded Redis and real service
    processes; prints a table and, on the last line, one JSON object with the figures."""
    from claimwatch.chaos import run_chaos

    started = datetime.now()
    summary = run_chaos(
        articles=articles,
        scenarios=scenario or ["kill", "redis", "webhook", "bad-input"],
        log_dir=log_dir,
        timeout_s=timeout,
        console=err,
    )
    summary["seconds"] = round((datetime.now() - started).total_seconds(), 1)
    print(json.dumps(summary))
    if summary.get("lost") or summary.get("duplicate_claims") or summary.get("duplicate_alerts"):
        raise typer.Exit(1)
    if summary.get("bad_inputs") != summary.get("bad_inputs_dead_lettered"):
        raise typer.Exit(1)
