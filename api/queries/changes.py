"""SQL of the changes feed: only changes of transactions that have ended, in (txid, id) order.

Every change row is stamped with `pg_current_xact_id()` of its writing transaction. A snapshot's
`xmin` is the oldest transaction still running when it was taken, so every transaction below it has
committed (its changes are visible to this statement) or rolled back (it left none), and every
transaction that has not yet ended, or not yet started, will stamp a txid at or above it. Serving
only `txid < pg_snapshot_xmin(pg_current_snapshot())` in `(txid, id)` order therefore never serves a
change behind one already served: a cursor walk sees each committed change exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

LIST_CHANGES = """
SELECT c.id, c.txid::text::bigint AS txid, c.resource_type, c.resource_id, c.operation, c.version, c.at, r.state
FROM changes AS c
LEFT JOIN revisions AS r
    ON c.operation = 'upsert'
    AND r.resource_type = c.resource_type AND r.resource_id = c.resource_id AND r.version = c.version
WHERE c.txid < pg_snapshot_xmin(pg_current_snapshot())
  AND ($1::bigint IS NULL OR (c.txid, c.id) > ($1::bigint::text::xid8, $2::bigint))
  AND ($3::text[] IS NULL OR c.resource_type = ANY($3::text[]))
  AND ($4::text IS NULL OR c.actor_ids @> ARRAY[$4::text])
ORDER BY c.txid, c.id
LIMIT $5
"""


class ChangeRow(msgspec.Struct, frozen=True):
    id: int
    txid: int
    resource_type: str
    resource_id: str
    operation: str
    version: int
    at: datetime
    state: dict[str, Any] | None


class FeedFilter(msgspec.Struct, frozen=True):
    after: tuple[int, int] | None = None
    types: Sequence[str] | None = None
    actor: str | None = None


async def list_changes(conn: asyncpg.Connection | asyncpg.Pool, where: FeedFilter, limit: int) -> list[ChangeRow]:
    """Up to `limit` finished changes after the cursor position `where.after` = (txid, id)."""
    txid, change_id = where.after if where.after else (None, None)
    types = list(where.types) if where.types is not None else None
    rows = await conn.fetch(LIST_CHANGES, txid, change_id, types, where.actor, limit)
    return [
        ChangeRow(
            r["id"], r["txid"], r["resource_type"], r["resource_id"], r["operation"], r["version"], r["at"], r["state"]
        )
        for r in rows
    ]
