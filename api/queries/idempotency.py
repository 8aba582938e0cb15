"""SQL of `Idempotency-Key`: one row per (key name, idempotency key), kept 24 hours."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

RETENTION = "24 hours"

PURGE_EXPIRED = f"DELETE FROM idempotency_keys WHERE key_name = $1 AND created_at < now() - interval '{RETENTION}'"

# Blocks while a concurrent transaction holds the same key uncommitted; then inserts (it rolled
# back) or does nothing (it committed: the caller reads its response).
CLAIM_KEY = """
INSERT INTO idempotency_keys (key_name, idempotency_key, fingerprint) VALUES ($1, $2, $3)
ON CONFLICT (key_name, idempotency_key) DO NOTHING
RETURNING true
"""

GET_KEY = """
SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE key_name = $1 AND idempotency_key = $2
"""

SAVE_RESPONSE = """
UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE key_name = $1 AND idempotency_key = $2
"""


class StoredResponse(msgspec.Struct, frozen=True):
    fingerprint: str
    status: int | None
    headers: dict[str, str] | None
    body: bytes | None


async def claim_key(conn: asyncpg.Connection, key_name: str, idempotency_key: str, fingerprint: str) -> bool:
    """True when this request is the first with the key (the row is ours until the transaction ends)."""
    await conn.execute(PURGE_EXPIRED, key_name)
    return bool(await conn.fetchval(CLAIM_KEY, key_name, idempotency_key, fingerprint))


async def get_key(conn: asyncpg.Connection, key_name: str, idempotency_key: str) -> StoredResponse | None:
    row = await conn.fetchrow(GET_KEY, key_name, idempotency_key)
    if row is None:
        return None
    return StoredResponse(row["fingerprint"], row["status"], row["headers"], row["body"])


async def save_response(
    conn: asyncpg.Connection, key_name: str, idempotency_key: str, status: int, headers: dict[str, Any], body: bytes
) -> None:
    await conn.execute(SAVE_RESPONSE, key_name, idempotency_key, status, headers, body)
