"""Dependencies handlers receive by parameter name.

A handler declares ``connection: ConnectionDep`` (one pooled connection held for the request) or ``pool: PoolDep``
(to acquire connections itself). Litestar 2.23+ wants injected parameters marked with ``NamedDependency``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeAlias, cast

import asyncpg
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

PoolDep: TypeAlias = NamedDependency[asyncpg.Pool]
ConnectionDep: TypeAlias = NamedDependency[asyncpg.Connection]


def provide_pool(state: State) -> asyncpg.Pool:
    """The application's connection pool."""
    pool: asyncpg.Pool = state.pool
    return pool


async def provide_connection(state: State) -> AsyncIterator[asyncpg.Connection]:
    """A connection from the pool, held for the duration of the request.

    It is a pool proxy, which forwards every ``Connection`` method: typed as ``Connection`` so query functions
    taking ``asyncpg.Connection`` accept it.
    """
    async with state.pool.acquire() as conn:
        yield cast(asyncpg.Connection, conn)


DEPENDENCIES = {
    "pool": Provide(provide_pool, sync_to_thread=False),
    "connection": Provide(provide_connection),
}
