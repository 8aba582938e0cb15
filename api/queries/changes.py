"""SQL of the changes feed: only changes of transactions that have ended, in (txid, id) order.

Every change row is stamped with `pg_current_xact_id()` of its writing transaction. A snapshot's
`xmin` is the oldest transaction still running when it was taken, so every transaction below it has
committed (its changes are visible to this statement) or rolled back (it left none), and every
transaction that has not yet ended, or not yet started, will stamp a txid at or above it. Serving
only `txid < pg_snapshot_xmin(pg_current_snapshot())` in `(txid, id)` order therefore never serves a
change behind one already served: a cursor walk sees each committed change exactly once.

Filtered by an actor, the walk reads `change_actors` (migration 0011: a row per change and actor in
its `actor_ids`, kept by triggers on `changes`, with the same txid) instead of dropping the other
actors' changes from the whole feed: its index `(actor_id, resource_type, txid, change_id)` gives one
actor's changes of one type in feed order from any cursor, so the walk reads one index range per type
(the types asked, or all of them) and merges them. The same rule applies to those txids, so the walk
serves exactly the changes of the unfiltered walk that name the actor, in the same order.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, get_args

import asyncpg
import msgspec

from schema.writes import ResourceType

RESOURCE_TYPES: tuple[str, ...] = get_args(ResourceType)
"""Every `changes.resource_type` (its CHECK): the types an actor's walk covers when none are asked."""

# $1, $2: the cursor (txid, id) or NULLs; $3: the limit. Plans are custom (api.database.create_pool), so the
# planner sees whether there is a cursor and compares the row with the index's (txid, id) columns.
_AFTER = "($1::bigint IS NULL OR ({columns}) > ($1::bigint::text::xid8, $2::bigint))"

_WALK = f"""
SELECT c.id, c.txid, c.resource_type, c.resource_id, c.operation, c.version, c.at
FROM changes AS c
WHERE c.txid < pg_snapshot_xmin(pg_current_snapshot())
  AND {_AFTER.format(columns="c.txid, c.id")}{{type}}
ORDER BY c.txid, c.id
LIMIT $3"""

# One actor's changes of the type `($4::text[])[n]` (the actor is $5), positions only: the walk of one range of
# `change_actors_feed_idx`.
_ACTOR_WALK = f"""
SELECT a.txid, a.change_id
FROM change_actors AS a
WHERE a.actor_id = $5::text AND a.resource_type = ($4::text[])[{{n}}]
  AND a.txid < pg_snapshot_xmin(pg_current_snapshot())
  AND {_AFTER.format(columns="a.txid, a.change_id")}
ORDER BY a.txid, a.change_id
LIMIT $3"""

_ACTOR_CHANGES = """
SELECT c.id, c.txid, c.resource_type, c.resource_id, c.operation, c.version, c.at
FROM ({positions}) AS p
JOIN changes AS c ON c.id = p.change_id"""

_WITH_STATE = """
SELECT w.id, w.txid::text::bigint AS txid, w.resource_type, w.resource_id, w.operation, w.version, w.at, r.state
FROM ({walk}) AS w
LEFT JOIN revisions AS r
    ON w.operation = 'upsert'
    AND r.resource_type = w.resource_type AND r.resource_id = w.resource_id AND r.version = w.version
ORDER BY w.txid, w.id
"""

LIST_CHANGES = _WITH_STATE.format(walk=_WALK.format(type=""))
"""$1, $2 the cursor (txid, id) or NULLs, $3 the limit: one walk of `changes_feed_idx`."""


def _merged(walks: list[str], order: str) -> str:
    """The first $3 rows of `walks` (each in feed order, each limited), in feed order."""
    if len(walks) == 1:
        return walks[0]
    union = " UNION ALL ".join(f"({walk})" for walk in walks)
    return f"SELECT * FROM ({union}) AS m ORDER BY {order} LIMIT $3"


@functools.cache  # built once per number of types, not per poll
def list_changes_of_types_statement(count: int) -> str:
    """`LIST_CHANGES` restricted to the `count` types in $4: one walk per type, merged in feed order.

    Each walk compares `resource_type` with one value, which the planner sees (custom plans): near the head it
    walks `changes_feed_idx` from the cursor (a few rows), from far behind `changes_<type>_feed_idx` (only that
    type's rows). A single `resource_type = ANY($4)` gives it neither: it walks the whole feed from the cursor,
    dropping the other types (the synthetic feed's 1.4 million changes before its first claim).
    """
    walks = [_WALK.format(type=f"\n  AND c.resource_type = ($4::text[])[{n}]") for n in range(1, count + 1)]
    return _WITH_STATE.format(walk=_merged(walks, "m.txid, m.id"))


@functools.cache
def list_changes_of_actor_statement(count: int) -> str:
    """The changes of the actor $5 among the `count` types in $4: one range of `change_actors_feed_idx` per type.

    Each range is read from the cursor in feed order and stops after $3 rows; the first $3 of their merge are
    the page, joined to `changes` by id (a primary-key lookup per row served) and to their revisions.
    """
    walks = [_ACTOR_WALK.format(n=n) for n in range(1, count + 1)]
    return _WITH_STATE.format(walk=_ACTOR_CHANGES.format(positions=_merged(walks, "m.txid, m.change_id")))


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
    args: list[Any] = [txid, change_id, limit]
    types = None if where.types is None else list(dict.fromkeys(where.types))  # a type named twice: one walk
    if types == []:
        return []
    if where.actor is not None:
        types = types or list(RESOURCE_TYPES)
        statement = list_changes_of_actor_statement(len(types))
        args += [types, where.actor]
    elif types is None:
        statement = LIST_CHANGES
    else:
        statement = list_changes_of_types_statement(len(types))
        args.append(types)
    return [ChangeRow(**dict(r)) for r in await conn.fetch(statement, *args)]
