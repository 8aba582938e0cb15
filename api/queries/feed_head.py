"""SQL of the feed head: one statement telling which committed changes are visible now (see `api.feed_head`)."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

READ_FEED_HEAD = """
WITH horizon AS MATERIALIZED (
    SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
),
last_served AS (
    SELECT c.txid, c.id
    FROM changes AS c
    WHERE c.txid < (SELECT xmin FROM horizon)
    ORDER BY c.txid DESC, c.id DESC
    LIMIT 1
)
SELECT
    coalesce((SELECT txid::text::bigint FROM last_served), 0) AS head_txid,
    coalesce((SELECT id FROM last_served), 0) AS head_id,
    (SELECT count(*) FROM changes AS c WHERE c.txid >= (SELECT xmin FROM horizon)) AS pending,
    statement_timestamp() AS read_started,
    clock_timestamp() AS read_finished
"""
"""`read_started` is taken before the statement's snapshot, `read_finished` after it: a change this read does not see
committed after `read_started`; a change it sees committed before `read_finished`."""


class HeadRow(msgspec.Struct, frozen=True):
    head_txid: int
    head_id: int
    pending: int
    read_started: datetime
    read_finished: datetime


async def read_feed_head(conn: asyncpg.Connection, *, timeout: float | None = None) -> HeadRow:
    """The last served (txid, id), the number of visible changes not yet served, and when the read ran."""
    row = await conn.fetchrow(READ_FEED_HEAD, timeout=timeout)
    assert row is not None  # an aggregate-only SELECT always returns one row
    return HeadRow(row["head_txid"], row["head_id"], row["pending"], row["read_started"], row["read_finished"])
