"""`/v1/sources` through HTTP: order, filters, embeds, pagination, errors, statement counts."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.pagination import encode_cursor
from tests.factories_sources import DOCUMENT, FIRST, SECOND, SOURCES_IN_ORDER, THIRD, load, sources_dataset
from tests.querycount import QueryCounter

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def loaded(pool: asyncpg.Pool) -> None:
    await load(pool, sources_dataset())


async def ids(client: Client, query: str = "") -> list[str]:
    response = await client.get(f"/v1/sources{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def by_id(client: Client, query: str = "") -> dict[str, Any]:
    response = await client.get(f"/v1/sources{query}")
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


@pytest.mark.usefixtures("loaded")
async def test_sorted_by_publication_then_id_with_undated_last(client: Client) -> None:
    assert await ids(client) == SOURCES_IN_ORDER
    assert await ids(client, "?order=desc") == SOURCES_IN_ORDER[::-1]


@pytest.mark.usefixtures("loaded")
async def test_items_carry_every_field(client: Client) -> None:
    items = await by_id(client)
    mid = items["src-mid-a"]
    assert mid["title"] == "Mid A"
    assert mid["language"] == "fr"
    assert mid["published"] == "2023-02-05"
    assert (mid["published_earliest"], mid["published_latest"]) == ("2023-02-05", "2023-02-05")
    assert mid["url"] == "https://example.org/mid-a"
    assert mid["document"] == "mid-a.txt"
    assert mid["sha256"] == "0" * 64
    assert mid["outlet"] == {
        "id": "outlet-a",
        "kind": "media_outlet",
        "name": "Outlet A",
        "label": "Outlet A",
        "labels": {"en": "Outlet A", "fr": "Média A"},
    }
    # An open end is null; an unknown date and outlet are null.
    assert items["src-range"]["published_earliest"] == "2022-11-01"
    assert items["src-range"]["published_latest"] is None
    undated = items["src-undated"]
    assert (undated["published"], undated["published_earliest"], undated["outlet"]) == (None, None, None)


@pytest.mark.usefixtures("loaded")
async def test_citation_count(client: Client) -> None:
    counts = {sid: item["citation_count"] for sid, item in (await by_id(client)).items()}
    assert counts == {"src-early": 3, "src-range": 0, "src-mid-a": 1, "src-mid-b": 1, "src-undated": 0}


@pytest.mark.usefixtures("loaded")
async def test_outlet_label_follows_the_language(client: Client) -> None:
    assert (await by_id(client, "?lang=fr"))["src-early"]["outlet"]["label"] == "Média A"
    response = await client.get("/v1/sources", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    assert response.json()["items"][0]["outlet"]["label"] == "Média A"
    # No label in the language: the name.
    assert (await by_id(client, "?lang=fr"))["src-mid-b"]["outlet"]["label"] == "Outlet B"


@pytest.mark.usefixtures("loaded")
async def test_outlet_filter_is_repeatable(client: Client) -> None:
    assert await ids(client, "?outlet=outlet-b") == ["src-mid-b"]
    assert await ids(client, "?outlet=outlet-a") == ["src-early", "src-range", "src-mid-a"]
    assert await ids(client, "?outlet=outlet-a&outlet=outlet-b") == SOURCES_IN_ORDER[:-1]
    assert await ids(client, "?outlet=nobody") == []


@pytest.mark.usefixtures("loaded")
async def test_language_filter_takes_regional_variants(client: Client) -> None:
    assert await ids(client, "?language=fr") == ["src-early", "src-range", "src-mid-a"]
    assert await ids(client, "?language=fr-CA") == ["src-range"]
    assert await ids(client, "?language=en") == ["src-mid-b", "src-undated"]
    assert await ids(client, "?language=en&language=fr-CA") == ["src-range", "src-mid-b", "src-undated"]


@pytest.mark.usefixtures("loaded")
async def test_publication_window_overlaps(client: Client) -> None:
    assert await ids(client, "?from=2023-02-05&to=2023-02-05") == ["src-range", "src-mid-a", "src-mid-b"]
    assert await ids(client, "?to=2022-10-31") == ["src-early"]
    # The open-ended range reaches any later window; undated sources never match a window.
    assert await ids(client, "?from=2030") == ["src-range"]
    assert await ids(client, "?from=2022-10&to=2022-10") == ["src-early"]


@pytest.mark.usefixtures("loaded")
async def test_filters_combine(client: Client) -> None:
    assert await ids(client, "?outlet=outlet-a&language=fr&from=2023-01") == ["src-range", "src-mid-a"]


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_pages_follow_next_cursor_and_link(client: Client, order: str) -> None:
    seen: list[str] = []
    url: str | None = f"/v1/sources?limit=2&order={order}&outlet=outlet-a&outlet=outlet-b&outlet=x"
    pages = 0
    while url is not None:
        response = await client.get(url)
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if body["next_cursor"] is None:
            assert "link" not in response.headers
            url = None
        else:
            link = response.headers["link"]
            assert link.endswith('>; rel="next"')
            url = link[1 : link.index(">")]
            assert "outlet=outlet-b" in url
            assert f"cursor={body['next_cursor']}" in url
    expected = SOURCES_IN_ORDER[:-1] if order == "asc" else SOURCES_IN_ORDER[-2::-1]
    assert seen == expected
    assert pages == 2


@pytest.mark.usefixtures("loaded")
async def test_pages_continue_after_undated_sources(client: Client) -> None:
    # In descending order the undated source (sorted as +infinity) comes first: its cursor must continue.
    first = (await client.get("/v1/sources?order=desc&limit=1")).json()
    assert [item["id"] for item in first["items"]] == ["src-undated"]
    rest = await ids(client, f"?order=desc&limit=10&cursor={first['next_cursor']}")
    assert rest == SOURCES_IN_ORDER[-2::-1]


@pytest.mark.usefixtures("loaded")
async def test_detail_embeds_citations_in_document_order(client: Client) -> None:
    response = await client.get("/v1/sources/src-early")
    assert response.status_code == 200
    body = response.json()
    assert body["citation_count"] == 3
    assert body["outlet"]["id"] == "outlet-a"
    citations = body["citations"]
    assert [c["quote"] for c in citations] == [FIRST, SECOND, THIRD]
    for citation in citations:
        assert DOCUMENT[citation["start"] : citation["end"]] == citation["quote"]
    first, second, third = citations
    assert (first["id"], first["claim"], first["event"]) == ("cl-long@src-early", "cl-long", None)
    assert first["backs"]["type"] == "claim"
    assert first["backs"]["label"].startswith("The spokesman: xxx")
    assert len(first["backs"]["label"]) == 160
    assert first["backs"]["label"].endswith("…")
    assert second["backs"] == {
        "type": "claim",
        "id": "cl-denial",
        "when": "2023-02-06",
        "earliest": "2023-02-06",
        "latest": "2023-02-06",
        "label": "The spokesman: We have our own programmes",
    }
    assert (third["claim"], third["event"]) == (None, "ev-report")
    assert third["backs"] == {
        "type": "event",
        "id": "ev-report",
        "when": "2023-02-05",
        "earliest": "2023-02-05",
        "latest": "2023-02-05",
        "label": "The report",
    }


@pytest.mark.usefixtures("loaded")
async def test_detail_labels_follow_the_language(client: Client) -> None:
    citations = (await client.get("/v1/sources/src-early?lang=fr")).json()["citations"]
    labels = [c["backs"]["label"] for c in citations]
    assert labels[1] == "Le porte-parole: Nous avons nos propres programmes"
    assert labels[2] == "Le rapport"


@pytest.mark.usefixtures("loaded")
async def test_detail_of_uncited_source_has_no_citations(client: Client) -> None:
    body = (await client.get("/v1/sources/src-undated")).json()
    assert (body["citations"], body["citation_count"], body["outlet"]) == ([], 0, None)


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("path", ["/v1/sources/nope", "/v1/sources/a%00b", "/v1/sources/" + "x" * 5000])
async def test_unknown_source_is_404_problem(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("?language=French", "language"),
        ("?language=", "language"),
        ("?from=yesterday", "from"),
        ("?to=2023-13-45", "to"),
        ("?from=2023-03&to=2023-01", "to"),
        ("?cursor=garbage", "cursor"),
        ("?cursor=" + encode_cursor("citations", "asc", ["a", "b"]), "cursor"),
        ("?cursor=" + encode_cursor("sources", "desc", ["2023-01-01", "a"]), "cursor"),
        ("?cursor=" + encode_cursor("sources", "asc", ["2023-01-01", "a\x00"]), "cursor"),
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?limit=99999999999999999999999", "limit"),
        ("?order=sideways", "order"),
        ("?outlet=a%00b", "outlet"),
        ("?lang=%00", "lang"),
    ],
)
async def test_bad_parameters_are_400_naming_them(client: Client, query: str, parameter: str) -> None:
    response = await client.get(f"/v1/sources{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert parameter in {error["name"] for error in response.json()["errors"]}


@pytest.mark.usefixtures("loaded")
async def test_weird_strings_are_no_server_error(client: Client) -> None:
    for value in ["'; DROP TABLE sources; --", "é" * 3000, "%", "\\", "🙂"]:
        response = await client.get("/v1/sources", params={"outlet": value})
        assert response.status_code == 200
        assert response.json()["items"] == []


@pytest.mark.usefixtures("loaded")
async def test_statements_per_request_do_not_grow_with_page_size(client: Client, query_counter: QueryCounter) -> None:
    counts = []
    for url in ["/v1/sources?limit=1", "/v1/sources?limit=200", "/v1/sources/src-early", "/v1/sources/nope"]:
        with query_counter.counting() as counted:
            assert (await client.get(url)).status_code in (200, 404)
        counts.append(counted.count)
    # The miss costs one more: the tombstone check that would turn it into a 410 (api/gone.py).
    assert counts == [1, 1, 1, 2]
