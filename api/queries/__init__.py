"""SQL, as module constants and thin async functions over an asyncpg connection. Routes hold no SQL."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

AnyConnection: TypeAlias = "asyncpg.Connection | PoolConnectionProxy"
"""A plain connection, or one acquired from a pool (``async with pool.acquire() as conn``)."""
