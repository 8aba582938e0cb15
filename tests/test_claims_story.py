"""`/v1/claims` over the shipped story: every claim once, in order; per-actor lists add up."""

from __future__ import annotations

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.loader import load_dataset_file
from api.settings import project_root
from tests.factories_claims import (
    walk,
)
from tests.querycount import QueryCounter

Client = AsyncTestClient[Litestar]
STORY = project_root() / "data" / "drone-story.yaml"


# --- the shipped story ------------------------------------------------------------------------------------------


@pytest.fixture
async def story(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        await load_dataset_file(conn, STORY)
        count: int = await conn.fetchval("SELECT count(*) FROM claims")
    assert count > 0, "the story has no claims"
    return count


async def test_every_story_claim_is_served_once_in_order(
    client: Client, story: int, pool: asyncpg.Pool, query_counter: QueryCounter
) -> None:
    with query_counter.counting() as counted:
        seen = await walk(client, "/v1/claims", limit=7)
    pages = -(-story // 7)
    assert counted.count == pages
    expected = [r["id"] for r in await pool.fetch("SELECT id FROM claims ORDER BY earliest, id")]
    assert seen == expected


async def test_story_claimants_lists_add_up(client: Client, story: int, pool: asyncpg.Pool) -> None:
    per_actor = await pool.fetch("SELECT claimant_id, count(*) AS n FROM claims GROUP BY claimant_id")
    for row in per_actor:
        served = await walk(client, f"/v1/actors/{row['claimant_id']}/claims", limit=50)
        assert len(served) == row["n"]
    denials = await pool.fetchval(
        "SELECT count(*) FROM claims WHERE kind = 'denial' AND latest >= '2023-02-01' AND earliest <= '2023-02-28'"
    )
    assert len(await walk(client, "/v1/claims", kind="denial", **{"from": "2023-02", "to": "2023-02"})) == denials
