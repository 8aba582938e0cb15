"""SQL of the live stream's tail (`api.stream`): the feed query without filters, plus each change's actors.

It serves exactly what `api.queries.changes.LIST_CHANGES` serves (same horizon, same order; see that
module for why `txid < pg_snapshot_xmin(...)` makes a cursor walk exactly-once), so the tail and a
client's catch-up from the database agree on every cursor; `actor_ids` lets subscribers filter in Python.
"""

from __future__ import annotations

import asyncpg

from api.queries.changes import ChangeRow

TAIL_CHANGES = """
SELECT c.id, c.txid::text::bigint AS txid, c.resource_type, c.resource_id, c.operation, c.version, c.at, r.state,
       c.actor_ids
FROM changes AS c
LEFT JOIN revisions AS r
    ON c.operation = 'upsert'
    AND r.resource_type = c.resource_type AND r.resource_id = c.resource_id AND r.version = c.version
WHERE c.txid < pg_snapshot_xmin(pg_current_snapshot())
  AND ($1::bigint IS NULL OR (c.txid, c.id) > ($1::bigint::text::xid8, $2::bigint))
ORDER BY c.txid, c.id
LIMIT $3
"""

FEED_END = """
SELECT c.txid::text::bigint AS txid, c.id
FROM changes AS c
WHERE c.txid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY c.txid DESC, c.id DESC
LIMIT 1
"""


class TailRow(ChangeRow, frozen=True):
    """A change as `list_changes` returns it, with the actors it concerns."""

    actor_ids: list[str]


async def tail_changes(pool: asyncpg.Pool, after: tuple[int, int] | None, limit: int) -> list[TailRow]:
    """Up to `limit` served changes after the position `after` = (txid, id), every type and actor."""
    txid, change_id = after if after else (None, None)
    return [TailRow(**dict(r)) for r in await pool.fetch(TAIL_CHANGES, txid, change_id, limit)]


async def feed_end(pool: asyncpg.Pool) -> tuple[int, int] | None:
    """The position (txid, id) of the last change the feed serves now, or None while it is empty."""
    row = await pool.fetchrow(FEED_END)
    return (row["txid"], row["id"]) if row is not None else None
