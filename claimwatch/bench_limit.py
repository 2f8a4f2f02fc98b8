"""The raw spaCy limit: `nlp.pipe` with the pipeline the entity worker runs (model + place
ruler + linker, `shared.nlp.pipeline.build_nlp`), on the same texts, no Redis, no messages.

`nlp.pipe(n_process=k)` cannot be used as is: it ships every Doc back to the parent through
msgpack, and the linker's mentions (pydantic objects in `Doc.user_data`) do not serialise.
So k processes each load the pipeline, wait at a barrier, and run `nlp.pipe` over their
share of the texts (one process per core at most); throughput is all texts over the time
from the barrier to the last process finishing. That is an upper bound on `n_process=k`
(no result shipping), i.e. the harder limit to compare the pipeline with.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class LimitResult:
    processes: int
    batch_size: int
    articles: int
    seconds: float
    cpu_seconds: float = 0.0

    @property
    def cpu_ms_per_article(self) -> float:
        return self.cpu_seconds * 1000 / self.articles if self.articles else 0.0

    @property
    def articles_per_s(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else 0.0


def shards(texts: Sequence[str], k: int) -> list[list[str]]:
    """Split texts into k shards of about equal total length (longest first, greedy)."""
    parts: list[list[str]] = [[] for _ in range(k)]
    sizes = [0] * k
    for text in sorted(texts, key=len, reverse=True):
        i = sizes.index(min(sizes))
        parts[i].append(text)
        sizes[i] += len(text)
    return parts


def _worker(
    model: str,
    cache_dir: str,
    warm: list[str],
    jobs: list[tuple[int, list[str]]],
    barrier: Barrier,
    results: Queue[Any],
) -> None:
    from shared.nlp.pipeline import build_nlp

    nlp = build_nlp(model, Path(cache_dir) if cache_dir else None)
    for _ in nlp.pipe(warm, batch_size=8):
        pass
    for batch_size, texts in jobs:
        barrier.wait()
        start, cpu = time.monotonic(), time.process_time()
        for _ in nlp.pipe(texts, batch_size=batch_size):
            pass
        end = time.monotonic()
        results.put((batch_size, start, end, len(texts), time.process_time() - cpu))


def measure(
    texts: Sequence[str],
    processes: int,
    batch_sizes: Sequence[int],
    model: str,
    cache_dir: str = "",
    warm: int = 4,
    on_done: Callable[[LimitResult], None] | None = None,
) -> list[LimitResult]:
    """Throughput of `processes` processes over `texts`, once per batch size."""
    ctx = mp.get_context("spawn")  # a clean interpreter per process: no inherited threads
    barrier = ctx.Barrier(processes)
    results: Queue[Any] = ctx.Queue()
    parts = shards(texts, processes)
    warm_texts = list(texts[:warm])
    procs = [
        ctx.Process(
            target=_worker,
            args=(model, cache_dir, warm_texts, [(b, s) for b in batch_sizes], barrier, results),
            daemon=True,
        )
        for s in parts
    ]
    for proc in procs:
        proc.start()
    out: list[LimitResult] = []
    try:
        for batch_size in batch_sizes:
            rows = [_get(results, procs) for _ in procs]
            assert all(r[0] == batch_size for r in rows)
            start = min(r[1] for r in rows)
            end = max(r[2] for r in rows)
            result = LimitResult(
                processes, batch_size, sum(r[3] for r in rows), end - start, sum(r[4] for r in rows)
            )
            out.append(result)
            if on_done is not None:
                on_done(result)
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
    return out


def _get(results: Queue[Any], procs: Sequence[Any], timeout_s: float = 3600.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            return results.get(timeout=1.0)
        except Exception:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(
                    f"a spaCy limit process exited with code {dead[0].exitcode}"
                ) from None
    raise TimeoutError("the spaCy limit measurement did not finish")


def best(results: Sequence[LimitResult]) -> LimitResult:
    return max(results, key=lambda r: r.articles_per_s)
