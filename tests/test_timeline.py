"""`/v1/timeline` through HTTP: the merged stream, its filters, pages and cost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.pagination import encode_cursor
from schema.edtf import edtf_bounds
from tests.factories_events import events_dataset, insert_claim, insert_event, load, load_story, walk
from tests.querycount import QueryCounter

RANK = {"event": 0, "claim": 1}


@pytest.fixture
async def data(database_url: str) -> dict[str, Any]:
    dataset = events_dataset()
    await load(database_url, dataset)
    return dataset


@pytest.fixture
async def story(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    await load_story(database_url)
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


def merged_order(data: dict[str, Any]) -> list[tuple[str, str]]:
    keyed = [(edtf_bounds(e["when"]).earliest, RANK["event"], e["id"]) for e in data["events"]]
    keyed += [(edtf_bounds(c["when"]).earliest, RANK["claim"], c["id"]) for c in data["claims"]]
    return [("event" if rank == 0 else "claim", item_id) for _, rank, item_id in sorted(keyed)]


def sort_key(item: dict[str, Any]) -> tuple[str, int, str]:
    return (item["earliest"] or "0000-00-00", RANK[item["type"]], item["id"])


async def stream(client: AsyncTestClient[Litestar], **params: Any) -> list[tuple[str, str]]:
    response = await client.get("/v1/timeline", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [(item["type"], item["id"]) for item in response.json()["items"]]


async def test_merged_order_and_its_reverse(client: AsyncTestClient[Litestar], data: dict[str, Any]) -> None:
    expected = merged_order(data)
    assert await stream(client) == expected
    assert await stream(client, order="desc") == expected[::-1]
    assert {kind for kind, _ in expected} == {"event", "claim"}


async def test_items_are_tagged_and_carry_the_fields_of_their_kind(
    client: AsyncTestClient[Litestar], data: dict[str, Any]
) -> None:
    items = (await client.get("/v1/timeline", params={"from": "2023-02-05", "to": "2023-02-06", "lang": "en"})).json()[
        "items"
    ]
    event = next(i for i in items if i["id"] == "factory-deal")
    listed = (await client.get("/v1/events", params={"place": "yelabuga", "lang": "en"})).json()["items"][0]
    assert event == {"type": "event", **listed}
    claim = next(i for i in items if i["id"] == "kremlin-confirms")
    assert claim == {
        "type": "claim",
        "id": "kremlin-confirms",
        "kind": "assertion",
        "claimant": {"id": "kremlin", "kind": "government_body", "name": "Kremlin", "label": "Kremlin", "labels": {}},
        "when": "2023-02-05",
        "earliest": "2023-02-05",
        "latest": "2023-02-05",
        "words": "L'usine sera construite",
        "language": "fr",
        "text": "L'usine sera construite",
        "quote_type": "direct",
    }
    denial = next(i for i in items if i["id"] == "peskov-denial")
    assert (denial["text"], denial["claimant"]["label"]) == ("We have our own programmes", "Dmitry Peskov")
    french = (await client.get("/v1/timeline", params={"from": "2023-02-06", "to": "2023-02-06", "lang": "fr"})).json()
    denial_fr = next(i for i in french["items"] if i["id"] == "peskov-denial")
    assert (denial_fr["text"], denial_fr["claimant"]["label"]) == ("Nous avons nos propres programmes", "Dmitri Peskov")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "iran-mfa"}, [("event", "tehran-visit"), ("claim", "iran-denial"), ("event", "factory-deal")]),
        ({"actor": ["dmitry-peskov", "nobody"]}, [("event", "tehran-visit"), ("claim", "peskov-denial")]),
        (
            {"proposition": "factory-in-russia"},
            [("claim", "iran-denial"), ("event", "factory-deal"), ("claim", "kremlin-confirms")],
        ),
        ({"from": "2022-10", "to": "2022-10"}, [("event", "kyiv-attack"), ("claim", "kremlin-early")]),
        ({"q": "usines"}, [("event", "factory-deal"), ("claim", "kremlin-confirms")]),
        ({"q": "Teheran"}, [("event", "tehran-visit")]),
        ({"q": "livre"}, [("claim", "iran-denial")]),  # "livré", accent and stemming
        ({"actor": "kremlin", "from": "2023-02-06"}, [("event", "deployment")]),
        ({"proposition": "no-such-proposition"}, []),
    ],
)
async def test_filters(
    client: AsyncTestClient[Litestar], data: dict[str, Any], params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert await stream(client, **params) == expected


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"from": "soon"}, "from"),
        ({"to": "0000"}, "to"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"order": "random"}, "order"),
        ({"q": "q" * 501}, "q"),
    ],
)
async def test_bad_parameters_are_400_naming_them(
    client: AsyncTestClient[Litestar], params: dict[str, Any], name: str
) -> None:
    response = await client.get("/v1/timeline", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert name in [error["name"] for error in response.json()["errors"]]


async def test_forged_cursors_are_400(client: AsyncTestClient[Litestar], data: dict[str, Any]) -> None:
    for key in (["2023-01-01", "meeting", "x"], ["2023-01-01", "event", "Not An Id\x00"], ["2023-13-01", "event", "x"]):
        response = await client.get("/v1/timeline", params={"cursor": encode_cursor("timeline", "asc", key)})
        assert response.status_code == 400, (key, response.text)
    desc = (await client.get("/v1/timeline", params={"limit": 1, "order": "desc"})).json()["next_cursor"]
    assert (await client.get("/v1/timeline", params={"cursor": desc})).status_code == 400


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 2, 3])
async def test_walk_finds_every_item_once(
    client: AsyncTestClient[Litestar], data: dict[str, Any], order: str, limit: int
) -> None:
    expected = merged_order(data)
    walked = [(i["type"], i["id"]) for i in await walk(client, "/v1/timeline", {"limit": limit, "order": order})]
    assert walked == (expected if order == "asc" else expected[::-1])


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_walk_while_events_and_claims_are_inserted(
    client: AsyncTestClient[Litestar], data: dict[str, Any], pool: asyncpg.Pool, order: str
) -> None:
    before = await stream(client, order=order)
    days = [edtf_bounds(item["when"]).earliest for item in data["events"] + data["claims"]]
    behind: list[tuple[str, str]] = []
    ahead: list[tuple[str, str]] = []
    served: list[dict[str, Any]] = []

    async def insert(page: int) -> None:
        early, late = min(days) - timedelta(days=10 + page), max(days) + timedelta(days=10 + page)
        back, front = (early, late) if order == "asc" else (late, early)
        await insert_event(pool, f"behind-event-{page}", back)
        await insert_claim(pool, f"behind-claim-{page}", "kremlin", back)
        await insert_event(pool, f"ahead-event-{page}", front)
        await insert_claim(pool, f"ahead-claim-{page}", "kremlin", front)
        behind.extend([("event", f"behind-event-{page}"), ("claim", f"behind-claim-{page}")])
        ahead.extend([("event", f"ahead-event-{page}"), ("claim", f"ahead-claim-{page}")])
        # Both types on the cursor's own day: seen or not depending on where they sort, never twice.
        day = date.fromisoformat(served[-1]["earliest"])
        await insert_event(pool, f"same-day-event-{page}", day)
        await insert_claim(pool, f"same-day-claim-{page}", "iran-mfa", day)

    cursor = None
    for page_number in range(100):
        params = {"limit": 2, "order": order, **({"cursor": cursor} if cursor else {})}
        body = (await client.get("/v1/timeline", params=params)).json()
        served.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        if page_number < 3:  # rows inserted ahead are walked too: stop inserting so that the walk ends
            await insert(page_number)
    else:
        raise AssertionError("the walk never ended")

    walked = [(i["type"], i["id"]) for i in served]
    assert len(behind) == len(ahead) == 6
    assert len(walked) == len(set(walked)), "an item was served twice"
    assert [i for i in walked if i in before] == before, "a pre-existing item was skipped or moved"
    assert set(ahead) <= set(walked)
    assert not set(behind) & set(walked)
    keys = [sort_key(i) for i in served]
    assert keys == sorted(keys, reverse=order == "desc")


@pytest.mark.parametrize(
    "params", [{}, {"order": "desc"}, {"actor": ["kremlin", "iran-mfa"], "q": "drone", "from": "2022"}]
)
async def test_one_statement_whatever_the_page_size(
    client: AsyncTestClient[Litestar],
    data: dict[str, Any],
    pool: asyncpg.Pool,
    query_counter: QueryCounter,
    params: dict[str, Any],
) -> None:
    for day in range(30):
        when = date(2022, 3, 1) + timedelta(days=day)
        await insert_event(pool, f"filler-event-{day}", when, ("kremlin",))
        await insert_claim(pool, f"filler-claim-{day}", "iran-mfa", when)
    await pool.execute("UPDATE events SET title = '{\"en\": \"drone\"}' WHERE id LIKE 'filler-%'")
    await pool.execute("UPDATE claims SET words = 'drone' WHERE id LIKE 'filler-%'")
    counts = []
    for limit in (1, 50):
        with query_counter.counting() as counted:
            response = await client.get("/v1/timeline", params={**params, "limit": limit})
        assert response.status_code == 200
        assert len(response.json()["items"]) == limit
        counts.append(counted.count)
    assert counts[0] == counts[1] == 1, counts


async def test_story_timeline(client: AsyncTestClient[Litestar], story: asyncpg.Connection) -> None:
    expected = await story.fetch(
        "SELECT type, id FROM (SELECT earliest, 0 AS rank, 'event' AS type, id FROM events"
        " UNION ALL SELECT earliest, 1, 'claim', id FROM claims) AS s ORDER BY earliest, rank, id"
    )
    walked = await walk(client, "/v1/timeline", {"limit": 9})
    assert [(i["type"], i["id"]) for i in walked] == [(r["type"], r["id"]) for r in expected]
    january = (await client.get("/v1/timeline", params={"from": "2023-01", "to": "2023-01", "limit": 200})).json()
    assert january["items"], "the story has events or claims in January 2023"
    for item in january["items"]:
        assert (item["latest"] or "9999") >= "2023-01-01" and (item["earliest"] or "0000") <= "2023-01-31"
    claimant = await story.fetchval("SELECT claimant_id FROM claims GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    said = await story.fetch("SELECT id FROM claims WHERE claimant_id = $1 ORDER BY earliest, id", claimant)
    took_part = await story.fetch(
        "SELECT DISTINCT e.id, e.earliest FROM events AS e JOIN event_participants AS p ON p.event_id = e.id"
        " WHERE p.actor_id = $1",
        claimant,
    )
    items = await stream(client, actor=claimant)
    assert [i for kind, i in items if kind == "claim"] == [r["id"] for r in said]
    assert {i for kind, i in items if kind == "event"} == {r["id"] for r in took_part}
