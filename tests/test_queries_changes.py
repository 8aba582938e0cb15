"""The changes feed SQL, called directly: a `types` filter serves the feed's own order, restricted to those types."""

from __future__ import annotations

import re

import asyncpg
import pytest

from api.queries.changes import RESOURCE_TYPES, FeedFilter, list_changes

# Rows written in many transactions (so txids differ), the types interleaved and one transaction holding several.
WRITES = [
    [("claims", "a", ["peskov"]), ("events", "b", [])],
    [("actors", "c", [])],
    [("claims", "d", ["zelensky"]), ("claims", "e", ["peskov"]), ("sources", "f", [])],
    [("events", "g", ["peskov"])],
    [("places", "h", [])],
    [("claims", "i", []), ("events", "j", ["peskov"]), ("actors", "k", [])],
    [("sources", "l", [])],
]


@pytest.fixture
async def feed(pool: asyncpg.Pool) -> list[tuple[str, str]]:
    async with pool.acquire() as conn:
        for transaction in WRITES:
            async with conn.transaction():
                for resource_type, resource_id, actors in transaction:
                    await conn.execute(
                        "INSERT INTO changes (resource_type, resource_id, operation, version, actor_ids)"
                        " VALUES ($1, $2, 'delete', 1, $3)",
                        resource_type,
                        resource_id,
                        actors,
                    )
    return [(t, i) for transaction in WRITES for t, i, _ in transaction]


async def walk(pool: asyncpg.Pool, where: FeedFilter, limit: int) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    after = None
    while True:
        rows = await list_changes(pool, FeedFilter(after=after, types=where.types, actor=where.actor), limit)
        seen += [(row.resource_type, row.resource_id) for row in rows]
        if len(rows) < limit:
            return seen
        after = (rows[-1].txid, rows[-1].id)


@pytest.mark.parametrize("limit", [1, 2, 50])
@pytest.mark.parametrize(
    "types", [["claims"], ["claims", "events"], ["events", "claims", "events"], ["sources", "places", "actors"]]
)
async def test_types_keep_the_feed_order_across_pages(
    pool: asyncpg.Pool, feed: list[tuple[str, str]], types: list[str], limit: int
) -> None:
    assert await walk(pool, FeedFilter(), limit) == feed
    expected = [change for change in feed if change[0] in types]
    assert await walk(pool, FeedFilter(types=types), limit) == expected


async def test_types_with_an_actor_and_no_types(pool: asyncpg.Pool, feed: list[tuple[str, str]]) -> None:
    assert await walk(pool, FeedFilter(types=["claims", "events"], actor="peskov"), 1) == [
        ("claims", "a"),
        ("claims", "e"),
        ("events", "g"),
        ("events", "j"),
    ]
    assert await list_changes(pool, FeedFilter(types=[]), 10) == []
    assert await list_changes(pool, FeedFilter(types=["propositions"]), 10) == []


async def test_the_feed_knows_every_type_the_table_accepts(pool: asyncpg.Pool) -> None:
    """An actor's walk covers every type when none is asked: the list is the table's CHECK, not a copy of it."""
    definition = await pool.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'changes_resource_type_check'"
    )
    assert sorted(re.findall(r"'(\w+)'::text", definition)) == sorted(RESOURCE_TYPES)
