"""Stopping the app's background tasks (feed head, change tail, lexeme reads, webhook workers) for good."""

from __future__ import annotations

import asyncio
from typing import Any

AGAIN_AFTER_SECONDS = 0.1
"""How long a cancelled task may run on before it is cancelled again."""


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel `task` and return once it has ended, cancelling it again for as long as it runs on; an exception it
    ended with (other than its cancellation) is raised.

    One cancellation can be lost: asyncpg hands back a connection that was completing as it was cancelled rather
    than leak it, and Python 3.11's `asyncio.wait_for` returns a result that arrives with its cancellation. A task
    that loses it retries as if nothing happened, and whoever waits on it (the app's shutdown) waits for ever.
    """
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=AGAIN_AFTER_SECONDS)
    if not task.cancelled():
        task.result()
