"""`/v1/citations` through HTTP: filters, embeds, order, pagination, errors, statement counts."""

from __future__ import annotations

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.pagination import encode_cursor
from tests.factories_sources import DOCUMENT, SECOND, load, sources_dataset
from tests.querycount import QueryCounter

Client = AsyncTestClient[Litestar]

# Every citation of the factory dataset, by source id then citation id.
ALL = [
    "cl-denial@src-early",
    "cl-long@src-early",
    "ev-report@src-early",
    "cl-denial@src-mid-b",
    "ev-report@src-mid-a",
]
ALL.sort(key=lambda cid: (cid.split("@")[1], cid))


@pytest.fixture
async def loaded(pool: asyncpg.Pool) -> None:
    await load(pool, sources_dataset())


async def ids(client: Client, query: str = "") -> list[str]:
    response = await client.get(f"/v1/citations{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.usefixtures("loaded")
async def test_ordered_by_source_then_id(client: Client) -> None:
    assert await ids(client) == ALL
    assert await ids(client, "?order=desc") == ALL[::-1]


@pytest.mark.usefixtures("loaded")
async def test_filters(client: Client) -> None:
    assert await ids(client, "?claim=cl-denial") == ["cl-denial@src-early", "cl-denial@src-mid-b"]
    assert await ids(client, "?event=ev-report") == ["ev-report@src-early", "ev-report@src-mid-a"]
    assert await ids(client, "?source=src-mid-a&source=src-mid-b") == ["ev-report@src-mid-a", "cl-denial@src-mid-b"]
    assert await ids(client, "?claim=cl-denial&claim=cl-long") == [
        "cl-denial@src-early",
        "cl-long@src-early",
        "cl-denial@src-mid-b",
    ]
    # Different filters combine with AND.
    assert await ids(client, "?claim=cl-denial&source=src-mid-b") == ["cl-denial@src-mid-b"]
    assert await ids(client, "?claim=cl-denial&event=ev-report") == []
    assert await ids(client, "?source=nowhere") == []


@pytest.mark.usefixtures("loaded")
async def test_items_embed_source_and_what_they_back(client: Client) -> None:
    items = (await client.get("/v1/citations?claim=cl-denial&source=src-mid-b")).json()["items"]
    (item,) = items
    assert item["quote"] == SECOND
    assert DOCUMENT[item["start"] : item["end"]] == SECOND
    assert (item["language"], item["claim"], item["event"]) == ("en", "cl-denial", None)
    assert item["source"] == {
        "id": "src-mid-b",
        "title": "Mid B",
        "outlet": "outlet-b",
        "language": "en",
        "published": "2023-02-05",
        "published_earliest": "2023-02-05",
        "published_latest": "2023-02-05",
        "url": None,
        "document": None,
    }
    assert item["backs"] == {
        "type": "claim",
        "id": "cl-denial",
        "when": "2023-02-06",
        "earliest": "2023-02-06",
        "latest": "2023-02-06",
        "label": "The spokesman: We have our own programmes",
    }
    event_item = (await client.get("/v1/citations?event=ev-report&source=src-mid-a&lang=fr")).json()["items"][0]
    assert event_item["backs"]["type"] == "event"
    assert event_item["backs"]["label"] == "Le rapport"
    assert event_item["language"] == "fr"
    assert event_item["source"]["outlet"] == "outlet-a"


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_pages_follow_the_cursor(client: Client, order: str) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        query = f"?limit=2&order={order}" + (f"&cursor={cursor}" if cursor else "")
        body = (await client.get(f"/v1/citations{query}")).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == (ALL if order == "asc" else ALL[::-1])


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("?cursor=nope", "cursor"),
        ("?cursor=" + encode_cursor("sources", "asc", ["2023-01-01", "a"]), "cursor"),
        ("?cursor=" + encode_cursor("citations", "asc", ["a", 1]), "cursor"),
        ("?cursor=" + encode_cursor("citations", "asc", ["a\x00", "b"]), "cursor"),
        ("?limit=0", "limit"),
        ("?order=random", "order"),
        ("?claim=a%00", "claim"),
        ("?event=%00", "event"),
        ("?source=x%00y", "source"),
    ],
)
async def test_bad_parameters_are_400_naming_them(client: Client, query: str, parameter: str) -> None:
    response = await client.get(f"/v1/citations{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert parameter in {error["name"] for error in response.json()["errors"]}


@pytest.mark.usefixtures("loaded")
async def test_statements_per_request_do_not_grow_with_page_size(client: Client, query_counter: QueryCounter) -> None:
    counts = []
    for url in ["/v1/citations?limit=1", "/v1/citations?limit=200", "/v1/citations?claim=cl-denial&limit=1"]:
        with query_counter.counting() as counted:
            assert (await client.get(url)).status_code == 200
        counts.append(counted.count)
    assert counts == [1, 1, 1]
