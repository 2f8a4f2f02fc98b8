"""The webhook receiver the chaos scenarios (and the tests) deliver to: it verifies every
request with the `standardwebhooks` library and can fail, hang or answer slowly on purpose,
as a `Behaviour` says."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook

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
