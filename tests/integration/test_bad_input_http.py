"""The ingestor's `POST /articles`, served by uvicorn in its own process, on a real Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
import redis

from claimwatch.chaos import stream_entries
from claimwatch.embedded import free_port
from shared.streams import Streams, entry_body

GOOD = {
    "url": "https://example.org/http-1",
    "source": "Wire",
    "published_at": "2024-05-01T10:00:00Z",
    "title": "Bridge",
    "text": "The mayor of Springfield said on Monday that the bridge would reopen next week "
    "after repairs, according to officials at the city council.",
}


@pytest.fixture
def ingestor(redis_url: str, prefix: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "CLAIMWATCH_STREAM_PREFIX": prefix}
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.ingestor", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(15)


def test_post_articles_answers_ids_and_specific_errors(
    ingestor: str, prefix: str, client: redis.Redis
) -> None:
    # Its own text: GOOD's text under another URL would be a copy of it (not published).
    html_text = (
        "The ferry between Shelbyville and the island will resume next month, the harbour "
        "master said on Tuesday."
    )
    html = {**GOOD, "url": "https://example.org/http-2", "text": f"<p>{html_text}</p><br/>"}
    french = {
        **GOOD,
        "url": "https://example.org/http-3",
        "text": "Le maire a déclaré lundi que le pont rouvrirait la semaine prochaine "
        "après des réparations, selon les responsables du conseil municipal.",
    }
    body = b"\n".join(
        [
            json.dumps(GOOD).encode(),
            b"{broken",
            json.dumps(html).encode(),
            json.dumps({**GOOD, "schema_version": 3}).encode(),
            json.dumps(french).encode(),
            json.dumps({**GOOD, "text": ""}).encode(),
        ]
    )
    response = httpx.post(f"{ingestor}/articles", content=body, timeout=30)
    assert response.status_code == 207
    data = response.json()
    assert (data["accepted"], data["rejected"]) == (2, 4)
    results = data["results"]
    assert results[0]["id"].startswith("art_")
    assert results[2]["warnings"][0].startswith("html_stripped")
    assert [r.get("reason") for r in results] == [
        None,
        "invalid_json",
        None,
        "unsupported_version",
        "not_english",
        "empty_text",
    ]
    streams = Streams(prefix)
    letters = [entry_body(f) for _i, f in stream_entries(client, streams.deadletter)]
    assert sorted(x["reason"] for x in letters) == sorted(
        ["invalid_json", "unsupported_version", "not_english", "empty_text"]
    )
    assert client.xlen(streams.articles) == 2

    one = httpx.post(f"{ingestor}/articles", json=GOOD, timeout=30)
    assert one.status_code == 200 and one.json()["results"][0]["id"] == results[0]["id"]
    syndicated = {**GOOD, "url": "https://example.org/elsewhere/http-1", "source": "Aggregator"}
    copy = httpx.post(f"{ingestor}/articles", json=syndicated, timeout=30)
    assert copy.status_code == 200
    assert (copy.json()["accepted"], copy.json()["copies"], copy.json()["duplicates"]) == (1, 1, 0)
    assert copy.json()["results"][0]["copy_of"] == results[0]["id"]
    assert client.xlen(streams.articles) == 2
    many = httpx.post(f"{ingestor}/articles", json=[french, {"x": 1}], timeout=30)
    assert many.status_code == 422
    assert [r["reason"] for r in many.json()["results"]] == ["not_english", "missing_fields"]
    huge = httpx.post(f"{ingestor}/articles", content=b"x" * 101_000_000, timeout=60)
    assert huge.status_code == 413
