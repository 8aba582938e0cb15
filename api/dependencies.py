"""Dependencies handlers receive by parameter name.

A handler declares ``pool: PoolDep`` and acquires its connection itself (``async with pool.acquire()``). There is
deliberately no per-request connection dependency: Litestar skips a generator dependency's cleanup when a later
dependency or parameter check raises, which left connections checked out and hung the pool's shutdown. Litestar
2.23+ wants injected parameters marked with ``NamedDependency``.
"""

from __future__ import annotations

from typing import TypeAlias

import asyncpg
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

PoolDep: TypeAlias = NamedDependency[asyncpg.Pool]


def provide_pool(state: State) -> asyncpg.Pool:
    """The application's connection pool."""
    pool: asyncpg.Pool = state.pool
    return pool


DEPENDENCIES = {
    "pool": Provide(provide_pool, sync_to_thread=False),
}
