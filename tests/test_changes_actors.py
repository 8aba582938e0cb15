"""The feed of one actor read from `change_actors` (migration 0011) serves exactly what the former walk served.

The reference is the former statement: the whole feed walked in (txid, id) order, keeping the changes whose
`actor_ids` name the actor. The feed is built by the dataset loader, HTTP writes (one transaction each) and plain SQL
in several transactions (an actor named twice, changes of no actor); every actor, several type lists, page sizes
and cursors are compared. `change_actors` itself is compared with the rows `changes.actor_ids` implies after every
kind of write, and the migration's backfill and downgrade are checked on a database written before it.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api import migrate
from api.loader import load_dataset_file
from api.pgcodecs import init_connection
from api.queries.changes import RESOURCE_TYPES, ChangeRow, FeedFilter, list_changes
from api.settings import project_root
from tests.conftest import NewDatabase
from tests.story_factories import actor, claim
from tests.write_helpers import bearer, make_key

Client = AsyncTestClient[Litestar]
STORY = project_root() / "data" / "drone-story.yaml"
MIGRATION = "0011"

# The walk before 0011: every change from the cursor, the other actors' (and types') dropped one by one.
FORMER_WALK = """
SELECT w.id, w.txid::text::bigint AS txid, w.resource_type, w.resource_id, w.operation, w.version, w.at, r.state
FROM (SELECT c.* FROM changes AS c
      WHERE c.txid < pg_snapshot_xmin(pg_current_snapshot())
        AND ($1::bigint IS NULL OR (c.txid, c.id) > ($1::bigint::text::xid8, $2::bigint))
        AND c.actor_ids @> ARRAY[$3::text]
        AND ($5::text[] IS NULL OR c.resource_type = ANY($5::text[]))
      ORDER BY c.txid, c.id
      LIMIT $4) AS w
LEFT JOIN revisions AS r
    ON w.operation = 'upsert'
    AND r.resource_type = w.resource_type AND r.resource_id = w.resource_id AND r.version = w.version
ORDER BY w.txid, w.id
"""
# What `change_actors` must hold: a row per change and distinct actor of its `actor_ids`.
IMPLIED_ROWS = """
SELECT DISTINCT a.actor_id, c.resource_type, c.txid::text, c.id
FROM changes AS c CROSS JOIN LATERAL unnest(c.actor_ids) AS a (actor_id)
ORDER BY 1, 2, 3, 4
"""
STORED_ROWS = "SELECT actor_id, resource_type, txid::text, change_id FROM change_actors ORDER BY 1, 2, 3, 4"
INSERT_CHANGE = (
    "INSERT INTO changes (resource_type, resource_id, operation, version, actor_ids) VALUES ($1, $2, 'delete', 1, $3)"
)
TYPE_LISTS: list[list[str] | None] = [
    None,
    ["claims"],
    ["events", "claims"],
    ["citations", "sources", "actors", "sources"],
    list(RESOURCE_TYPES),
]
# Plain-SQL transactions: an actor named twice, a change of nobody, a type the story has few of.
SQL_WRITES = [
    [("claims", "sql-a", ["dmitry-peskov", "kremlin", "dmitry-peskov"]), ("events", "sql-b", [])],
    [("places", "sql-c", ["kremlin"])],
    [("citations", "sql-d", ["volodymyr-zelensky"]), ("claims", "sql-e", ["dmitry-peskov"])],
]


async def former(conn: asyncpg.Pool | asyncpg.Connection, where: FeedFilter, limit: int) -> list[ChangeRow]:
    txid, change_id = where.after if where.after else (None, None)
    types = None if where.types is None else list(where.types)
    rows = await conn.fetch(FORMER_WALK, txid, change_id, where.actor, limit, types)
    return [ChangeRow(**dict(r)) for r in rows]


async def implied_and_stored(conn: asyncpg.Pool | asyncpg.Connection) -> tuple[list[Any], list[Any]]:
    return [tuple(r) for r in await conn.fetch(IMPLIED_ROWS)], [tuple(r) for r in await conn.fetch(STORED_ROWS)]


async def sql_writes(conn: asyncpg.Connection) -> None:
    for transaction in SQL_WRITES:
        async with conn.transaction():
            for resource_type, resource_id, actors in transaction:
                await conn.execute(INSERT_CHANGE, resource_type, resource_id, actors)


async def http_writes(client: Client, token: str) -> None:
    """Each its own transaction: a new actor and its claims, a claimant changed, a deletion."""
    merge = bearer(token, **{"If-Match": "*", "Content-Type": "application/merge-patch+json"})
    writes = [
        client.post("/v1/actors", json=actor("feed-tester", name="Feed Tester"), headers=bearer(token)),
        client.post("/v1/claims", json=claim("feed-claim-1", "feed-tester"), headers=bearer(token)),
        client.post("/v1/claims", json=claim("feed-claim-2", "dmitry-peskov"), headers=bearer(token)),
        client.patch("/v1/claims/feed-claim-1", json={"claimant": "kremlin"}, headers=merge),
        client.delete("/v1/claims/feed-claim-2", headers=merge),
    ]
    for write in writes:
        response = await write
        assert response.status_code in (200, 201, 204), response.text


@pytest.fixture
async def feed(pool: asyncpg.Pool, client: Client, database_url: str) -> list[str]:
    """The story, HTTP writes and plain SQL; returns the actors of the feed, busiest first, and one of no change."""
    async with pool.acquire() as conn:
        await load_dataset_file(conn, STORY)
        await http_writes(client, await make_key(database_url, "editor"))
        await sql_writes(conn)
        counts = await conn.fetch(
            "SELECT a, count(*) AS n FROM changes, unnest(actor_ids) AS a GROUP BY a ORDER BY n DESC, a"
        )
    return [r["a"] for r in counts] + ["nobody-at-all"]


async def walk(pool: asyncpg.Pool, where: FeedFilter, limit: int) -> list[ChangeRow]:
    """Every page from `where.after` to the end, checking each page against the former walk from its cursor."""
    seen: list[ChangeRow] = []
    after = where.after
    while True:
        page_filter = FeedFilter(after=after, types=where.types, actor=where.actor)
        rows = await list_changes(pool, page_filter, limit)
        assert rows == await former(pool, page_filter, limit), page_filter
        seen += rows
        if len(rows) < limit:
            return seen
        after = (rows[-1].txid, rows[-1].id)


async def test_change_actors_holds_a_row_per_change_and_actor(feed: list[str], pool: asyncpg.Pool) -> None:
    implied, stored = await implied_and_stored(pool)
    assert stored == implied
    kinds = {(row[0], row[1]) for row in stored}
    assert {("feed-tester", "actors"), ("kremlin", "claims"), ("dmitry-peskov", "claims")} <= kinds
    # The actor named twice in one change has one row for it.
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM change_actors AS a JOIN changes AS c ON c.id = a.change_id"
            " WHERE c.resource_id = 'sql-a' AND a.actor_id = 'dmitry-peskov'"
        )
        == 1
    )


@pytest.mark.parametrize("limit", [1, 4, 50])
async def test_every_actor_walk_serves_what_the_former_walk_served(
    feed: list[str], pool: asyncpg.Pool, limit: int
) -> None:
    busiest, rare = feed[:5], feed[-4:]
    for actor_id in [*busiest, *rare]:
        for types in TYPE_LISTS:
            served = await walk(pool, FeedFilter(types=types, actor=actor_id), limit)
            assert served == await former(pool, FeedFilter(types=types, actor=actor_id), 100_000)
    assert await walk(pool, FeedFilter(actor=busiest[0]), limit)  # the comparisons were not all of empty feeds
    assert await list_changes(pool, FeedFilter(types=[], actor=busiest[0]), limit) == []


async def test_a_page_from_any_cursor_is_the_former_page(feed: list[str], pool: asyncpg.Pool) -> None:
    positions = [(r["txid"], r["id"]) for r in await pool.fetch("SELECT txid::text::bigint, id FROM changes")]
    assert len({txid for txid, _ in positions}) > 5  # the feed spans several transactions
    for after in [None, *positions[::3], positions[-1]]:
        for actor_id in feed[:3]:
            for types in (None, ["claims", "citations"]):
                where = FeedFilter(after=after, types=types, actor=actor_id)
                assert await list_changes(pool, where, 5) == await former(pool, where, 5), where


async def test_an_actor_walk_stops_before_a_transaction_still_running(
    feed: list[str], pool: asyncpg.Pool, database_url: str
) -> None:
    head = (await list_changes(pool, FeedFilter(actor="kremlin"), 1000))[-1]
    tail = FeedFilter(after=(head.txid, head.id), actor="kremlin")
    running = await asyncpg.connect(database_url)
    try:
        transaction = running.transaction()
        await transaction.start()
        await running.execute(INSERT_CHANGE, "claims", "in-flight", ["kremlin"])
        async with pool.acquire() as conn:  # committed after the running one began: held back behind it
            await conn.execute(INSERT_CHANGE, "claims", "committed-later", ["kremlin"])
        # A later id in the earlier transaction: the feed's order is (txid, id), not the ids'.
        await running.execute(INSERT_CHANGE, "events", "in-flight-too", ["kremlin"])
        assert await list_changes(pool, tail, 10) == []
        assert await list_changes(pool, FeedFilter(after=tail.after, types=["claims"], actor="kremlin"), 10) == []
        await transaction.commit()
    finally:
        await running.close()
    for limit in (1, 2, 10):  # pages cut between the two transactions' changes too
        served = await walk(pool, tail, limit)
        assert [row.resource_id for row in served] == ["in-flight", "in-flight-too", "committed-later"]


async def test_deleting_updating_or_truncating_changes_keeps_change_actors_exact(
    feed: list[str], pool: asyncpg.Pool
) -> None:
    """The code only appends to the feed; a hand-made repair or prune must not leave `change_actors` stale."""
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM changes WHERE resource_id IN ('sql-a', 'feed-claim-1')")
        await conn.execute(
            "UPDATE changes SET actor_ids = actor_ids || ARRAY['kremlin', 'irgc'] WHERE resource_type = 'events'"
        )
        await conn.execute("UPDATE changes SET actor_ids = '{}' WHERE resource_type = 'places'")
        implied, stored = await implied_and_stored(conn)
        assert stored == implied
        assert {row[0] for row in stored if row[1] == "events"} >= {"kremlin", "irgc"}
        await conn.execute("TRUNCATE changes")
        assert await conn.fetchval("SELECT count(*) FROM change_actors") == 0
        await sql_writes(conn)
        await conn.execute("TRUNCATE changes, change_actors RESTART IDENTITY")  # as synth --truncate does
        assert await conn.fetchval("SELECT count(*) FROM change_actors") == 0


async def test_the_migration_backfills_and_its_downgrade_restores_the_gin_index(make_database: NewDatabase) -> None:
    before = ScriptDirectory.from_config(migrate.alembic_config()).get_revision(MIGRATION).down_revision
    assert isinstance(before, str)
    url = await make_database(empty=True)
    migrate.upgrade(url, before)
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)  # the loader's jsonb codec, as the pool has it
        await load_dataset_file(conn, STORY)
        await sql_writes(conn)
    finally:
        await conn.close()

    migrate.upgrade(url, MIGRATION)
    conn = await asyncpg.connect(url)
    try:
        implied, stored = await implied_and_stored(conn)
        assert len(stored) > 100
        assert stored == implied
        assert await index_names(conn) >= {"change_actors_feed_idx"}
        assert "changes_actor_idx" not in await index_names(conn)
        await conn.execute(INSERT_CHANGE, "claims", "after-upgrade", ["irgc"])  # the trigger is in place
        assert await conn.fetchval("SELECT count(*) FROM change_actors WHERE actor_id = 'irgc'") > 1
    finally:
        await conn.close()

    migrate.downgrade(url, before)
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT to_regclass('change_actors')") is None
        assert "changes_actor_idx" in await index_names(conn)
        assert await conn.fetchval("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'changes_actors_%'") == 0
        await conn.execute(INSERT_CHANGE, "claims", "after-downgrade", ["irgc"])  # no trigger left to fail
    finally:
        await conn.close()


async def index_names(conn: asyncpg.Connection) -> set[str]:
    return {r["indexname"] for r in await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
