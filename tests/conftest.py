"""Shared fixtures: a real Redis (REDIS_URL, or an embedded one) and a key prefix per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from claimwatch.embedded import EmbeddedRedis

REPO = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO.parent / "shared"  # ../shared beside the checkout, when present
# Tests use their own database number on a shared server, and their own key prefix inside it.
TEST_DB = int(os.environ.get("CLAIMWATCH_TEST_DB", "11"))


def shared_file(*parts: str) -> Path:
    """A file from ../shared, or skip the test cleanly when it is not there."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    base = os.environ.get("REDIS_URL")
    if base:
        yield _with_db(base, TEST_DB)
        return
    with EmbeddedRedis() as server:
        yield server.url


def _with_db(url: str, db: int) -> str:
    head = url.split("?")[0].rstrip("/")
    if head.count("/") >= 3 and head.rsplit("/", 1)[1].isdigit():
        head = head.rsplit("/", 1)[0]
    return f"{head}/{db}"


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A fresh stream/key prefix; every key under it is deleted after the test."""
    name = f"cwtest-{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{name}:*", count=1000))
    if keys:
        client.unlink(*keys)
    client.close()


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    conn = redis.Redis.from_url(redis_url)
    yield conn
    conn.close()
