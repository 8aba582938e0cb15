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

_LIST_CHANGES = """
SELECT c.id, c.txid::text::bigint AS txid, c.resource_type, c.resource_id, c.operation, c.version, c.at, r.state
FROM {changes} AS c
LEFT JOIN revisions AS r
    ON c.operation = 'upsert'
    AND r.resource_type = c.resource_type AND r.resource_id = c.resource_id AND r.version = c.version
{where}
ORDER BY c.txid, c.id
LIMIT $5
"""
# $1/$2 cursor (txid, id) or NULLs, $3 types, $4 actor, $5 limit.
_HORIZON = "c.txid < pg_snapshot_xmin(pg_current_snapshot())"
_AFTER = "($1::bigint IS NULL OR (c.txid, c.id) > ($1::bigint::text::xid8, $2::bigint))"
_ACTOR = "($4::text IS NULL OR c.actor_ids @> ARRAY[$4::text])"

LIST_CHANGES = _LIST_CHANGES.format(
    changes="changes",
    where=f"WHERE {_HORIZON}\n  AND {_AFTER}\n  AND ($3::text[] IS NULL OR c.resource_type = ANY($3::text[]))\n"
    f"  AND {_ACTOR}",
)
"""Every type: one walk of `changes_feed_idx (txid, id)` from the cursor."""

# With `types`, each type is read from its own stretch of `changes_type_feed_idx (resource_type, txid, id)`, in
# feed order from the cursor, at most one page each, and the pages are merged. Each type is its own parameter, so
# the planner knows how common it is: `resource_type = ANY(...)` instead walks the whole feed's index and throws
# away every change of another type (1.4 million rows for one page of claims at bench scale), and a type taken
# from `unnest` is one it cannot estimate. The cursor is compared on all three columns of that index so that it
# bounds the index range (compared on (txid, id) alone, it is a filter there, and the planner prefers the feed's
# index, where it is a bound).
_ONE_TYPE = f"""(SELECT c.* FROM changes AS c
    WHERE c.resource_type = {{type}}::text AND {_HORIZON}
      AND ($1::bigint IS NULL
           OR (c.resource_type, c.txid, c.id) > ({{type}}::text, $1::bigint::text::xid8, $2::bigint))
      AND {_ACTOR}
    ORDER BY c.txid, c.id
    LIMIT $5)"""


def changes_of_types(count: int) -> str:
    """The feed of `count` types, given as parameters $6, $7, …"""
    branches = "\n    UNION ALL\n    ".join(_ONE_TYPE.format(type=f"${6 + n}") for n in range(count))
    # $3, the list of the same types, is kept in the statement so the parameters are numbered as in LIST_CHANGES.
    return _LIST_CHANGES.format(changes=f"(\n    {branches}\n)", where="WHERE c.resource_type = ANY($3::text[])")


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
    if where.types:
        # Each type once: a repeated type would be read, and served, twice.
        types = list(dict.fromkeys(where.types))
        rows = await conn.fetch(changes_of_types(len(types)), txid, change_id, types, where.actor, limit, *types)
    else:
        no_type: list[str] | None = [] if where.types is not None else None  # an empty list matches nothing
        rows = await conn.fetch(LIST_CHANGES, txid, change_id, no_type, where.actor, limit)
    return [
        ChangeRow(
            r["id"], r["txid"], r["resource_type"], r["resource_id"], r["operation"], r["version"], r["at"], r["state"]
        )
        for r in rows
    ]
