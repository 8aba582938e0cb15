"""SQL of API keys: only the SHA-256 of each token is stored."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

INSERT_KEY = "INSERT INTO api_keys (name, token_hash, scope) VALUES ($1, $2, $3)"
LIST_KEYS = "SELECT name, scope, created_at, revoked_at FROM api_keys ORDER BY name"
REVOKE_KEY = "UPDATE api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name"
FIND_KEY = "SELECT name, scope, token_hash FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL"


class KeyRow(msgspec.Struct, frozen=True):
    name: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None


class ActiveKey(msgspec.Struct, frozen=True):
    name: str
    scope: str
    token_hash: str


async def insert_key(conn: asyncpg.Connection, name: str, token_hash: str, scope: str) -> None:
    await conn.execute(INSERT_KEY, name, token_hash, scope)


async def list_keys(conn: asyncpg.Connection) -> list[KeyRow]:
    return [KeyRow(r["name"], r["scope"], r["created_at"], r["revoked_at"]) for r in await conn.fetch(LIST_KEYS)]


async def revoke_key(conn: asyncpg.Connection, name: str) -> bool:
    return await conn.fetchval(REVOKE_KEY, name) is not None


async def find_key(conn: asyncpg.Connection | asyncpg.Pool, token_hash: str) -> ActiveKey | None:
    row = await conn.fetchrow(FIND_KEY, token_hash)
    return None if row is None else ActiveKey(row["name"], row["scope"], row["token_hash"])
