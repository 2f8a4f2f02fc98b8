"""`claimwatch chaos`: crash, restart and bad-input scenarios on real processes and a real
Redis, and the webhook receiver they (and the tests) use: it verifies every request with the
`standardwebhooks` library and can fail, hang or answer slowly on purpose."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import redis
from faststream.redis import RedisBroker
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from standardwebhooks import Webhook

from claimwatch.console import sample_feed
from claimwatch.embedded import EmbeddedRedis, free_port
from claimwatch.feeding import publish_lines
from claimwatch.stack import Stack
from shared.domain.alerts import Alert, AlertKind, AmbiguousMention, Severity
from shared.settings import Settings
from shared.streams import Streams, entry_body
from shared.webhooks import Subscription, generate_secret, subscriptions_key

# (attempt number of this webhook-id, starting at 1) -> (status, headers, delay seconds)
Behaviour = Callable[[int], tuple[int, dict[str, str], float]]


def accept(_attempt: int) -> tuple[int, dict[str, str], float]:
    return 204, {}, 0.0


def fail_first(n: int, status: int = 503, retry_after: str | None = None) -> Behaviour:
    def behaviour(attempt: int) -> tuple[int, dict[str, str], float]:
        if attempt <= n:
            return status, ({"Retry-After": retry_after} if retry_after else {}), 0.0
        return 204, {}, 0.0

    return behaviour


def always(status: int, delay_s: float = 0.0) -> Behaviour:
    return lambda _attempt: (status, {}, delay_s)


@dataclass
class Record:
    webhook_id: str
    status: int
    verified: bool
    at: float
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, secret: str, behaviour: Behaviour = accept) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secret = secret
        self.behaviour = behaviour
        self.records: list[Record] = []
        self.attempts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def start(self) -> Receiver:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # what tests and chaos read
    def accepted(self) -> Counter[str]:
        """Accepted (2xx) requests per webhook-id."""
        with self.lock:
            return Counter(r.webhook_id for r in self.records if 200 <= r.status < 300)

    def verified_ids(self) -> set[str]:
        with self.lock:
            return {r.webhook_id for r in self.records if r.verified and 200 <= r.status < 300}

    def all_verified(self) -> bool:
        with self.lock:
            return all(r.verified for r in self.records)

    def payloads(self) -> dict[str, dict[str, object]]:
        with self.lock:
            return {r.webhook_id: json.loads(r.body) for r in self.records if 200 <= r.status < 300}


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        webhook_id = headers.get("webhook-id", "")
        try:
            Webhook(self.server.secret).verify(body, headers)
            verified = True
        except Exception:
            verified = False
        with self.server.lock:
            self.server.attempts[webhook_id] += 1
            n = self.server.attempts[webhook_id]
        status, extra, delay = self.server.behaviour(n) if verified else (401, {}, 0.0)
        if delay:
            time.sleep(delay)
        with self.server.lock:
            self.server.records.append(
                Record(webhook_id, status, verified, time.monotonic(), body, headers)
            )
        try:
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("content-length", "0")
            self.end_headers()
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


# --- the scenarios ----------------------------------------------------------------------

CITIES = [
    "Springfield",
    "Riverton",
    "Lakeside",
    "Fairview",
    "Greenville",
    "Brookfield",
    "Maplewood",
    "Clearwater",
    "Ashford",
    "Hillcrest",
    "Oakdale",
    "Westbury",
]
TOPICS = [
    "bridge repairs",
    "school budget",
    "water supply",
    "bus routes",
    "harbour expansion",
    "library hours",
    "street lighting",
    "flood defences",
    "park renovation",
    "tram line",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

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


def synthetic_articles(n: int, tag: str, seed: int = 7) -> list[bytes]:
    """Short, English, distinct articles (one JSON line each)."""
    rng = random.Random(seed)
    start = datetime(2024, 3, 1, tzinfo=UTC)
    lines = []
    for i in range(n):
        city = rng.choice(CITIES)
        topic = rng.choice(TOPICS)
        text = (
            f"Officials in {city} said on {rng.choice(WEEKDAYS)} that {rng.randint(20, 900)} "
            f"residents attended a public meeting about the {topic}. The council will publish "
            f"its decision on the {topic} within {rng.randint(2, 9)} weeks, a spokesperson said."
        )
        lines.append(
            json.dumps(
                {
                    "url": f"https://chaos.example/{tag}/{i}",
                    "source": f"Chaos Wire {i % 5}",
                    "title": f"{city} debates {topic}",
                    "text": text,
                    "published_at": (start + timedelta(minutes=7 * i)).isoformat(),
                }
            ).encode()
        )
    return lines


def stream_entries(client: redis.Redis, stream: str) -> list[tuple[str, dict[bytes, bytes]]]:
    out: list[tuple[str, dict[bytes, bytes]]] = []
    cursor = "-"
    while True:
        batch: Any = client.xrange(stream, min=cursor, count=2_000)
        if cursor != "-" and batch:
            batch = batch[1:]
        if not batch:
            return out
        out.extend((i.decode(), f) for i, f in batch)
        cursor = out[-1][0]


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


@dataclass
class Progress:
    processed: set[str] = field(default_factory=set)
    processed_entries: int = 0
    dead: dict[str, dict[str, Any]] = field(default_factory=dict)  # dead-letter entry -> body


def progress(client: redis.Redis, streams: Streams) -> Progress:
    state = Progress()
    for _id, fields in stream_entries(client, streams.processed):
        body = entry_body(fields)
        if isinstance(body, dict) and "article_id" in body:
            state.processed.add(body["article_id"])
            state.processed_entries += 1
    for entry_id, fields in stream_entries(client, streams.deadletter):
        body = entry_body(fields)
        if isinstance(body, dict):
            state.dead[entry_id] = body
    return state


def dead_article_ids(state: Progress) -> set[str]:
    ids: set[str] = set()
    for letter in state.dead.values():
        try:
            payload = json.loads(letter.get("payload", ""))
        except (ValueError, TypeError):
            continue
        if isinstance(payload, dict):
            for candidate in (payload.get("id"), (payload.get("article") or {}).get("id")):
                if isinstance(candidate, str):
                    ids.add(candidate)
    return ids


def wait_for(
    url: str,
    streams: Streams,
    done: Callable[[Progress], bool],
    timeout_s: float,
    supervisor: Supervisor | None = None,
    on_tick: Callable[[Progress], None] | None = None,
) -> Progress:
    """Poll the progress streams until `done`, tolerating Redis being away for a while."""
    deadline = time.monotonic() + timeout_s
    state = Progress()
    client = redis.Redis.from_url(url, socket_timeout=5)
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


def integrity(client: redis.Redis, streams: Streams) -> dict[str, int]:
    """Duplicates the pipeline could have produced by processing a message twice."""
    first: dict[str, set[str]] = {}
    union: dict[str, set[str]] = {}
    for _id, fields in stream_entries(client, streams.claims):
        body = entry_body(fields)
        if not isinstance(body, dict):
            continue
        article = str((body.get("article") or {}).get("id"))
        ids = {str(c.get("id")) for c in body.get("claims") or [] if isinstance(c, dict)}
        first.setdefault(article, set(ids))
        union.setdefault(article, set()).update(ids)
    duplicate_claims = sum(len(union[a] - first[a]) for a in union)
    stored = sum(1 for _ in client.scan_iter(match=streams.key("claim", "*"), count=1_000))
    alert_ids = [
        f[b"id"].decode() for _id, f in stream_entries(client, streams.alerts) if b"id" in f
    ]
    return {
        "claims": len(set().union(*union.values())) if union else 0,
        "stored_claims": stored,
        "duplicate_claims": duplicate_claims + max(0, stored - sum(len(u) for u in union.values())),
        "alerts": len(set(alert_ids)),
        "duplicate_alerts": len(alert_ids) - len(set(alert_ids)),
    }


@dataclass
class Row:
    scenario: str
    figures: dict[str, Any]
    ok: bool
    seconds: float
    note: str = ""


class Chaos:
    def __init__(self, log_dir: Path | None, timeout_s: float, console: Console) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="claimwatch-chaos-")
        self.root = Path(self._tmp.name)
        self.log_dir = log_dir or self.root / "logs"
        self.timeout_s = timeout_s
        self.console = console
        self.server = EmbeddedRedis(data_dir=self.root / "redis", port=free_port())

    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> Chaos:
        self.server.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.stop()
        self._tmp.cleanup()

    def say(self, text: str) -> None:
        self.console.print(f"[dim]chaos: {text}[/dim]")

    @contextlib.contextmanager
    def stack(self, prefix: str, **env: str) -> Iterator[tuple[Stack, Supervisor]]:
        stack = Stack(
            self.url,
            env={"CLAIMWATCH_STREAM_PREFIX": prefix, **SERVICE_ENV, **env},
            log_dir=self.log_dir / prefix,
        )
        stack.start()
        try:
            stack.wait_ready(timeout_s=180)
            yield stack, Supervisor(stack)
        finally:
            stack.stop()

    def settings(self, prefix: str) -> Settings:
        return Settings(redis_url=self.url, stream_prefix=prefix)

    # (1) a worker killed with SIGKILL mid-stream, and restarted
    def kill(self, n: int) -> Row:
        prefix = f"chaos-kill-{uuid.uuid4().hex[:6]}"
        streams = Streams(prefix)
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
        )
        time.sleep(1.0)  # let the last acks land before counting
        client = redis.Redis.from_url(self.url)
        checks = integrity(client, streams)
        client.close()
        return state, checks

    # (2) Redis restarted mid-stream (AOF on, same port and data directory)
    def redis_restart(self, n: int) -> Row:
        prefix = f"chaos-redis-{uuid.uuid4().hex[:6]}"
        streams = Streams(prefix)
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
        streams = Streams(prefix)
        started = time.monotonic()
        secret = generate_secret()
        client = redis.Redis.from_url(self.url)
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
            f[b"id"].decode() for _i, f in _entries_safe(self.url, streams.alerts) if b"id" in f
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
        streams = Streams(prefix)
        started = time.monotonic()
        secret = generate_secret()
        client = redis.Redis.from_url(self.url)
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


def _entries_safe(url: str, stream: str) -> list[tuple[str, dict[bytes, bytes]]]:
    client = redis.Redis.from_url(url)
    try:
        return stream_entries(client, stream)
    finally:
        client.close()


def bad_ingest_inputs() -> list[tuple[str, bytes, str]]:
    """(case, raw line, expected reason); every line starts with its case name."""

    def case(name: str, rest: str) -> bytes:
        return ('{"chaos_case": "' + name + '", ' + rest).encode()

    base = '"source": "Chaos", "published_at": "2024-03-01T10:00:00Z", '
    english = (
        "Officials said on Monday that the council will publish its decision on the new "
        "bridge within two weeks."
    )
    return [
        ("malformed_json", case("malformed_json", '"text": "unterminated'), "invalid_json"),
        (
            "wrong_version",
            case("wrong_version", base + '"schema_version": 9, "text": "' + english + '"}'),
            "unsupported_version",
        ),
        (
            "missing_fields",
            case("missing_fields", '"title": "no text, no source"}'),
            "missing_fields",
        ),
        ("empty_text", case("empty_text", base + '"text": "   "}'), "empty_text"),
        ("huge", case("huge", base + '"text": "' + "word " * 2_100_000 + '"}'), "too_large"),
        ("binary", case("binary", '"text": "') + bytes(range(0, 32)) * 4 + b'"}', "binary"),
        (
            "invalid_utf8",
            case("invalid_utf8", base + '"text": "caf') + b'\xe9 \xff\xfe"}',
            "invalid_utf8",
        ),
        (
            "html_only_markup",
            case(
                "html_only_markup", base + '"text": "<div><script>track()</script></div><p> </p>"}'
            ),
            "empty_text",
        ),
        (
            "non_english",
            case(
                "non_english",
                base + '"text": "Les responsables ont annoncé '
                "lundi que le conseil publiera sa décision sur le nouveau pont "
                'dans deux semaines."}',
            ),
            "not_english",
        ),
    ]


async def publish_bad_stream_messages(url: str, streams: Streams) -> dict[str, tuple[str, str]]:
    """Garbage straight onto every worker's input stream; case -> (key, reason), the key
    being `stream|entry id` (ids repeat across streams) or `payload:text`."""
    broker = RedisBroker(url)
    await broker.connect()
    client = redis.asyncio.Redis.from_url(url)
    try:
        out: dict[str, tuple[str, str]] = {}
        mid: Any = await client.xadd(streams.articles, {"chaos_case": "foreign_fields"})
        out["articles_foreign_fields"] = (f"{streams.articles}|{mid.decode()}", "missing_fields")
        # matched by payload (the stream id is not known: FastStream's publish returns none)
        await broker.publish(b"\x01\x02{chaos-garbage", stream=streams.entities)
        out["entities_garbage"] = ("payload:chaos-garbage", "invalid_json")
        await broker.publish(
            {"schema_version": 2, "article": {"id": "chaos-v2"}, "claims": []},
            stream=streams.claims,
        )
        out["claims_wrong_version"] = ("payload:chaos-v2", "unsupported_version")
        mid = await client.xadd(streams.alerts, {"id": "alr_bogus", "kind": "location"})
        out["alerts_missing_fields"] = (f"{streams.alerts}|{mid.decode()}", "missing_fields")
        return out
    finally:
        await client.aclose()
        await broker.stop()


def match_bad_inputs(
    state: Progress, raw_cases: dict[str, tuple[str, str]], streams: Streams
) -> dict[str, str]:
    """case -> the reason its dead letter carries."""
    by_id = {mid: name for name, (mid, _reason) in raw_cases.items()}
    found: dict[str, str] = {}
    for letter in state.dead.values():
        payload = str(letter.get("payload", ""))
        if letter.get("service") == "ingestor" and payload.startswith('{"chaos_case": "'):
            found[payload.split('"')[3]] = letter["reason"]
        elif f"{letter.get('stream')}|{letter.get('message_id')}" in by_id:
            found[by_id[f"{letter.get('stream')}|{letter.get('message_id')}"]] = letter["reason"]
        elif any(k.startswith("payload:") and k[8:] in payload for k in by_id):
            key = next(k for k in by_id if k.startswith("payload:") and k[8:] in payload)
            found[by_id[key]] = letter["reason"]
        elif str(letter.get("stream", "")).endswith(":webhook:hang"):
            found["webhook_hangs"] = letter["reason"]
    return found


async def publish_synthetic_alerts(url: str, streams: Streams, n: int, tag: str = "chaos") -> None:
    """Alerts straight onto the alert stream (as the alert worker would, once each)."""
    from shared.store import AlertLog

    client = redis.asyncio.Redis.from_url(url)
    try:
        log = AlertLog(client, streams, 100_000)
        for i in range(n):
            mention = AmbiguousMention(
                text=f"Springfield-{tag}-{i}",
                article_id=f"art_{tag}_{i}",
                source="Chaos Wire",
                published_at=datetime(2024, 3, 1, tzinfo=UTC),
                sentence=f"Officials in Springfield-{tag}-{i} met on Monday.",
                start=13,
                end=13 + len(f"Springfield-{tag}-{i}"),
            )
            alert = Alert(
                id=Alert.mention_id("default", mention),
                kind=AlertKind.AMBIGUITY,
                severity=Severity.LOW,
                reason=f"synthetic alert {i}",
                mention=mention,
                created_at=datetime.now(UTC),
            )
            await log.publish(alert)
    finally:
        await client.aclose()


def run_chaos(
    articles: int,
    scenarios: list[str],
    log_dir: Path | None,
    timeout_s: float,
    console: Console,
) -> dict[str, Any]:
    rows: list[Row] = []
    with Chaos(log_dir, timeout_s, console) as chaos:
        for name in scenarios:
            chaos.say(f"scenario {name}")
            if name == "kill":
                rows.append(chaos.kill(articles))
            elif name == "redis":
                rows.append(chaos.redis_restart(max(20, articles // 2)))
            elif name == "webhook":
                rows.append(chaos.webhook())
            elif name in {"bad-input", "bad_input"}:
                rows.append(chaos.bad_input())
            else:
                raise ValueError(f"unknown scenario {name!r}")
    table = Table(
        "scenario",
        "ok",
        "articles",
        "processed",
        "lost",
        "dup claims",
        "dup alerts",
        "s",
        "figures / note",
        title="claimwatch chaos",
    )
    for row in rows:
        f = row.figures
        table.add_row(
            row.scenario,
            "yes" if row.ok else "[red]NO[/red]",
            str(f.get("articles", "")),
            str(f.get("processed", "")),
            str(f.get("lost", "")),
            str(f.get("duplicate_claims", "")),
            str(f.get("duplicate_alerts", "")),
            f"{row.seconds:.0f}",
            json.dumps(
                {
                    k: v
                    for k, v in f.items()
                    if k
                    not in {"articles", "processed", "lost", "duplicate_claims", "duplicate_alerts"}
                }
            )
            + (f"\n{row.note}" if row.note else ""),
        )
    Console(highlight=False, width=200).print(table)

    def total(key: str) -> int:
        return sum(int(r.figures.get(key, 0)) for r in rows)

    return {
        "ok": all(r.ok for r in rows),
        "scenarios": {r.scenario: r.ok for r in rows},
        "articles": total("articles"),
        "processed": total("processed"),
        "lost": total("lost"),
        "duplicate_claims": total("duplicate_claims"),
        "duplicate_alerts": total("duplicate_alerts"),
        "alerts_delivered": total("alerts_delivered"),
        "signatures_verified": total("signatures_verified"),
        "webhook_duplicates": total("webhook_duplicates"),
        "bad_inputs": total("bad_inputs"),
        "bad_inputs_dead_lettered": total("bad_inputs_dead_lettered"),
    }
