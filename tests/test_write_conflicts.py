"""A write PostgreSQL rolls back to break a deadlock is a 503 to retry, not a 500, and leaves nothing written."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from tests.live_server import live_server
from tests.story_factories import claim
from tests.write_helpers import bearer, connect, fetchval, load_small_story, make_key

LOCK_TALLY = "SELECT 1 FROM proposition_tallies WHERE proposition_id = $1 FOR UPDATE"


async def _blocked_by(conn: asyncpg.Connection, holder: int) -> bool:
    """Whether some other backend waits for a lock that the backend `holder` holds."""
    sql = "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)))"
    return bool(await conn.fetchval(sql, holder))


async def test_a_deadlocked_write_gets_503_with_retry_after_and_writes_nothing(database_url: str) -> None:
    await load_small_story(database_url)
    token = await make_key(database_url, "writer")
    blocker = await connect(database_url)
    watcher = await connect(database_url)
    try:
        await blocker.execute("INSERT INTO propositions (id, text) VALUES ('second', '{\"en\": \"A second one\"}')")
        holder = await blocker.fetchval("SELECT pg_backend_pid()")
        stances = [
            {"proposition": "own-programme", "stance": "supports"},
            {"proposition": "second", "stance": "opposes"},
        ]
        body = claim("deadlocked", "kremlin", stances=stances)
        async with live_server(database_url) as url, httpx.AsyncClient(base_url=url, timeout=60) as client:
            # The claim's stances lock the tallies of 'own-programme', then of 'second' (proposition order); the
            # blocker holds 'second', then asks for 'own-programme': a cycle, which PostgreSQL breaks by aborting
            # the transaction that waited first (its deadlock check runs first): the write's.
            await blocker.execute("BEGIN")
            await blocker.fetch(LOCK_TALLY, "second")
            request = asyncio.create_task(client.post("/v1/claims", json=body, headers=bearer(token)))
            for _ in range(600):
                if await _blocked_by(watcher, holder):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the write never waited for the blocker's lock")
            await blocker.fetch(LOCK_TALLY, "own-programme")  # granted once the write is rolled back
            response = await request
            await blocker.execute("ROLLBACK")

            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.headers["retry-after"] == "1"
            assert "Retry it" in response.json()["detail"]
            assert await fetchval(database_url, "SELECT count(*) FROM claims WHERE id = 'deadlocked'") == 0

            retried = await client.post("/v1/claims", json=body, headers=bearer(token))
            assert retried.status_code == 201, retried.text
    finally:
        await blocker.close()
        await watcher.close()
