"""Each process's copy of the common lexemes (`api.common_lexemes`): read at start, kept fresh, passed to search."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient
from structlog.testing import capture_logs

from api.common_lexemes import CommonLexemes
from api.database import create_pool, with_database
from api.queries import search as queries
from tests.factories_actors import load
from tests.querycount import QueryCounter
from tests.test_search_split import many_dataset


async def unanalyzed_many(pool: asyncpg.Pool) -> None:
    """The `many` dataset, in tables autovacuum leaves alone (so nothing analyzes them before the test does)."""
    async with pool.acquire() as conn:
        for table in ("events", "claims", "citations"):
            await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
    await load(pool, many_dataset())


async def analyzed_many(pool: asyncpg.Pool) -> None:
    await load(pool, many_dataset())
    async with pool.acquire() as conn:
        await conn.execute("ANALYZE events, claims, citations")


async def test_the_app_reads_the_copy_before_it_serves(pool: asyncpg.Pool, app: Litestar) -> None:
    await analyzed_many(pool)
    async with AsyncTestClient(app=app):
        copy = app.state.common_lexemes.current
    async with pool.acquire() as conn:
        assert copy == await queries.load_common_lexemes(conn)
    assert sorted(copy) == ["citations", "claims", "events"]


async def test_a_search_gives_each_table_its_common_lexemes(
    pool: asyncpg.Pool, app: Litestar, query_counter: QueryCounter
) -> None:
    await analyzed_many(pool)
    async with AsyncTestClient(app=app) as client:
        copy = app.state.common_lexemes.current
        with query_counter.counting() as counted:
            response = await client.get("/v1/search?q=shahed")
    assert response.status_code == 200, response.text
    given = dict(zip(counted.statements, counted.arguments, strict=True))
    for kind, table in queries.SEARCHED_TABLE.items():
        assert given[queries.CANDIDATE_SQL[kind]][5:] == (copy[table].lexemes, copy[table].frequencies_text), kind
    assert len(given[queries.CANDIDATE_SQL["actor"]]) == 5


async def test_tables_not_yet_analyzed_are_probed_as_before(
    pool: asyncpg.Pool, app: Litestar, query_counter: QueryCounter
) -> None:
    await unanalyzed_many(pool)
    async with AsyncTestClient(app=app) as client:
        with query_counter.counting() as counted:
            response = await client.get("/v1/search?q=shahed")
    assert response.status_code == 200, response.text
    given = dict(zip(counted.statements, counted.arguments, strict=True))
    for kind in queries.SEARCHED_TABLE:
        assert given[queries.CANDIDATE_SQL[kind]][5:] == (None, None), kind


async def test_the_copy_is_read_again_while_the_app_runs(pool: asyncpg.Pool) -> None:
    lexemes = CommonLexemes()
    await unanalyzed_many(pool)
    async with lexemes.kept_fresh(pool, every=0.05):
        first = lexemes.current
        async with pool.acquire() as conn:
            await conn.execute("ANALYZE claims")
        for _ in range(100):
            if lexemes.current != first:
                break
            await asyncio.sleep(0.05)
        assert first is not None and "claims" not in first
        assert lexemes.current is not None and lexemes.current["claims"].lexemes


async def failed_refresh(lexemes: CommonLexemes, pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Refresh `lexemes` on a `pool` that cannot serve the read, then close it; what was logged."""
    try:
        with capture_logs() as logs:
            assert not await lexemes.refresh(pool)
    finally:
        await pool.close()
    return logs


async def test_a_failed_read_keeps_the_previous_copy(pool: asyncpg.Pool, database_url: str) -> None:
    await analyzed_many(pool)
    lexemes = CommonLexemes()
    assert await lexemes.refresh(pool)
    copy = lexemes.current
    assert copy
    missing = await create_pool(with_database(database_url, "no_such_database"), min_size=0, max_size=1)
    logs = await failed_refresh(lexemes, missing)
    assert lexemes.current is copy
    assert [entry["event"] for entry in logs] == ["common lexemes not read"]


async def test_an_unexpected_failure_is_logged_not_raised(pool: asyncpg.Pool, database_url: str) -> None:
    await analyzed_many(pool)
    calls = 0

    async def broken(conn: asyncpg.Connection) -> None:
        """A connection set-up with a bug in it: an error no database outage raises."""
        nonlocal calls
        calls += 1
        raise ValueError("a bug")

    faulty = await create_pool(database_url, min_size=0, max_size=1, init=broken)
    lexemes = CommonLexemes()
    logs = await failed_refresh(lexemes, faulty)
    assert lexemes.current is None
    assert [(entry["event"], entry["log_level"]) for entry in logs] == [("common lexemes read failed", "error")]
    assert calls == 1
