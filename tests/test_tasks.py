"""Stopping background tasks (api/tasks.py): a task that loses a cancellation is cancelled again until it ends."""

from __future__ import annotations

import asyncio

import pytest

from api.tasks import cancel_and_wait


async def test_a_task_that_loses_its_first_cancellation_is_still_stopped() -> None:
    swallowed = 0

    async def loses_the_first_cancellation() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1  # as asyncpg does with a connection that completes as it is cancelled

    task = asyncio.create_task(loses_the_first_cancellation())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait(task), 5.0)
    assert task.cancelled() and swallowed == 1


async def test_the_error_a_task_ended_with_is_raised() -> None:
    async def fails_when_cancelled() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise RuntimeError("cleanup failed") from None

    task = asyncio.create_task(fails_when_cancelled())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="cleanup failed"):
        await cancel_and_wait(task)


async def test_a_task_already_ended_is_left_as_it_is() -> None:
    task = asyncio.create_task(asyncio.sleep(0, result="done"))
    await task
    await cancel_and_wait(task)
    assert not task.cancelled() and task.result() == "done"
