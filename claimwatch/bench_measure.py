"""Measuring a running stack: stream entry times, the `Waiter` that follows the output
streams, percentiles, and the `RssMonitor` that samples the service processes."""

from __future__ import annotations

import contextlib
import json
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import Progress, TaskID

from shared.streams import entry_body, read_streams

# --- stream reading --------------------------------------------------------------------------


def _body(fields: dict[bytes, bytes]) -> dict[str, Any]:
    body = entry_body(fields)
    return body if isinstance(body, dict) else {}


def entry_ms(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def last_entry(client: Any, stream: str) -> str:
    entries = client.xrevrange(stream, count=1)
    return entries[0][0].decode() if entries else "0-0"


def article_times(client: Any, since: dict[str, str], ids: set[str]) -> dict[str, int]:
    """article id -> ms of its (first) entry on the articles streams (every partition)
    after the positions in `since` (stream -> entry id)."""
    times: dict[str, int] = {}
    for stream, start in since.items():
        cursor = start
        while True:
            entries = client.xrange(stream, min=f"({cursor}", count=2_000)
            if not entries:
                break
            for entry_id, fields in entries:
                cursor = entry_id.decode()
                aid = _body(fields).get("id")
                if aid in ids and (aid not in times or entry_ms(entry_id) < times[aid]):
                    times[aid] = entry_ms(entry_id)
    return times


def stream_ends(client: Any, streams: list[str]) -> dict[str, str]:
    """stream -> its last entry id now: where to read new entries from."""
    return {s: last_entry(client, s) for s in streams}


@dataclass
class Waiter:
    """Follows the processed, dead-letter and alert streams from where they are now."""

    client: Any
    streams: Any
    cursors: dict[str, str] = field(default_factory=dict)
    processed: dict[str, int] = field(default_factory=dict)  # article id -> ms
    dead: set[str] = field(default_factory=set)
    # (ms, the article ids of both sides): the alert fired when the later-ingested one was
    # processed, which need not be the side published later (`new`)
    alerts: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for stream in (self.streams.processed, self.streams.deadletter, self.streams.alerts):
            self.cursors.setdefault(stream, last_entry(self.client, stream))

    def poll(self, block_ms: int = 500) -> int:
        reply = read_streams(self.client, self.cursors, count=2_000, block_ms=block_ms)
        seen = 0
        for stream, entries in reply or []:
            name = stream.decode()
            for entry_id, fields in entries:
                self.cursors[name] = entry_id.decode()
                seen += self._record(name, entry_id, fields)
        return seen

    def _record(self, stream: str, entry_id: bytes, fields: dict[bytes, bytes]) -> int:
        ms = entry_ms(entry_id)
        if stream == self.streams.processed:
            aid = _body(fields).get("article_id")
            if isinstance(aid, str) and aid not in self.processed:
                self.processed[aid] = ms
                return 1
        elif stream == self.streams.deadletter:
            body = _body(fields)
            try:
                payload = json.loads(body.get("payload") or "{}")
            except ValueError:
                payload = {}
            if isinstance(payload, dict):
                aid = payload.get("id") or (payload.get("article") or {}).get("id")
                if isinstance(aid, str) and aid not in self.dead:
                    self.dead.add(aid)
                    return 1
        elif stream == self.streams.alerts:
            raw = fields.get(b"alert")
            if raw:
                alert = json.loads(raw)
                sides = [alert.get(k) or {} for k in ("new", "previous", "mention")]
                ids = tuple(s["article_id"] for s in sides if isinstance(s.get("article_id"), str))
                if ids:
                    self.alerts.append((ms, ids))
        return 0

    def wait(
        self,
        wanted: Callable[[], set[str]],
        bar: Progress | None = None,
        task: TaskID | None = None,
        stall_s: float = 180.0,
        done: threading.Event | None = None,
    ) -> set[str]:
        """Until every wanted id is processed or dead-lettered, or nothing moved for
        `stall_s` (counted once `done` is set, when given: until then the feed is still being
        published); returns the ids still missing."""
        last_move = time.monotonic()
        while True:
            moved = self.poll()
            ids = wanted()
            finished = (ids - self.processed.keys()) - self.dead
            if bar is not None and task is not None:
                bar.update(task, total=len(ids), completed=len(ids) - len(finished))
            feeding = done is not None and not done.is_set()
            if moved or feeding:
                last_move = time.monotonic()
            if not finished and not feeding:
                return set()
            if time.monotonic() - last_move > stall_s:
                return finished


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    if len(values) == 1:
        v = float(values[0])
        return {"p50": v, "p95": v, "p99": v, "max": v, "mean": v}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(q[49], 1),
        "p95": round(q[94], 1),
        "p99": round(q[98], 1),
        "max": round(max(values), 1),
        "mean": round(statistics.fmean(values), 1),
    }


# --- RSS -------------------------------------------------------------------------------------


def _hwm_bytes(pid: int) -> int:
    """The kernel's peak RSS of a process (VmHWM), 0 where /proc is not available."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class RssMonitor:
    """Samples the RSS of every service process of a stack every `interval_s`."""

    def __init__(self, stack: Any, interval_s: float = 1.0) -> None:
        self.stack = stack
        self.interval_s = interval_s
        self.peak: dict[str, int] = {}
        self.samples: list[tuple[float, dict[str, int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.started = time.monotonic()

    def sample(self) -> dict[str, int]:
        import psutil

        now: dict[str, int] = {}
        for key, proc in list(self.stack.processes.items()):
            with contextlib.suppress(psutil.Error):
                rss = int(psutil.Process(proc.pid).memory_info().rss)
                now[key] = rss
                self.peak[key] = max(self.peak.get(key, 0), rss, _hwm_bytes(proc.pid))
        return now

    def cpu(self) -> dict[str, float]:
        """CPU seconds (user + system) each service process has used so far."""
        import psutil

        used: dict[str, float] = {}
        for key, proc in list(self.stack.processes.items()):
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(proc.pid).cpu_times()
                used[key] = float(times.user + times.system)
        return used

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.samples.append((time.monotonic() - self.started, self.sample()))

    def __enter__(self) -> RssMonitor:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sample()
        self._stop.set()
        self._thread.join(timeout=5)

    def peak_mb(self) -> dict[str, float]:
        return {k: round(v / 2**20, 1) for k, v in sorted(self.peak.items())}
