"""Dependencies handlers receive by parameter name.

A read handler declares ``pool: PoolDep`` (the read pool: ``DATABASE_READ_URL`` when set, else the primary); a
handler that writes, or needs the primary's transaction ids and snapshot (the changes feed), declares
``primary_pool: WritePoolDep``. Either acquires its connection itself (``async with pool.acquire()``). There is
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
WritePoolDep: TypeAlias = NamedDependency[asyncpg.Pool]


def provide_pool(state: State) -> asyncpg.Pool:
    """The pool for reads: on the replica when ``DATABASE_READ_URL`` is set, else the primary pool itself."""
    pool: asyncpg.Pool = state.read_pool
    return pool


def provide_primary_pool(state: State) -> asyncpg.Pool:
    """The pool on the primary (``DATABASE_URL``): writes and the changes feed."""
    pool: asyncpg.Pool = state.pool
    return pool


DEPENDENCIES = {
    "pool": Provide(provide_pool, sync_to_thread=False),
    "primary_pool": Provide(provide_primary_pool, sync_to_thread=False),
}
