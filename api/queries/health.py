"""Queries behind ``/ready``."""

from __future__ import annotations

import asyncpg

from api.queries import AnyConnection

SELECT_REVISION = "SELECT version_num FROM alembic_version LIMIT 1"


async def fetch_revision(conn: AnyConnection, *, timeout: float | None = None) -> str | None:
    """The alembic revision the database is at; ``None`` when it was never migrated or is at base."""
    try:
        value: str | None = await conn.fetchval(SELECT_REVISION, timeout=timeout)
    except asyncpg.UndefinedTableError:
        return None
    return value
