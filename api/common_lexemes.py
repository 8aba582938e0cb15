"""Each process's copy of the searched tables' common lexemes (`api.queries.lexemes`), which search reads to
decide which tables to probe.

Read once when the app starts, before it serves (so the first searches already use it), then every
`REFRESH_SECONDS` in the background: statistics change only when `ANALYZE` runs, and a stale copy changes what a
search costs, never what it answers. When a read fails (the database is down) the previous copy is kept, and with
none yet every table is probed, as before statistics existed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import structlog

from api.database import CONNECTION_ERRORS
from api.queries.lexemes import LexemeFrequencies
from api.queries.search import load_common_lexemes
from api.tasks import cancel_and_wait

REFRESH_SECONDS = 600.0
"""How often the copy is read again (autovacuum analyzes a busy table every few minutes at most)."""
RETRY_SECONDS = 10.0
"""How soon a failed read is tried again."""
STARTUP_SECONDS = 2.0
"""How long the app's start waits for the first copy before serving without it."""

log = structlog.get_logger("api.common_lexemes")


class CommonLexemes:
    """The latest copy read (`current`, ``None`` until one is), and the reads that keep it."""

    def __init__(self) -> None:
        self.current: LexemeFrequencies | None = None

    async def refresh(self, pool: asyncpg.Pool) -> bool:
        """Read the copy again; on failure keep the previous one. Whether it was read."""
        try:
            async with pool.acquire() as conn:
                self.current = await load_common_lexemes(conn)
        except CONNECTION_ERRORS as exc:
            log.warning("common lexemes not read", error=f"{type(exc).__name__}: {exc}")
            return False
        except Exception:
            # Anything else is a bug, but it must not stop the reads to come nor the app: search works without.
            log.exception("common lexemes read failed")
            return False
        return True

    @contextlib.asynccontextmanager
    async def kept_fresh(self, pool: asyncpg.Pool, every: float = REFRESH_SECONDS) -> AsyncIterator[None]:
        """The first read (at most `STARTUP_SECONDS`), then a read every `every` seconds (`RETRY_SECONDS` after a
        failure) while the block runs."""
        read = False
        with contextlib.suppress(TimeoutError):
            read = await asyncio.wait_for(self.refresh(pool), STARTUP_SECONDS)
        task = asyncio.create_task(self._keep_fresh(pool, every if read else RETRY_SECONDS, every))
        try:
            yield
        finally:
            await cancel_and_wait(task)

    async def _keep_fresh(self, pool: asyncpg.Pool, wait: float, every: float) -> None:
        while True:
            await asyncio.sleep(wait)
            wait = every if await self.refresh(pool) else RETRY_SECONDS
