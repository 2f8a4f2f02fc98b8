"""`claimwatch run` as a user starts it, once for the desk's end-to-end tests: the sample
feed through the real services on a real Redis, the desk on a free CLAIMWATCH_API_PORT, and
a webhook receiver the notifier delivers to."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import redis

from claimwatch.embedded import free_port
from shared.nlp.gazetteer import default_gazetteer
from tests.support.processes import stop_run

SECRET = "whsec_" + "ZGVzay10ZXN0LXNlY3JldC1mb3Itd2ViaG9va3M="
API_TOKEN = "desk-e2e-token-0123456789"


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.ids: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.server.ids.append(self.headers["webhook-id"])  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class DeskRun:
    base: str
    prefix: str
    redis_url: str
    receiver: Receiver
    proc: subprocess.Popen[str]
    stderr: list[str] = field(default_factory=list)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.base + path, timeout=30, **kw)

    def seed_alert(self) -> dict[str, Any]:
        """The sample feed's Severodonetsk location alert, as GET /api/alerts lists it."""
        place = severodonetsk_id()
        alerts = self.get("/api/alerts", params={"kind": "location", "entity": place}).json()
        return next(
            a
            for a in alerts["items"]
            if place in (a["new"]["subject"]["id"], a["new"]["subject"].get("linked"))
            and {a["new"]["source"], a["previous"]["source"]} == {"unknown-blog", "Kyiv Post"}
        )


def severodonetsk_id() -> str:
    return default_gazetteer().lookup("Severodonetsk")[0].id


def _drain(stream: Any, sink: list[str]) -> None:
    for line in stream:
        sink.append(line)


@pytest.fixture(scope="session")
def desk_run(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskRun]:
    prefix = f"cwtest-desk-{uuid.uuid4().hex[:8]}"
    port = free_port()
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "CLAIMWATCH_STREAM_PREFIX": prefix,
        "CLAIMWATCH_INGEST_PORT": str(free_port()),
        "CLAIMWATCH_API_PORT": str(port),
        "CLAIMWATCH_API_TOKENS": f"e2e:{API_TOKEN}",
        "CLAIMWATCH_WEBHOOK_URL": receiver.url,
        "CLAIMWATCH_WEBHOOK_SECRET": SECRET,
        "CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE": "true",
        "CLAIMWATCH_LOG_DIR": str(tmp_path_factory.mktemp("desk-logs")),
        "COLUMNS": "200",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "claimwatch.cli", "run"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    run = DeskRun(f"http://127.0.0.1:{port}", prefix, redis_url, receiver, proc)
    threading.Thread(target=_drain, args=(proc.stderr, run.stderr), daemon=True).start()
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            assert proc.poll() is None, "".join(run.stderr)
            try:
                if any(a["kind"] == "location" for a in run.get("/api/alerts").json()["items"]):
                    break
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(1)
        else:
            raise AssertionError("no location alert within 300 s: " + "".join(run.stderr)[-3000:])
        yield run
    finally:
        stop_run(proc)
        receiver.shutdown()
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.unlink(*keys)
        client.close()
