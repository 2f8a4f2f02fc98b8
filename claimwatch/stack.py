"""Run the services as separate processes, as the compose stack does, on one machine."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType

from pydantic import TypeAdapter
from rich.console import Console

from claimwatch.probe import SERVICE_NAMES
from shared.connections import sync_redis
from shared.runtime import ensure_groups, heartbeat_key
from shared.settings import Settings
from shared.streams import (
    ALERT_GROUP,
    CLAIM_GROUP,
    ENTITY_GROUP,
    NOTIFIER_GROUP,
    Streams,
)

# The long-running pipeline services, in pipeline order; each is `python -m services.<name>`.
SERVICES = ("entity_worker", "claim_worker", "alert_worker", "notifier")
# What `claimwatch run` starts: the pipeline, the HTTP ingest endpoint, the feed poller and
# the analyst's desk (dashboard and API, services/api).
FULL_STACK = (*SERVICES, "ingestor", "poller", "api")
# Every service `claimwatch service NAME` starts (and `claimwatch health NAME` knows), by the
# name people and compose use, to the module whose `main()` runs it. The ingestor serves the
# HTTP ingest endpoint (`POST /articles`); the poller reads the sources (feeds, pages).
SERVICE_MODULES = {name: f"services.{module}" for module, name in SERVICE_NAMES.items()}


def logs_root(settings: Settings) -> Path:
    return settings.log_dir or settings.cache_dir / "logs"


def new_log_dir(settings: Settings) -> Path:
    """A folder for this run's service logs (`run-YYYYmmdd-HHMMSS`), and `latest` pointing
    at it, which `claimwatch logs` reads."""
    root = logs_root(settings)
    path = root / datetime.now().strftime("run-%Y%m%d-%H%M%S-%f")
    path.mkdir(parents=True, exist_ok=True)
    latest = root / "latest"
    latest.unlink(missing_ok=True)
    latest.symlink_to(path.name)
    return path


def prepare_first_run(settings: Settings, console: Console) -> None:
    """Build the place index before the services start, with a word to the user: on a first
    run it takes about 15 s, which would otherwise look like a hang."""
    from shared.nlp.gazetteer import Gazetteer

    if Gazetteer.cache_path(settings.cache_dir).exists():
        return
    with console.status("first run: building the place index (about 15 s, once)"):
        Gazetteer.load(settings.cache_dir)
    console.print("[dim]place index built[/dim]")


def service_groups(streams: Streams) -> list[tuple[str, str]]:
    return [
        *((s, ENTITY_GROUP) for s in streams.all("articles")),
        *((s, CLAIM_GROUP) for s in streams.all("entities")),
        *((s, ALERT_GROUP) for s in streams.all("claims")),
        (streams.alerts, NOTIFIER_GROUP),
    ]


@dataclass
class Stack:
    """Starts each service as its own process against one Redis and stops them on exit."""

    redis_url: str
    env: Mapping[str, str] = field(default_factory=dict)
    services: tuple[str, ...] = SERVICES
    replicas: Mapping[str, int] = field(default_factory=dict)
    log_dir: Path | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def service_env(self, name: str, index: int) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        env["REDIS_URL"] = self.redis_url
        # Host first, as a service's default name is: replicas of one host sort together.
        env["CLAIMWATCH_CONSUMER_NAME"] = f"{socket.gethostname()}-{name}-{os.getpid()}-{index}"
        if self.log_dir is not None:
            env.setdefault("CLAIMWATCH_LOG_FORMAT", "json")
        return env

    def start(self) -> Stack:
        ensure_groups(self.redis_url, service_groups(self.streams), cluster=self.cluster)
        for name in self.services:
            for index in range(self.replicas.get(name, 1)):
                self.start_one(name, index)
        return self

    def start_one(self, name: str, index: int = 0) -> subprocess.Popen[bytes]:
        key = f"{name}#{index}"
        out: int | object = subprocess.DEVNULL
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = (self.log_dir / f"{SERVICE_NAMES[name]}-{index}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{name}"],
            env=self.service_env(name, index),
            stdout=out,  # type: ignore[arg-type]
            stderr=subprocess.STDOUT,
        )
        self.processes[key] = proc
        return proc

    def _setting(self, name: str, default: str) -> str:
        """A setting as the services will see it: the stack's env, else this process's."""
        return self.env.get(name) or os.environ.get(name, default)

    @property
    def prefix(self) -> str:
        return self._setting("CLAIMWATCH_STREAM_PREFIX", "claimwatch")

    @property
    def cluster(self) -> bool:
        # parsed as the services' settings parse it ("true", "1", "yes", "on", ...)
        return TypeAdapter(bool).validate_python(self._setting("CLAIMWATCH_REDIS_CLUSTER", "false"))

    @property
    def streams(self) -> Streams:
        return Streams(self.prefix, int(self._setting("CLAIMWATCH_PARTITIONS", "1")))

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        """Every service process has started consuming (its heartbeat key exists)."""
        streams = self.streams
        client = sync_redis(self.redis_url, cluster=self.cluster)
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                self.check_alive()
                keys = [
                    heartbeat_key(
                        streams,
                        SERVICE_NAMES[name],
                        self.service_env(name, i)["CLAIMWATCH_CONSUMER_NAME"],
                    )
                    for name in self.services
                    for i in range(self.replicas.get(name, 1))
                ]
                if client.exists(*keys) == len(keys):
                    return
                time.sleep(0.2)
        finally:
            client.close()
        raise TimeoutError(f"services did not start within {timeout_s:.0f}s")

    def check_alive(self) -> None:
        for key, proc in self.processes.items():
            if proc.poll() is not None:
                raise RuntimeError(f"service {key} exited with code {proc.returncode}")

    def stop(self, timeout_s: float = 20.0) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.processes.clear()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
