"""What the scenarios draw their parameters from: ids, dates and positions sampled from the corpus itself.

Read once per run, before the load, so that the scenarios work on any corpus (`timeline synth` of any size, or the
database of `BENCH_DATABASE_URL`). Deep cursors are computed here, with the cursor encoding of `api.pagination`,
from the rows at that depth of the `(earliest, id)` order: walking 10,000 pages through HTTP would take minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import asyncpg

from api.pagination import DEFAULT_LIMIT, encode_cursor
from api.routes.changes import change_cursor

DEEP_PAGE = 10_000
"""The page number scenario 2 reads (50 items a page): row 500,000 of a million events."""
DEEP_POSITIONS = 1_000
"""Distinct deep positions, consecutive rows around the deep page: every request reads another page."""

_HOT_ACTORS = """
SELECT claimant_id FROM claims GROUP BY claimant_id ORDER BY count(*) DESC, claimant_id LIMIT $1
"""
_RARE_ACTORS = """
SELECT claimant_id FROM claims GROUP BY claimant_id ORDER BY count(*), claimant_id LIMIT $1
"""
_SAMPLE = "SELECT {column} FROM {table} TABLESAMPLE BERNOULLI ($1) REPEATABLE (7) LIMIT $2"
_DEEP_KEYS = "SELECT earliest, id FROM events ORDER BY earliest, id OFFSET $1 LIMIT $2"
_DAYS = """
SELECT min(earliest) AS first, max(earliest) AS last FROM claims
WHERE earliest > '-infinity'::date AND earliest < 'infinity'::date
"""
_HEAD_CHANGES = "SELECT txid::text::bigint AS txid, id FROM changes ORDER BY txid DESC, id DESC LIMIT $1"


@dataclass
class Samples:
    """Parameters for the scenarios, all taken from the corpus."""

    first_day: date
    last_day: date
    hot_actors: list[str]
    """The claimants with the most claims (the head of the Zipf distribution)."""
    rare_actors: list[str]
    """The claimants with the fewest claims (its tail)."""
    claimants: list[str]
    """Claimants of a random sample of claims: drawing from it follows the Zipf distribution."""
    claim_ids: list[str]
    propositions: list[str]
    deep_page: int
    deep_cursors: list[str]
    """`/v1/events` cursors placing a page at about `deep_page`."""
    feed_cursors: list[str] = field(default_factory=list)
    """Changes-feed cursors at its head: a bot that is caught up polls with these."""


async def _column(conn: asyncpg.Connection, table: str, column: str, wanted: int) -> list[str]:
    total = await conn.fetchval(f"SELECT greatest(reltuples, 1)::bigint FROM pg_class WHERE oid = '{table}'::regclass")
    percent = min(100.0, 100.0 * wanted * 3 / max(total, 1))
    return [r[0] for r in await conn.fetch(_SAMPLE.format(column=column, table=table), percent, wanted)]


async def draw_samples(url: str, *, size: int = 2_000) -> Samples:
    conn = await asyncpg.connect(url)
    try:
        days = await conn.fetchrow(_DAYS)
        if days is None or days["first"] is None:
            raise RuntimeError("the database holds no dated claims: nothing to benchmark")
        events = await conn.fetchval("SELECT count(*) FROM events")
        deep_page = max(2, min(DEEP_PAGE, events // DEFAULT_LIMIT - DEEP_POSITIONS // DEFAULT_LIMIT - 1))
        # A corpus too small for the deep page still gets a cursor (its last rows): the scenario stays runnable.
        deep_offset = max(0, min((deep_page - 1) * DEFAULT_LIMIT - 1, events - DEEP_POSITIONS))
        deep_rows = await conn.fetch(_DEEP_KEYS, deep_offset, DEEP_POSITIONS)
        heads = await conn.fetch(_HEAD_CHANGES, 100) if await conn.fetchval("SELECT to_regclass('changes')") else []
        return Samples(
            first_day=days["first"],
            last_day=days["last"],
            hot_actors=[r[0] for r in await conn.fetch(_HOT_ACTORS, 10)],
            rare_actors=[r[0] for r in await conn.fetch(_RARE_ACTORS, 500)],
            claimants=await _column(conn, "claims", "claimant_id", size),
            claim_ids=await _column(conn, "claims", "id", size),
            propositions=[r[0] for r in await conn.fetch("SELECT id FROM propositions ORDER BY id")],
            deep_page=deep_page,
            deep_cursors=[encode_cursor("events", "asc", (r["earliest"], r["id"])) for r in deep_rows],
            feed_cursors=[change_cursor(r["txid"], r["id"]) for r in heads],
        )
    finally:
        await conn.close()
