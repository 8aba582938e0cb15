"""`/v1/search` through HTTP: hits, types, languages, pages, errors, statement counts, the story."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from schema.read_search import SEARCH_TYPES
from tests.factories_actors import actors_dataset, fetch_page, load, load_story, with_cursor
from tests.querycount import QueryCounter
from tests.story_factories import actor, claim

Client = AsyncTestClient[Litestar]
BROAD = "/v1/search?q=" + quote("Iran OR usine OR Téhéran OR Peskov OR drone")


@pytest.fixture
async def cast(pool: asyncpg.Pool) -> asyncpg.Pool:
    await load(pool, actors_dataset())
    return pool


def keys(page: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["type"], item["id"]) for item in page["items"]]


async def walk(client: Client, url: str) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    page = await fetch_page(client, url)
    while True:
        seen.extend(keys(page))
        if page["next_cursor"] is None:
            return seen
        page = await fetch_page(client, with_cursor(url, page["next_cursor"]))


def assert_problem(response: Any, status: int, parameter: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    if "errors" in body:
        assert [error["name"] for error in body["errors"]] == [parameter]
    else:
        assert f"'{parameter}'" in body["detail"]


async def test_hits_carry_type_id_title_snippet_when_and_rank(client: Client, cast: asyncpg.Pool) -> None:
    page = await fetch_page(client, "/v1/search?q=usines&types=event&lang=fr")
    assert page == {
        "items": [
            {
                "type": "event",
                "id": "factory-deal",
                "title": "Accord sur une usine de drones iraniens",
                "snippet": "Accord sur une <mark>usine</mark> de drones iraniens",
                "when": "2023-02-05",
                "rank": page["items"][0]["rank"],
            }
        ],
        "next_cursor": None,
    }
    assert page["items"][0]["rank"] > 0


async def test_french_stemming_and_accents(client: Client, cast: asyncpg.Pool) -> None:
    assert ("event", "factory-deal") in keys(await fetch_page(client, "/v1/search?q=usines"))
    assert ("claim", "peskov-no-factory") in keys(await fetch_page(client, "/v1/search?q=drone%20iranien"))
    assert ("claim", "tehran-denies") in keys(await fetch_page(client, "/v1/search?q=teheran"))


async def test_types_filter_is_repeatable(client: Client, cast: asyncpg.Pool) -> None:
    everything = keys(await fetch_page(client, BROAD + "&limit=200"))
    assert {kind for kind, _ in everything} == {"actor", "event", "claim", "citation"}
    narrowed = keys(await fetch_page(client, BROAD + "&types=claim&types=citation&limit=200"))
    assert narrowed == [k for k in everything if k[0] in ("claim", "citation")]


async def test_language_of_titles_follows_lang_and_accept_language(client: Client, cast: asyncpg.Pool) -> None:
    url = "/v1/search?q=usine&types=event"
    assert (await fetch_page(client, url + "&lang=en"))["items"][0]["title"] == "Deal on an Iranian drone factory"
    response = await client.get(url, headers={"Accept-Language": "fr-CH, fr;q=0.9"})
    assert response.json()["items"][0]["title"] == "Accord sur une usine de drones iraniens"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("", "q"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        ("q=%00", "q"),
        ("q=" + "x" * 501, "q"),
        ("q=drone&types=planet", "types"),
        ("q=drone&limit=0", "limit"),
        ("q=drone&limit=1000", "limit"),
        ("q=drone&cursor=garbage", "cursor"),
        ("q=drone&lang=%00", "lang"),
    ],
)
async def test_bad_parameters_are_400_problems_naming_them(client: Client, query: str, parameter: str) -> None:
    assert_problem(await client.get(f"/v1/search?{query}"), 400, parameter)


async def test_a_cursor_continues_only_its_own_query(client: Client, cast: asyncpg.Pool) -> None:
    cursor = (await fetch_page(client, BROAD + "&limit=1"))["next_cursor"]
    assert cursor is not None
    assert_problem(await client.get(f"/v1/search?q=other&cursor={cursor}"), 400, "cursor")
    assert_problem(await client.get(f"/v1/actors?cursor={cursor}"), 400, "cursor")
    assert (await client.get(f"{BROAD}&cursor={cursor}")).status_code == 200


@pytest.mark.parametrize("limit", [1, 2, 5])
async def test_walking_pages_finds_every_hit_once(client: Client, cast: asyncpg.Pool, limit: int) -> None:
    everything = keys(await fetch_page(client, BROAD + "&limit=200"))
    assert len(everything) >= 8
    assert await walk(client, f"{BROAD}&limit={limit}") == everything


async def test_pages_stay_exact_while_rows_are_inserted(client: Client, pool: asyncpg.Pool) -> None:
    def claims(prefix: str, count: int, words: str) -> list[dict[str, Any]]:
        return [claim(f"{prefix}-{n:02d}", "speaker", words=words, language="en") for n in range(count)]

    await load(
        pool,
        {
            "dataset": "first",
            "actors": [actor("speaker")],
            "claims": claims("m", 6, "drones") + claims("k", 6, "drones and drones"),
        },
    )
    url = "/v1/search?q=drones&limit=4"
    before = set(keys(await fetch_page(client, url.replace("limit=4", "limit=200"))))
    seen: list[tuple[str, str]] = []
    page = await fetch_page(client, url)
    round_ = 0
    while True:
        seen.extend(keys(page))
        if page["next_cursor"] is None:
            break
        round_ += 1
        # Same ranks as the rows served (ids before and after theirs), and stronger and weaker ones.
        late = (
            claims(f"a{round_}", 1, "drones")
            + claims(f"z{round_}", 1, "drones")
            + claims(f"s{round_}", 1, "drones drones drones")
        )
        late += claims(f"w{round_}", 1, "drones were reported over the city in the morning and again at night")
        await load(pool, {"dataset": f"late-{round_}", "claims": late})
        page = await fetch_page(client, with_cursor(url, page["next_cursor"]))
    assert round_ >= 2
    assert len(seen) == len(set(seen)), seen
    assert before <= set(seen)


async def test_one_statement_per_type_and_one_for_the_page_whatever_the_limit(
    client: Client, cast: asyncpg.Pool, query_counter: QueryCounter
) -> None:
    for limit in (1, 200):
        with query_counter.counting() as counted:
            response = await client.get(f"{BROAD}&limit={limit}")
        assert response.status_code == 200
        assert counted.count == len(SEARCH_TYPES) + 1, counted.statements


WEIRD = ["'", '"', "\\", "%", "_", "' OR 1=1 --", "😀", "<script>", "& | ! :* <->", "-", "()", '"unclosed', "a:*b"]


@pytest.mark.parametrize("value", WEIRD)
async def test_weird_queries_never_break_the_server(client: Client, cast: asyncpg.Pool, value: str) -> None:
    response = await client.get(f"/v1/search?q={quote(value, safe='')}")
    assert response.status_code == 200, response.text
    response = await client.get(f"/v1/search?q=drone&cursor={quote(value, safe='')}")
    assert response.status_code == 400, response.text


async def test_story_search(client: Client, pool: asyncpg.Pool) -> None:
    await load_story(pool)
    usines = await fetch_page(client, "/v1/search?q=usines&limit=200")
    assert usines["items"], "the story mentions the Yelabuga factory"
    assert any("<mark>" in item["snippet"] for item in usines["items"])
    drones = keys(await fetch_page(client, "/v1/search?q=" + quote("drones iraniens") + "&limit=200"))
    assert {kind for kind, _ in drones} >= {"claim", "citation"}
    assert ("actor", "dmitry-peskov") in keys(await fetch_page(client, "/v1/search?q=Peskov&types=actor"))
    everything = keys(await fetch_page(client, "/v1/search?q=drone&limit=200"))
    assert await walk(client, "/v1/search?q=drone&limit=9") == everything
