"""SQL of the changes feed: only changes of transactions that have ended, in (txid, id) order.

Every change row is stamped with `pg_current_xact_id()` of its writing transaction. A snapshot's
`xmin` is the oldest transaction still running when it was taken, so every transaction below it has
committed (its changes are visible to this statement) or rolled back (it left none), and every
transaction that has not yet ended, or not yet started, will stamp a txid at or above it. Serving
only `txid < pg_snapshot_xmin(pg_current_snapshot())` in `(txid, id)` order therefore never serves a
change behind one already served: a cursor walk sees each committed change exactly once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

_WALK = """
SELECT c.id, c.txid, c.resource_type, c.resource_id, c.operation, c.version, c.at
FROM changes AS c
WHERE c.txid < pg_snapshot_xmin(pg_current_snapshot())
  AND ($1::bigint IS NULL OR (c.txid, c.id) > ($1::bigint::text::xid8, $2::bigint))
  AND ($3::text IS NULL OR c.actor_ids @> ARRAY[$3::text]){type}
ORDER BY c.txid, c.id
LIMIT $4"""

_WITH_STATE = """
SELECT w.id, w.txid::text::bigint AS txid, w.resource_type, w.resource_id, w.operation, w.version, w.at, r.state
FROM ({walk}) AS w
LEFT JOIN revisions AS r
    ON w.operation = 'upsert'
    AND r.resource_type = w.resource_type AND r.resource_id = w.resource_id AND r.version = w.version
ORDER BY w.txid, w.id
"""

LIST_CHANGES = _WITH_STATE.format(walk=_WALK.format(type=""))
"""$1, $2 the cursor (txid, id) or NULLs, $3 an actor or NULL, $4 the limit: one walk of `changes_feed_idx`."""


@functools.cache  # built once per number of types, not per poll
def list_changes_of_types_statement(count: int) -> str:
    """`LIST_CHANGES` restricted to the `count` types in $5: one walk per type, merged in feed order.

    Each walk compares `resource_type` with one value, which the planner sees (custom plans): near the head it
    walks `changes_feed_idx` from the cursor (a few rows), from far behind `changes_<type>_feed_idx` (only that
    type's rows). A single `resource_type = ANY($5)` gives it neither: it walks the whole feed from the cursor,
    dropping the other types (the synthetic feed's 1.4 million changes before its first claim).
    """
    walks = [_WALK.format(type=f"\n  AND c.resource_type = ($5::text[])[{n}]") for n in range(1, count + 1)]
    if count == 1:
        return _WITH_STATE.format(walk=walks[0])
    merged = " UNION ALL ".join(f"({walk})" for walk in walks)
    return _WITH_STATE.format(walk=f"SELECT * FROM ({merged}) AS m ORDER BY m.txid, m.id LIMIT $4")


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
    args: list[Any] = [txid, change_id, where.actor, limit]
    if where.types is None:
        statement = LIST_CHANGES
    else:
        types = list(dict.fromkeys(where.types))  # a type named twice would be walked twice
        if not types:
            return []
        statement = list_changes_of_types_statement(len(types))
        args.append(types)
    return [ChangeRow(**dict(r)) for r in await conn.fetch(statement, *args)]
