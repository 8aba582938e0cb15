"""Walking `/v1/events` and `/v1/actors/{id}/events` page by page, and the statements a page costs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from schema.edtf import edtf_bounds
from tests.factories_events import (
    events_dataset,
    ids,
    insert_event,
    load,
    time_order,
    walk,
)
from tests.querycount import QueryCounter


@pytest.fixture
async def data(database_url: str) -> dict[str, Any]:
    dataset = events_dataset()
    await load(database_url, dataset)
    return dataset


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 2, 3])
async def test_walk_finds_every_event_once(
    client: AsyncTestClient[Litestar], data: dict[str, Any], order: str, limit: int
) -> None:
    expected = time_order(data["events"])
    walked = [i["id"] for i in await walk(client, "/v1/events", {"limit": limit, "order": order})]
    assert walked == (expected if order == "asc" else expected[::-1])
    mine = time_order([e for e in data["events"] if any(p["actor"] == "iran-mfa" for p in e.get("participants", []))])
    walked = [i["id"] for i in await walk(client, "/v1/actors/iran-mfa/events", {"limit": limit, "order": order})]
    assert walked == (mine if order == "asc" else mine[::-1])


@pytest.mark.parametrize("path", ["/v1/events", "/v1/actors/kremlin/events"])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_walk_while_events_are_inserted(
    client: AsyncTestClient[Litestar], data: dict[str, Any], pool: asyncpg.Pool, path: str, order: str
) -> None:
    before = await ids(client, path, order=order)
    served: list[dict[str, Any]] = []
    behind: list[str] = []
    ahead: list[str] = []
    first_day = min(edtf_bounds(e["when"]).earliest for e in data["events"])
    last_day = max(edtf_bounds(e["when"]).earliest for e in data["events"])

    async def insert(page: int) -> None:
        # One event behind the cursor and one ahead of it, in the direction of the walk.
        early, late = first_day - timedelta(days=30 + page), last_day + timedelta(days=30 + page)
        back, front = (early, late) if order == "asc" else (late, early)
        behind.append(f"behind-{page}")
        ahead.append(f"ahead-{page}")
        await insert_event(pool, behind[-1], back, ("kremlin",))
        await insert_event(pool, ahead[-1], front, ("kremlin",))
        # And one on the very day of the last item served, before or after it by id.
        day = date.fromisoformat(served[-1]["earliest"])
        await insert_event(pool, f"same-day-{page}", day, ("kremlin",))

    async def walk_and_record() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        for page in range(100):
            params = {"limit": 2, "order": order, **({"cursor": cursor} if cursor else {})}
            body = (await client.get(path, params=params)).json()
            items.extend(body["items"])
            served.extend(body["items"])
            cursor = body["next_cursor"]
            if cursor is None:
                return items
            if page < 3:  # rows inserted ahead are walked too: stop inserting so that the walk ends
                await insert(page)
        raise AssertionError("the walk never ended")

    walked = [i["id"] for i in await walk_and_record()]
    assert len(walked) == len(set(walked)), "an item was served twice"
    assert [i for i in walked if i in before] == before, "a pre-existing item was skipped or moved"
    assert set(ahead) <= set(walked)
    assert not set(behind) & set(walked)
    keys = [(i["earliest"], i["id"]) for i in served]
    assert keys == sorted(keys, reverse=order == "desc")


@pytest.mark.parametrize(
    ("path", "params", "bound"),
    [
        ("/v1/events", {}, 1),
        ("/v1/events", {"tag": "drones", "q": "drone", "from": "2022", "actor": ["kremlin", "iran-mfa"]}, 1),
        ("/v1/actors/kremlin/events", {}, 2),
        ("/v1/actors/kremlin/events", {"kind": "statement", "order": "desc"}, 2),
    ],
)
async def test_statement_count_does_not_grow_with_the_page(
    client: AsyncTestClient[Litestar],
    data: dict[str, Any],
    pool: asyncpg.Pool,
    query_counter: QueryCounter,
    path: str,
    params: dict[str, Any],
    bound: int,
) -> None:
    for day in range(60):
        await insert_event(pool, f"filler-{day}", date(2022, 3, 1) + timedelta(days=day), ("kremlin", "iran-mfa"))
    await pool.execute("UPDATE events SET tags = '{drones}', title = '{\"en\": \"drone\"}' WHERE id LIKE 'filler-%'")
    counts = []
    for limit in (1, 50):
        with query_counter.counting() as counted:
            response = await client.get(path, params={**params, "limit": limit})
        assert response.status_code == 200
        assert len(response.json()["items"]) == limit
        counts.append(counted.count)
    assert counts[0] == counts[1] <= bound, counts


async def test_event_detail_is_one_statement(
    client: AsyncTestClient[Litestar], data: dict[str, Any], query_counter: QueryCounter
) -> None:
    for event_id in ("factory-deal", "decree"):
        with query_counter.counting() as counted:
            await client.get(f"/v1/events/{event_id}")
        assert counted.count == 1, counted.statements
    # A miss costs one more statement: the check for a tombstone that would make it a 410 (api/gone.py).
    with query_counter.counting() as counted:
        await client.get("/v1/events/no-such-event")
    assert counted.count == 2, counted.statements
