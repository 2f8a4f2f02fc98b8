"""Stopping background asyncio tasks so that a stop always finishes."""

from __future__ import annotations

import asyncio
from typing import Any

# How long a stop waits for a cancelled task before cancelling it again.
_RECANCEL_EVERY_S = 0.2


async def cancel_and_wait(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel the tasks and wait until every one has finished.

    A single `cancel()` is not enough on Python 3.11: `asyncio.wait_for` there swallows a
    cancellation that lands as its inner call completes (CPython gh-86296, fixed in 3.12),
    and redis-py wraps every socket write in `wait_for` when a socket timeout is set (it
    sets 5 s by default). The task then carries on with its loop and a plain `await task`
    never returns, which is how a notifier stop once hung. So this cancels again until
    the task is done. A cancellation of the caller itself still propagates.
    """
    pending = {t for t in tasks if t is not None and not t.done()}
    while pending:
        for task in pending:
            task.cancel()
        _done, pending = await asyncio.wait(pending, timeout=_RECANCEL_EVERY_S)
