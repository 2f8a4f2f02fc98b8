"""`claimwatch subscriptions` and `claimwatch deadletters` against a real Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from faststream.redis import RedisBroker
from typer.testing import CliRunner

from claimwatch.chaos import stream_entries
from claimwatch.cli import app
from claimwatch.console import UserError
from shared.events import DeadLetter
from shared.settings import get_settings
from shared.streams import Streams, entry_body
from shared.webhooks import generate_secret

runner = CliRunner()


@pytest.fixture
def env(redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("CLAIMWATCH_STREAM_PREFIX", prefix)
    monkeypatch.setenv("CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE", "false")
    monkeypatch.delenv("CLAIMWATCH_WEBHOOK_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_subscriptions_add_list_remove_never_show_the_secret(
    env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = generate_secret()
    refused = runner.invoke(
        app, ["subscriptions", "add", "http://127.0.0.1:9/h", "--id", "local", "--secret", secret]
    )
    assert isinstance(refused.exception, UserError) and "private" in str(refused.exception)
    monkeypatch.setenv("CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    added = runner.invoke(
        app,
        [
            "subscriptions",
            "add",
            "http://127.0.0.1:9/h",
            "--id",
            "local",
            "--secret",
            secret,
            "--kind",
            "location",
            "--min-severity",
            "medium",
        ],
    )
    assert added.exit_code == 0, added.output
    secret_file = tmp_path / "gen.whsec"
    generated = runner.invoke(
        app,
        [
            "subscriptions",
            "add",
            "http://127.0.0.1:9/g",
            "--id",
            "gen",
            "--secret-file",
            str(secret_file),
        ],
    )
    assert generated.exit_code == 0, generated.output
    written = secret_file.read_text().strip()
    assert written.startswith("whsec_") and written not in generated.output
    listed = runner.invoke(app, ["subscriptions", "list", "--json"])
    assert listed.exit_code == 0
    assert secret not in listed.output and written not in listed.output
    rows = [json.loads(line) for line in listed.output.splitlines() if line.startswith("{")]
    assert {r["id"] for r in rows} == {"local", "gen"}
    assert next(r for r in rows if r["id"] == "local")["kinds"] == ["location"]
    assert runner.invoke(app, ["subscriptions", "remove", "gen"]).exit_code == 0
    assert runner.invoke(app, ["subscriptions", "remove", "gen"]).exit_code == 1


def test_a_generated_secret_is_shown_once_and_never_written_to_the_working_directory(
    env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE", "true")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    added = runner.invoke(app, ["subscriptions", "add", "http://127.0.0.1:9/g", "--id", "once"])
    assert added.exit_code == 0, added.output
    shown = [line for line in added.stdout.splitlines() if line.startswith("whsec_")]
    assert len(shown) == 1 and list(tmp_path.iterdir()) == []
    listed = runner.invoke(app, ["subscriptions", "list", "--json"])
    assert shown[0] not in listed.output


def test_deadletters_list_and_replay(
    env: None, prefix: str, client: redis.Redis, tmp_path: Path
) -> None:
    streams = Streams(prefix)
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"broken\n{"source": "x", "text": "hi", "published_at": "yesterday"}\n')
    result = runner.invoke(app, ["ingest", str(feed)])
    # rejected lines: said once each, counted, and the exit code is not 0
    assert result.exit_code == 1, result.output
    assert result.output.count("invalid_json") == 2  # the line's outcome and the count
    assert "published 0, duplicates 0, rejected 2" in result.output
    listed = runner.invoke(app, ["deadletters", "list"])
    assert "invalid_json" in listed.output and "2 dead letters" in listed.output
    ids = [json.loads(r)["entry_id"] for r in
           runner.invoke(app, ["deadletters", "list", "--json"]).output.splitlines()]
    assert all(entry_id in listed.output for entry_id in ids)  # whole, as replay needs them
    # a line that is still invalid fails again: reported, and the exit code says so
    again = runner.invoke(app, ["deadletters", "replay", ids[0]])
    assert again.exit_code == 1 and "failed again" in again.output, again.output
    # a worker's dead letter is replayed onto the stream it failed on
    client.xadd(streams.deadletter, {"junk": "1"})  # foreign junk is skipped
    letter = DeadLetter(
        service="claim-worker",
        stream=streams.entities,
        message_id="1-0",
        error="boom",
        reason="max_deliveries",
        payload='{"a": 1}',
        attempts=5,
    )

    async def publish() -> None:
        broker = RedisBroker(get_settings().effective_redis_url)
        await broker.connect()
        await broker.publish(letter, stream=streams.deadletter)
        await broker.stop()

    asyncio.run(publish())
    replay = runner.invoke(
        app, ["deadletters", "replay", "--reason", "max_deliveries", "--wait", "1"]
    )
    # no claim worker runs here: the message is back on its stream, not yet processed
    assert replay.exit_code == 1 and "still queued 1" in replay.output, replay.output
    (entry,) = stream_entries(client, streams.entities)
    assert entry_body(entry[1]) == {"a": 1}
    remaining = runner.invoke(app, ["deadletters", "list", "--json"])
    assert "max_deliveries" not in remaining.output
