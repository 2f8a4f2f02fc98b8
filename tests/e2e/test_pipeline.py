"""The whole pipeline as separate processes on a real Redis, with a real webhook receiver."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from standardwebhooks import Webhook

from claimwatch.console import sample_feed
from claimwatch.feeding import publish_lines
from claimwatch.follow import positions, read_alerts, wait_processed
from claimwatch.stack import Stack
from shared.domain.alerts import AlertKind
from shared.nlp.gazetteer import default_gazetteer
from shared.settings import Settings
from shared.streams import Streams

pytestmark = pytest.mark.e2e
SECRET = "whsec_" + "dGVzdC1zZWNyZXQtZm9yLWUyZS13ZWJob29rcw=="


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def wait_for(predicate: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_sample_feed_raises_the_seed_location_alert_on_stream_and_webhook(
    redis_url: str, prefix: str, receiver: Receiver, tmp_path
) -> None:
    env = {
        "CLAIMWATCH_STREAM_PREFIX": prefix,
        "CLAIMWATCH_WEBHOOK_URL": receiver.url,
        "CLAIMWATCH_WEBHOOK_SECRET": SECRET,
        "CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    settings = Settings(stream_prefix=prefix, redis_url=redis_url)
    streams = Streams(prefix)
    client = redis.Redis.from_url(redis_url)
    severodonetsk = default_gazetteer().lookup("Severodonetsk")[0].id
    with Stack(redis_url, env=env, log_dir=tmp_path / "logs") as stack:
        stack.wait_ready()
        cursors = positions(client, streams)
        ids = publish_lines(redis_url, sample_feed().read_bytes().splitlines(), settings).published
        assert len(ids) >= 3
        assert wait_processed(client, streams, ids, cursors, timeout_s=180) == set()
        alerts = [a for _, a in read_alerts(client, streams)]
        location = [
            a
            for a in alerts
            if a.kind is AlertKind.LOCATION
            and a.new
            and a.previous
            and severodonetsk in (a.new.subject.id, a.new.subject.linked)
        ]
        assert location, [a.reason for a in alerts]
        alert = location[0]
        assert alert.previous is not None and alert.new is not None
        assert {alert.new.source, alert.previous.source} == {"unknown-blog", "Kyiv Post"}
        assert alert.new.subject.id == alert.previous.subject.id
        assert "Donetsk" in alert.reason and "Luhansk" in alert.reason

        # The notifier delivers the same alert, signed per Standard Webhooks.
        assert wait_for(lambda: any(h["webhook-id"] == alert.id for h, _ in receiver.received))
        headers, body = next((h, b) for h, b in receiver.received if h["webhook-id"] == alert.id)
        payload = Webhook(SECRET).verify(body, headers)
        assert payload["id"] == alert.id
        assert json.loads(body)["kind"] == "location"
    client.close()
