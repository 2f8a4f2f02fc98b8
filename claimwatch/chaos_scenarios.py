"""The chaos scenarios on real processes and a real Redis (an embedded one, restartable, or
with `cluster=True` a local Redis Cluster of three primaries with a replica each): a worker
SIGKILLed mid-stream, Redis restarted mid-stream (on a cluster: a primary SIGKILLed and
replaced by its replica), a failing receiver with the notifier killed mid-delivery, and bad
inputs among good ones. Each returns a `Row`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from pydantic import SecretStr
from rich.console import Console

from claimwatch.chaos_checks import (
    Progress,
    dead_article_ids,
    integrity,
    match_bad_inputs,
    progress,
    stream_entries,
)
from claimwatch.chaos_inputs import (
    bad_ingest_inputs,
    publish_bad_stream_messages,
    publish_synthetic_alerts,
    synthetic_articles,
)
from claimwatch.chaos_receiver import Receiver, always, fail_first
from claimwatch.console import sample_feed
from claimwatch.embedded import EmbeddedRedis, free_port
from claimwatch.feeding import publish_lines
from claimwatch.localcluster import LocalCluster
from claimwatch.stack import Stack
from shared.connections import sync_redis
from shared.settings import Settings
from shared.streams import Streams
from shared.webhooks import Subscription, generate_secret, subscriptions_key

# Service settings for the scenarios: short idle time before a claimer takes over, quick
# webhook retries, and loopback receivers allowed.
SERVICE_ENV = {
    "CLAIMWATCH_CLAIM_IDLE_MS": "3000",
    "CLAIMWATCH_MAX_DELIVERIES": "5",
    "CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE": "true",
    "CLAIMWATCH_WEBHOOK_TIMEOUT_S": "1.0",
    "CLAIMWATCH_WEBHOOK_BACKOFF_BASE_S": "0.2",
    "CLAIMWATCH_WEBHOOK_BACKOFF_MAX_S": "1.0",
    "CLAIMWATCH_WEBHOOK_MAX_ATTEMPTS": "5",
    "CLAIMWATCH_ENVIRONMENT": "local",
}


def ingest(url: str, settings: Settings, lines: list[bytes]) -> list[str]:
    return publish_lines(url, lines, settings).published


class Supervisor:
    """Restarts service processes that exit, as a process manager would."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.restarts: Counter[str] = Counter()
        self._last: dict[str, float] = {}

    def check(self) -> None:
        for key, proc in list(self.stack.processes.items()):
            if proc.poll() is None:
                continue
            if time.monotonic() - self._last.get(key, 0.0) < 2.0:
                continue
            name, index = key.split("#")
            self._last[key] = time.monotonic()
            self.restarts[key] += 1
            self.stack.start_one(name, int(index))

    def kill(self, name: str, index: int = 0) -> None:
        """SIGKILL one service process (no graceful shutdown, messages left pending)."""
        proc = self.stack.processes[f"{name}#{index}"]
        proc.kill()
        proc.wait()


def wait_for(
    url: str,
    streams: Streams,
    done: Callable[[Progress], bool],
    timeout_s: float,
    supervisor: Supervisor | None = None,
    on_tick: Callable[[Progress], None] | None = None,
    cluster: bool = False,
) -> Progress:
    """Poll the progress streams until `done`, tolerating Redis being away for a while."""
    deadline = time.monotonic() + timeout_s
    state = Progress()
    client = sync_redis(url, cluster=cluster, socket_timeout=5)
    try:
        while time.monotonic() < deadline:
            if supervisor is not None:
                supervisor.check()
            try:
                state = progress(client, streams)
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                time.sleep(0.5)
                continue
            if on_tick is not None:
                on_tick(state)
            if done(state):
                break
            time.sleep(0.3)
    finally:
        client.close()
    return state


@dataclass
class Row:
    scenario: str
    figures: dict[str, Any]
    ok: bool
    seconds: float
    note: str = ""


# On a cluster the article streams are split over the three primaries.
CLUSTER_PARTITIONS = 3


class Chaos:
    def __init__(
        self, log_dir: Path | None, timeout_s: float, console: Console, cluster: bool = False
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="claimwatch-chaos-")
        self.root = Path(self._tmp.name)
        self.log_dir = log_dir or self.root / "logs"
        self.timeout_s = timeout_s
        self.console = console
        self.cluster = LocalCluster() if cluster else None
        self.server = EmbeddedRedis(data_dir=self.root / "redis", port=free_port())
        self.partitions = CLUSTER_PARTITIONS if cluster else 1

    @property
    def url(self) -> str:
        return self.cluster.url if self.cluster else self.server.url

    @property
    def env(self) -> dict[str, str]:
        """What the services are told beyond SERVICE_ENV."""
        if self.cluster is None:
            return {}
        return {"CLAIMWATCH_REDIS_CLUSTER": "true", "CLAIMWATCH_PARTITIONS": str(self.partitions)}

    def streams(self, prefix: str) -> Streams:
        return Streams(prefix, self.partitions)

    def client(self) -> redis.Redis:
        return sync_redis(self.url, cluster=self.cluster is not None, socket_timeout=5)

    def __enter__(self) -> Chaos:
        if self.cluster is not None:
            self.cluster.start()
        else:
            self.server.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.cluster is not None:
            self.cluster.stop()
        else:
            self.server.stop()
        self._tmp.cleanup()

    def say(self, text: str) -> None:
        self.console.print(f"[dim]chaos: {text}[/dim]")

    @contextlib.contextmanager
    def stack(self, prefix: str, **env: str) -> Iterator[tuple[Stack, Supervisor]]:
        stack = Stack(
            self.url,
            env={"CLAIMWATCH_STREAM_PREFIX": prefix, **SERVICE_ENV, **self.env, **env},
            log_dir=self.log_dir / prefix,
        )
        stack.start()
        try:
            stack.wait_ready(timeout_s=180)
            yield stack, Supervisor(stack)
        finally:
            stack.stop()

    def settings(self, prefix: str) -> Settings:
        return Settings(
            redis_url=self.url,
            stream_prefix=prefix,
            redis_cluster=self.cluster is not None,
            partitions=self.partitions,
        )

    # (1) a worker killed with SIGKILL mid-stream, and restarted
    def kill(self, n: int) -> Row:
        prefix = f"chaos-kill-{uuid.uuid4().hex[:6]}"
        streams = self.streams(prefix)
        started = time.monotonic()

        lines = [*synthetic_articles(n - 4, prefix), *sample_feed().read_bytes().splitlines()]
        killed: list[str] = []
        with self.stack(prefix) as (_stack, sup):
            ids = ingest(self.url, self.settings(prefix), lines)
            self.say(f"kill: ingested {len(ids)} articles")

            def tick(state: Progress) -> None:
                done = len(state.processed)
                if not killed and done >= len(ids) // 5:
                    sup.kill("entity_worker")
                    killed.append(f"entity-worker at {done}")
                    self.say(f"kill: SIGKILL entity-worker after {done} processed")
                elif len(killed) == 1 and done >= len(ids) // 2:
                    sup.kill("alert_worker")
                    killed.append(f"alert-worker at {done}")
                    self.say(f"kill: SIGKILL alert-worker after {done} processed")

            state, checks = self._drain(streams, ids, sup, tick)
        return self._row("kill", ids, state, checks, started, "SIGKILL " + ", ".join(killed))

    def _drain(
        self, streams: Streams, ids: list[str], sup: Supervisor, tick: Callable[[Progress], None]
    ) -> tuple[Progress, dict[str, Any]]:
        """Wait until every article is processed or dead-lettered (running `tick` on the way),
        then check the stores for duplicates."""
        target = set(ids)
        state = wait_for(
            self.url,
            streams,
            lambda s: target <= s.processed | dead_article_ids(s),
            self.timeout_s,
            sup,
            tick,
            cluster=self.cluster is not None,
        )
        time.sleep(1.0)  # let the last acks land before counting
        client = self.client()
        checks = integrity(client, streams)
        client.close()
        return state, checks

    # (2) Redis restarted mid-stream (AOF on, same port and data directory)
    def redis_restart(self, n: int) -> Row:
        prefix = f"chaos-redis-{uuid.uuid4().hex[:6]}"
        streams = self.streams(prefix)
        started = time.monotonic()
        restarted: list[str] = []
        with self.stack(prefix) as (_stack, sup):
            ids = ingest(self.url, self.settings(prefix), synthetic_articles(n, prefix, seed=11))
            self.say(f"redis: ingested {len(ids)} articles")

            def tick(state: Progress) -> None:
                if not restarted and len(state.processed) >= len(ids) // 4:
                    self.say(f"redis: stopping Redis after {len(state.processed)} processed")
                    self.server.stop()
                    time.sleep(3.0)
                    self.server = EmbeddedRedis(
                        data_dir=self.server.data_dir, port=self.server.port
                    ).start()
                    restarted.append(f"after {len(state.processed)} processed, down 3s")
                    self.say("redis: Redis is back")

            state, checks = self._drain(streams, ids, sup, tick)
            note = "Redis restarted " + ", ".join(restarted)
            if sup.restarts:
                note += f"; services restarted: {dict(sup.restarts)}"
        return self._row("redis", ids, state, checks, started, note)

    # (2b) on a cluster: the primary of partition 0's streams SIGKILLed mid-stream; its
    # replica takes over and the services follow it (asynchronous replication: writes the
    # primary acknowledged in its last moments may be lost, and are counted)
    def failover(self, n: int) -> Row:
        assert self.cluster is not None, "the failover scenario needs a cluster"
        cluster = self.cluster
        prefix = f"chaos-failover-{uuid.uuid4().hex[:6]}"
        streams = self.streams(prefix)
        started = time.monotonic()
        events: list[str] = []
        with self.stack(prefix) as (_stack, sup):
            # the sample feed too, so that claims are stored and the seed alert raised
            feed = sample_feed().read_bytes().splitlines()
            lines = [*synthetic_articles(n - len(feed), prefix, seed=13), *feed]
            half = len(lines) // 2
            ids = ingest(self.url, self.settings(prefix), lines[:half])
            # the first half is in flight (parsed, compared, alerted) when the primary dies
            port = cluster.primary_for(streams.stream("articles", 0))
            client = self.client()
            in_flight = len(ids) - len(progress(client, streams).processed)
            client.close()
            t0 = time.monotonic()
            cluster.kill(port)
            replica = cluster.wait_failover(port)
            took = time.monotonic() - t0
            events.append(
                f"primary {port} SIGKILLed with {in_flight} of {len(ids)} articles in flight; "
                f"replica {replica} serving its slots after {took:.1f} s"
            )
            self.say(f"failover: {events[-1]}")
            # the second half is ingested through the promoted replica
            ids += ingest(self.url, self.settings(prefix), lines[half:])
            self.say(f"failover: ingested {len(ids)} articles in all")

            state, checks = self._drain(streams, ids, sup, lambda _state: None)
            note = "; ".join(events) or "the primary was never killed"
            if sup.restarts:
                note += f"; services restarted: {dict(sup.restarts)}"
        return self._row("failover", ids, state, checks, started, note)

    def _entries(self, stream: str) -> list[tuple[str, dict[bytes, bytes]]]:
        client = self.client()
        try:
            return stream_entries(client, stream)
        finally:
            client.close()

    def _row(
        self,
        name: str,
        ids: list[str],
        state: Progress,
        checks: dict[str, int],
        started: float,
        note: str,
    ) -> Row:
        target = set(ids)
        processed = len(target & state.processed)
        dead = len((target - state.processed) & dead_article_ids(state))
        lost = len(target) - processed - dead
        figures = {
            "articles": len(target),
            "processed": processed,
            "dead_lettered": dead,
            "lost": lost,
            "reprocessed": max(0, state.processed_entries - len(state.processed)),
            **checks,
        }
        ok = lost == 0 and dead == 0 and not checks["duplicate_claims"]
        ok = ok and not checks["duplicate_alerts"]
        return Row(name, figures, ok, time.monotonic() - started, note)

    # (3) a receiver that fails the first 3 attempts, and a notifier killed mid-delivery
    def webhook(self, alerts: int = 30) -> Row:
        prefix = f"chaos-hook-{uuid.uuid4().hex[:6]}"
        streams = self.streams(prefix)
        started = time.monotonic()
        secret = generate_secret()
        client = self.client()
        with Receiver(secret, fail_first(3)) as receiver:
            sub = Subscription(id="chaos", url=receiver.url, secret=SecretStr(secret))
            client.hset(subscriptions_key(streams), sub.id, sub.stored_json())
            with self.stack(prefix) as (_stack, sup):

                ingest(self.url, self.settings(prefix), sample_feed().read_bytes().splitlines())
                asyncio.run(publish_synthetic_alerts(self.url, streams, alerts))
                killed = False
                deadline = time.monotonic() + self.timeout_s
                while time.monotonic() < deadline:
                    sup.check()
                    on_stream = integrity(client, streams)["alerts"]
                    got = len(receiver.accepted())
                    if not killed and got >= alerts // 3:
                        sup.kill("notifier")
                        killed = True
                        self.say(f"webhook: SIGKILL notifier after {got} deliveries")
                    if killed and got >= on_stream and on_stream >= alerts:
                        time.sleep(3.5)  # anything still pending would arrive now, twice
                        break
                    time.sleep(0.2)
                checks = integrity(client, streams)
            accepted = receiver.accepted()
            verified = receiver.verified_ids()
            attempts = dict(receiver.attempts)
        client.close()
        alert_ids = {
            f[b"id"].decode() for _i, f in self._entries(streams.alerts) if b"id" in f
        }
        figures = {
            "alerts": len(alert_ids),
            "alerts_delivered": len(alert_ids & set(accepted)),
            "signatures_verified": len(verified & alert_ids),
            "webhook_duplicates": sum(c - 1 for c in accepted.values()),
            "min_attempts": min(attempts.values()) if attempts else 0,
            "duplicate_alerts": checks["duplicate_alerts"],
        }
        # The notifier is killed right after a delivery it watched arrive: a job whose 2xx
        # came back but was not yet recorded is sent again after the restart (the one window
        # of at-least-once delivery the README documents; receivers deduplicate on
        # webhook-id). Only jobs in flight at the kill may repeat: at most its concurrency.
        in_flight = self.settings(prefix).webhook_concurrency
        ok = (
            figures["alerts_delivered"] == len(alert_ids) == figures["signatures_verified"]
            and figures["webhook_duplicates"] <= in_flight
            and figures["min_attempts"] >= 4
        )
        note = "receiver fails 3 attempts per alert; notifier SIGKILLed mid-delivery"
        return Row("webhook", figures, ok, time.monotonic() - started, note)

    # (4) bad inputs among good ones
    def bad_input(self, good: int = 20) -> Row:
        prefix = f"chaos-bad-{uuid.uuid4().hex[:6]}"
        streams = self.streams(prefix)
        started = time.monotonic()
        secret = generate_secret()
        client = self.client()
        with Receiver(secret, always(204, delay_s=3.0)) as hang, Receiver(secret) as fine:
            for sub_id, rec in (("hang", hang), ("fine", fine)):
                sub = Subscription(id=sub_id, url=rec.url, secret=SecretStr(secret))
                client.hset(subscriptions_key(streams), sub.id, sub.stored_json())
            with self.stack(prefix, CLAIMWATCH_WEBHOOK_MAX_ATTEMPTS="2") as (_stack, sup):
                goods = synthetic_articles(good, prefix, seed=5)
                html = json.loads(goods[0])
                html["url"] += "-html"
                html["text"] = f"<html><body><h1>News</h1><p>{html['text']}</p></body></html>"
                cases = bad_ingest_inputs()
                lines: list[bytes] = []
                for i, g in enumerate(goods):
                    lines.append(g)
                    if i < len(cases):
                        lines.append(cases[i][1])
                lines.append(json.dumps(html).encode())
                ids = ingest(self.url, self.settings(prefix), lines)
                expected = {name: reason for name, _raw, reason in cases}
                raw_cases = asyncio.run(publish_bad_stream_messages(self.url, streams))
                expected.update({name: reason for name, (_mid, reason) in raw_cases.items()})
                asyncio.run(publish_synthetic_alerts(self.url, streams, 1, tag="hang"))
                expected["webhook_hangs"] = "max_attempts:timeout"

                def found(state: Progress) -> dict[str, str]:
                    return match_bad_inputs(state, raw_cases, streams)

                target = set(ids)
                state = wait_for(
                    self.url,
                    streams,
                    lambda s: target <= s.processed and len(found(s)) >= len(expected),
                    self.timeout_s,
                    sup,
                    cluster=self.cluster is not None,
                )
                matched = found(state)
                checks = integrity(client, streams)
            fine_got = len(fine.accepted())
        client.close()
        landed = {k for k, v in matched.items() if expected.get(k) == v}
        figures = {
            "articles": len(target),
            "processed": len(target & state.processed),
            "lost": len(target - state.processed),
            "bad_inputs": len(expected),
            "bad_inputs_dead_lettered": len(landed),
            "duplicate_claims": checks["duplicate_claims"],
            "duplicate_alerts": checks["duplicate_alerts"],
            "fine_receiver_deliveries": fine_got,
        }
        wrong = {k: (expected[k], matched.get(k)) for k in expected if k not in landed}
        ok = not wrong and figures["lost"] == 0 and fine_got >= 1
        note = "reasons: " + ", ".join(sorted(set(expected.values())))
        if wrong:
            note = f"MISSING/WRONG {wrong}"
        return Row("bad-input", figures, ok, time.monotonic() - started, note)



