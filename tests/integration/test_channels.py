"""Apprise targets on a real Redis with real receivers on 127.0.0.1 (json:// over HTTP,
mailto:// to an aiosmtpd server): grouping per pair of articles, once per alert id, digests,
retries, dead letters and replay, the test message, and masked secrets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis
import structlog
from structlog.testing import LogCapture
from typer.testing import CliRunner

from claimwatch.cli import app as cli
from claimwatch.deadletters import read_dead_letters, replay
from services.notifier import delivery
from services.notifier.delivery import queue_alert
from shared.batches import due_key
from shared.domain.alerts import AlertKind, Severity
from shared.settings import Settings, get_settings
from shared.streams import Streams, entry_body
from shared.webhooks import Subscription, delivery_stream
from tests.support.alerts import PARIS, RUSSIA, UA, alert
from tests.support.notifier import NotifierHarness, wait_until
from tests.support.receivers import HttpReceiver, SmtpReceiver


def settings_for(redis_url: str, prefix: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "redis_url": redis_url, "stream_prefix": prefix, "consumer_name": "notifier-test",
        "webhook_allow_private": True, "webhook_backoff_base_s": 0.05,
        "webhook_backoff_max_s": 0.2, "webhook_timeout_s": 2.0, "webhook_max_attempts": 4,
        "claim_idle_ms": 2_000, "notify_settle_s": 0.5, **extra,
    }  # fmt: skip
    return Settings(**values)


class Notifier(NotifierHarness):
    async def send(self, sub: Subscription, *alerts: Any) -> list[bool]:
        """As the notifier's alert handler does: filter, then queue or hold."""
        return [
            await queue_alert(self.redis, self.streams, self.settings, sub, a)
            for a in alerts
            if sub.wants(a)
        ]


@pytest.fixture
async def http_receivers() -> AsyncIterator[list[HttpReceiver]]:
    made: list[HttpReceiver] = []
    yield made
    for r in made:
        r.stop()


@contextlib.contextmanager
def captured_logs() -> Iterator[list[dict[str, Any]]]:
    """The notifier's structlog events, whatever an earlier test configured (a level filter,
    loggers cached on first use)."""
    capture = LogCapture()
    old = structlog.get_config()
    structlog.configure(processors=[capture], cache_logger_on_first_use=False,
                        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    saved, delivery.log = delivery.log, structlog.get_logger("notifier")
    try:
        yield capture.entries
    finally:
        delivery.log = saved
        structlog.configure(**old)


def letters(client: redis.Redis, streams: Streams) -> list[Any]:
    return [entry_body(fields) for _id, fields in client.xrange(streams.deadletter)]


async def test_one_message_per_pair_of_articles_once_per_alert_id(
    redis_url: str, prefix: str, client: redis.Redis, http_receivers: list[HttpReceiver]
) -> None:
    rec = HttpReceiver()
    http_receivers.append(rec)
    settings = settings_for(redis_url, prefix, public_url="https://desk.example")
    three = [alert(kind=k) for k in (AlertKind.LOCATION, AlertKind.CONTROL, AlertKind.STATUS)]
    three = [a.model_copy(update={"id": f"alr_point{i}"}) for i, a in enumerate(three)]
    other = alert(new_article="art_other", old_article="art_old2")
    async with Notifier(settings) as n:
        sub = await n.add("desk", rec.json_url())
        assert sub.target == "apprise" and sub.batched
        await n.manager.start()
        assert await n.send(sub, *three, other) == [True] * 4
        assert await n.send(sub, *three) == [False] * 3  # held once per (alert, subscription)
        assert await wait_until(lambda: len(rec.posts) == 2)
        # a replayed or re-claimed job of an already delivered group sends nothing
        stream = delivery_stream(n.streams, "desk")
        _id, fields = client.xrange(stream)[0]
        client.xadd(stream, fields)
        await asyncio.sleep(2.0)
    assert len(rec.posts) == 2
    grouped = next(m for m in rec.messages() if "3 points" in m["title"])
    for a in three:
        assert a.id in grouped["message"]
        assert f"https://desk.example/alerts/{a.id}" in grouped["message"]
    assert "https://news.example/art_new" in grouped["message"]
    assert "Title of art_old" in grouped["message"]
    # messages() builds new dicts each call: pick the other one by its title, not identity
    single = next(m for m in rec.messages() if "3 points" not in m["title"])
    assert single["title"] == (
        "Contradiction · Sievierodonetsk: Luhansk Oblast vs Donetsk People's Republic"
    )


async def test_filters_kind_severity_region_source_entity(
    redis_url: str, prefix: str, http_receivers: list[HttpReceiver]
) -> None:
    receivers = {name: HttpReceiver() for name in ("kind", "sev", "region", "source", "entity")}
    http_receivers.extend(receivers.values())
    location = alert(new_article="a1", old_article="a0")
    role = alert(new_article="b1", old_article="b0", kind=AlertKind.ROLE, severity=Severity.LOW,
                 subject=PARIS, values=(RUSSIA, UA), sources=("Le Monde", "AFP"))  # fmt: skip
    async with Notifier(settings_for(redis_url, prefix)) as n:
        subs = [
            await n.add("kind", receivers["kind"].json_url(), kinds=["role"]),
            await n.add("sev", receivers["sev"].json_url(), min_severity=Severity.MEDIUM),
            await n.add("region", receivers["region"].json_url(), regions=["geo:702657"]),
            await n.add("source", receivers["source"].json_url(), sources=["afp"]),
            await n.add("entity", receivers["entity"].json_url(), entity_ids=["paris"]),
        ]
        await n.manager.start()
        for sub in subs:
            await n.send(sub, location, role)
        assert await wait_until(lambda: all(len(r.posts) == 1 for r in receivers.values()))
        await asyncio.sleep(1.5)
    titles = {name: [m["title"] for m in r.messages()] for name, r in receivers.items()}
    assert all(len(t) == 1 for t in titles.values()), titles
    for name in ("kind", "source", "entity"):
        assert "Paris" in titles[name][0], (name, titles)
    for name in ("sev", "region"):  # Sievierodonetsk lies in Luhansk Oblast
        assert "Sievierodonetsk" in titles[name][0], (name, titles)


async def test_digest_holds_alerts_in_redis_until_the_period_ends(
    redis_url: str, prefix: str, client: redis.Redis, http_receivers: list[HttpReceiver]
) -> None:
    rec = HttpReceiver()
    http_receivers.append(rec)
    settings = settings_for(redis_url, prefix)
    stories = [alert(), alert(kind=AlertKind.CONTROL).model_copy(update={"id": "alr_p2"}),
               alert(new_article="c1", old_article="c0")]  # fmt: skip
    async with Notifier(settings) as n:
        sub = await n.add("digest", rec.json_url(), digest_s=3)
        await n.send(sub, *stories)
    # no notifier running (as after a crash): the alerts wait in Redis
    assert client.zcard(due_key(Streams(prefix), "digest")) == 1
    async with Notifier(settings) as n:
        await n.manager.start()
        assert await wait_until(lambda: len(rec.posts) == 1, 10)
        await asyncio.sleep(1.0)
    (message,) = rec.messages()
    assert message["title"].startswith("claimwatch digest (3 s) · 3 alerts in 2 stories")
    assert all(a.id in message["message"] for a in stories)


async def test_email_retries_a_refusing_smtp_server_and_sends_once(
    redis_url: str, prefix: str, client: redis.Redis
) -> None:
    smtp = SmtpReceiver(refuse_first=2)
    try:
        async with Notifier(settings_for(redis_url, prefix)) as n:
            sub = await n.add("mail", smtp.url)
            await n.manager.start()
            with captured_logs() as logs:
                await n.send(sub, alert())
                assert await wait_until(lambda: len(smtp.mails) == 1, 20)
                await asyncio.sleep(1.0)
        assert smtp.handler.refused == 2 and len(smtp.mails) == 1
        mail = smtp.mails[0]
        assert mail["subject"].startswith("Contradiction · Sievierodonetsk")
        html = mail.get_body(("html",)).get_content()
        assert "https://news.example/art_new" in html and "Title of art_old" in html
        retries = [e for e in logs if e["event"] == "delivery failed; retrying"]
        assert len(retries) == 2 and retries[0]["reason"] == "apprise_451"
        assert SmtpReceiver.PASSWORD not in json.dumps(logs, default=str)
        assert "cw:****@" in retries[0]["target"]
        assert letters(client, Streams(prefix)) == []
    finally:
        smtp.stop()


async def test_failing_apprise_target_is_dead_lettered_then_replayed(
    redis_url: str, prefix: str, client: redis.Redis, http_receivers: list[HttpReceiver]
) -> None:
    rec = HttpReceiver(fail_first=4, fail_status=503)
    http_receivers.append(rec)
    settings = settings_for(redis_url, prefix)
    streams = Streams(prefix)
    async with Notifier(settings) as n:
        sub = await n.add("flaky", rec.json_url())
        await n.manager.start()
        await n.send(sub, alert())
        assert await wait_until(lambda: len(letters(client, streams)) == 1, 20)
        (letter,) = letters(client, streams)
        assert letter["reason"] == "max_attempts:apprise_503" and letter["attempts"] == 4
        assert rec.posts == [] and rec.refused == 4
        selected = read_dead_letters(client, streams)
        await replay(redis_url, settings, selected, keep=False)
        assert await wait_until(lambda: len(rec.posts) == 1, 10)
        await asyncio.sleep(1.0)
    assert len(rec.posts) == 1 and letters(client, streams) == []


def test_subscriptions_cli_masks_secrets_and_sends_a_test_message(
    redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = HttpReceiver()
    refusing = HttpReceiver(fail_first=100, fail_status=500)
    smtp = SmtpReceiver()
    env = {"REDIS_URL": redis_url, "CLAIMWATCH_STREAM_PREFIX": prefix,
           "CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE": "true"}  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()  # the CLI reads settings once per process
    runner = CliRunner()
    token = "TIiajkdnlazkcOXrIdevi7FQ"
    try:
        for args in (
            [rec.json_url("hook"), "--id", "json", "--kind", "location"],
            [refusing.json_url(), "--id", "down"],
            [smtp.url, "--id", "mail", "--digest", "30m", "--region", "Luhansk Oblast"],
            [f"slack://T1JJ3T3L2/A1BRTD4JD/{token}/#general", "--id", "slack"],
        ):
            result = runner.invoke(cli, ["subscriptions", "add", *args])
            assert result.exit_code == 0, result.output
        listed = runner.invoke(cli, ["subscriptions", "list", "--json"])
        assert listed.exit_code == 0
        rows = {json.loads(line)["id"]: json.loads(line) for line in listed.stdout.splitlines()}
        assert SmtpReceiver.PASSWORD not in listed.stdout and token not in listed.stdout
        assert rows["mail"]["digest_s"] == 1800 and rows["mail"]["regions"] == ["geo:702657"]
        table = runner.invoke(cli, ["subscriptions", "list"], env={"COLUMNS": "250"})
        assert SmtpReceiver.PASSWORD not in table.stdout and token not in table.stdout

        ok = runner.invoke(cli, ["subscriptions", "test", "json"])
        assert ok.exit_code == 0, ok.output
        assert "delivered" in ok.output and "Sent JSON POST notification" in ok.output
        assert "TEST MESSAGE" in rec.messages()[0]["message"]
        mail = runner.invoke(cli, ["subscriptions", "test", "mail"])
        assert mail.exit_code == 0 and len(smtp.mails) == 1
        down = runner.invoke(cli, ["subscriptions", "test", "down"])
        assert down.exit_code == 1 and "500" in down.output
    finally:
        get_settings.cache_clear()
        rec.stop()
        refusing.stop()
        smtp.stop()
