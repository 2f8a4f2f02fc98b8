"""Stopping background tasks: a stop finishes even when a task swallows a cancellation."""

from __future__ import annotations

import asyncio

import pytest

from shared.tasks import cancel_and_wait


async def _swallows_first_cancel(cancels: list[int]) -> None:
    """Behaves like a loop whose `await` lost a cancellation (Python 3.11's wait_for)."""
    while True:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancels.append(1)
            if len(cancels) > 1:
                raise


async def test_a_task_that_swallowed_a_cancellation_is_still_stopped() -> None:
    cancels: list[int] = []
    task = asyncio.create_task(_swallows_first_cancel(cancels))
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait(task, None), timeout=5)
    assert task.cancelled()
    assert len(cancels) == 2


async def test_done_tasks_and_none_are_fine() -> None:
    done = asyncio.create_task(asyncio.sleep(0, result=7))
    await done
    await cancel_and_wait(done, None)
    assert done.result() == 7


async def test_the_callers_own_cancellation_propagates() -> None:
    stubborn = asyncio.create_task(_swallows_first_cancel([]))
    await asyncio.sleep(0)
    stopper = asyncio.create_task(cancel_and_wait(stubborn))
    await asyncio.sleep(0.05)
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopper
    stubborn.cancel()  # the second cancel ends it
    with pytest.raises(asyncio.CancelledError):
        await stubborn
