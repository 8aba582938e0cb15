"""`/v1/actors` and `/v1/actors/{id}` through HTTP: filters, name lookup, pages, errors, statement counts."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories_actors import actors_dataset, fetch_page, load, load_story, with_cursor
from tests.querycount import QueryCounter
from tests.story_factories import actor

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def cast(pool: asyncpg.Pool) -> asyncpg.Pool:
    await load(pool, actors_dataset())
    return pool


async def ids(client: Client, url: str) -> list[str]:
    page = await fetch_page(client, url)
    return [item["id"] for item in page["items"]]


async def walk(client: Client, url: str) -> list[str]:
    """Every id of every page of `url`, in order."""
    seen: list[str] = []
    page = await fetch_page(client, url)
    while True:
        seen.extend(item["id"] for item in page["items"])
        if page["next_cursor"] is None:
            return seen
        page = await fetch_page(client, with_cursor(url, page["next_cursor"]))


def assert_problem(response: Any, status: int, parameter: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if parameter is not None:
        assert [error["name"] for error in response.json()["errors"]] == [parameter]


async def test_list_serves_every_field_ordered_by_id(client: Client, cast: asyncpg.Pool) -> None:
    page = await fetch_page(client, "/v1/actors")
    assert [item["id"] for item in page["items"]] == sorted(a["id"] for a in actors_dataset()["actors"])
    assert page["next_cursor"] is None
    peskov = next(item for item in page["items"] if item["id"] == "dmitry-peskov")
    assert peskov == {
        "id": "dmitry-peskov",
        "kind": "person",
        "name": "Dmitry Peskov",
        "label": "Dmitry Peskov",
        "labels": {"en": "Dmitry Peskov", "fr": "Dmitri Peskov"},
        "aliases": ["Peskov", "Dmitri Peskov"],
        "description": {"en": "Kremlin spokesman", "fr": "Porte-parole du Kremlin"},
        "description_text": "Kremlin spokesman",
        "country": "RU",
        "affiliated_state": None,
        "wikidata": None,
        "claim_count": 2,
        "event_count": 1,
    }
    rt = next(item for item in page["items"] if item["id"] == "rt")
    assert rt["affiliated_state"] == "russia"
    iran = next(item for item in page["items"] if item["id"] == "iran")
    assert iran["wikidata"] == "Q794"


async def test_lang_and_accept_language_resolve_label_and_description(client: Client, cast: asyncpg.Pool) -> None:
    url = "/v1/actors?affiliated_with=kremlin"
    french = (await fetch_page(client, url + "&lang=fr"))["items"][0]
    assert (french["label"], french["description_text"]) == ("Dmitri Peskov", "Porte-parole du Kremlin")
    response = await client.get(url, headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert response.json()["items"][0]["label"] == "Dmitri Peskov"
    english = (await fetch_page(client, url + "&lang=en"))["items"][0]
    assert english["label"] == "Dmitry Peskov"


async def test_filters(client: Client, cast: asyncpg.Pool) -> None:
    assert await ids(client, "/v1/actors?kind=state") == ["iran", "russia"]
    assert await ids(client, "/v1/actors?kind=state&kind=government_body") == ["iran", "iran-mfa", "kremlin", "russia"]
    assert await ids(client, "/v1/actors?country=IR&kind=media_outlet") == ["nour-news", "press-tv"]
    assert await ids(client, "/v1/actors?country=ru") == ["dmitry-peskov", "kremlin", "rt", "russia"]
    assert await ids(client, "/v1/actors?affiliated_with=iran-mfa") == ["hossein-amir-abdollahian"]
    assert await ids(client, "/v1/actors?affiliated_with=nobody") == []
    assert await ids(client, "/v1/actors?q=iran&kind=anonymous_group") == ["iranian-officials"]
    assert await ids(client, "/v1/actors?q=peskov&affiliated_with=kremlin&country=RU") == ["dmitry-peskov"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Teheran", "iran"),
        ("Téhéran", "iran"),
        ("Peskov", "dmitry-peskov"),
        ("peskof", "dmitry-peskov"),
        ("Amirabdollahian", "hossein-amir-abdollahian"),
        ("Amir-Abdollahian", "hossein-amir-abdollahian"),
    ],
)
async def test_name_lookup_is_accent_case_hyphen_and_spelling_insensitive(
    client: Client, cast: asyncpg.Pool, query: str, expected: str
) -> None:
    assert (await ids(client, f"/v1/actors?q={quote(query)}"))[0] == expected


async def test_blank_q_lists_by_id(client: Client, cast: asyncpg.Pool) -> None:
    assert await ids(client, "/v1/actors?q=%20%20") == await ids(client, "/v1/actors")


async def test_detail_embeds_affiliations_reverse_ties_and_media(client: Client, cast: asyncpg.Pool) -> None:
    response = await client.get("/v1/actors/hossein-amir-abdollahian?lang=fr")
    assert response.status_code == 200
    minister = response.json()
    assert minister["claim_count"] == 0
    assert minister["affiliations"][0] == {
        "actor": {
            "id": "iran-mfa",
            "kind": "government_body",
            "name": "Ministry of Foreign Affairs of Iran",
            "label": "ministère iranien des Affaires étrangères",
            "labels": {"fr": "ministère iranien des Affaires étrangères"},
        },
        "role": "foreign minister",
        "start": "2021-08-25",
        "start_earliest": "2021-08-25",
        "end": "2024-05-19",
        "end_latest": "2024-05-19",
    }
    iran = (await client.get("/v1/actors/iran")).json()
    assert [tie["actor"]["id"] for tie in iran["affiliated_actors"]] == [
        "hossein-amir-abdollahian",
        "iran-mfa",
        "iranian-officials",
    ]
    assert [outlet["id"] for outlet in iran["media_outlets"]] == ["nour-news", "press-tv"]
    assert iran["media_outlets"][0] == {
        "id": "nour-news",
        "kind": "media_outlet",
        "name": "Nour News",
        "label": "Nour News",
        "labels": {},
    }
    kremlin = (await client.get("/v1/actors/kremlin")).json()
    assert [(t["actor"]["id"], t["role"]) for t in kremlin["affiliated_actors"]] == [("dmitry-peskov", "spokesman")]
    assert [(t["actor"]["id"], t["role"]) for t in kremlin["affiliations"]] == [("russia", "presidency of")]


async def test_unknown_actor_is_a_404_problem(client: Client, cast: asyncpg.Pool) -> None:
    for actor_id in ("nobody", "NOT%20A%20SLUG", "%00", "x" * 500):
        assert_problem(await client.get(f"/v1/actors/{actor_id}"), 404)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("kind=foo", "kind"),
        ("kind=state&kind=planet", "kind"),
        ("country=RUS", "country"),
        ("country=1", "country"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=abc", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("lang=!!", "lang"),
        ("q=%00", "q"),
        ("q=" + "x" * 201, "q"),
        ("affiliated_with=a%00b", "affiliated_with"),
    ],
)
async def test_bad_parameters_are_400_problems_naming_them(client: Client, query: str, parameter: str) -> None:
    assert_problem(await client.get(f"/v1/actors?{query}"), 400, parameter)


async def test_a_cursor_continues_only_its_own_list(client: Client, cast: asyncpg.Pool) -> None:
    by_id = (await fetch_page(client, "/v1/actors?limit=1"))["next_cursor"]
    by_rank = (await fetch_page(client, "/v1/actors?q=iran&limit=1"))["next_cursor"]
    assert_problem(await client.get(f"/v1/actors?q=iran&cursor={by_id}"), 400, "cursor")
    assert_problem(await client.get(f"/v1/actors?cursor={by_rank}"), 400, "cursor")
    assert_problem(await client.get(f"/v1/actors?q=russia&cursor={by_rank}"), 400, "cursor")
    assert (await client.get(f"/v1/actors?q=iran&cursor={by_rank}")).status_code == 200


@pytest.mark.parametrize("limit", [1, 2, 3, 50])
async def test_walking_pages_finds_every_actor_once(client: Client, cast: asyncpg.Pool, limit: int) -> None:
    everything = await ids(client, "/v1/actors?limit=200")
    assert await walk(client, f"/v1/actors?limit={limit}") == everything
    ranked = await ids(client, "/v1/actors?q=iran&limit=200")
    assert len(ranked) >= 3
    assert await walk(client, f"/v1/actors?q=iran&limit={limit}") == ranked


async def test_pages_stay_exact_while_actors_are_inserted(client: Client, pool: asyncpg.Pool) -> None:
    await load(pool, {"dataset": "first", "actors": [actor(f"peskov-{n:02d}", name=f"Peskov {n}") for n in range(12)]})
    before = set(await ids(client, "/v1/actors?q=peskov&limit=200"))
    for url in ("/v1/actors?limit=5", "/v1/actors?q=peskov&limit=5"):
        seen: list[str] = []
        page = await fetch_page(client, url)
        round_ = 0
        while True:
            seen.extend(item["id"] for item in page["items"])
            if page["next_cursor"] is None:
                break
            # Ids and ranks that sort both before and after the page just served (exact names, close spellings).
            round_ += 1
            await load(
                pool,
                {
                    "dataset": f"late-{url.count('q')}-{round_}",
                    "actors": [
                        actor(f"a-peskov-{url.count('q')}-{round_}", name="Peskov"),
                        actor(f"z-peskov-{url.count('q')}-{round_}", name="Peskov"),
                        actor(f"m-peskof-{url.count('q')}-{round_}", name="Ivan Peskof"),
                    ],
                },
            )
            page = await fetch_page(client, with_cursor(url, page["next_cursor"]))
        assert len(seen) == len(set(seen)), seen
        assert before <= set(seen)


async def test_statements_per_request_do_not_grow_with_the_page(
    client: Client, cast: asyncpg.Pool, query_counter: QueryCounter
) -> None:
    for url in ("/v1/actors?limit={}", "/v1/actors?q=iran&limit={}"):
        counts = []
        for limit in (1, 200):
            with query_counter.counting() as counted:
                assert (await client.get(url.format(limit))).status_code == 200
            counts.append(counted.count)
        assert counts == [1, 1], (url, counts)
    with query_counter.counting() as counted:
        assert (await client.get("/v1/actors/iran")).status_code == 200
    assert counted.count == 1


WEIRD = ["'", '"', "\\", "%", "_", "' OR 1=1 --", "😀", "a" * 200, "<script>", "& | ! :*", "ǅ\u200b\ufeff", "-"]


@pytest.mark.parametrize("value", WEIRD)
async def test_weird_input_never_breaks_the_server(client: Client, cast: asyncpg.Pool, value: str) -> None:
    encoded = quote(value, safe="")
    for url in (
        f"/v1/actors?q={encoded}",
        f"/v1/actors?affiliated_with={encoded}",
        f"/v1/actors/{encoded}",
        f"/v1/actors?cursor={encoded}",
    ):
        response = await client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.text)


async def test_story_lookups(client: Client, pool: asyncpg.Pool) -> None:
    await load_story(pool)
    assert (await ids(client, "/v1/actors?q=Teheran"))[0] == "iran"
    assert (await ids(client, "/v1/actors?q=Peskov"))[0] == "dmitry-peskov"
    assert (await ids(client, "/v1/actors?q=Peskof"))[0] == "dmitry-peskov"
    minister = "hossein-amir-abdollahian"
    assert (await ids(client, "/v1/actors?q=Amirabdollahian"))[0] == minister
    assert (await ids(client, "/v1/actors?q=Amir-Abdollahian"))[0] == minister
    assert "dmitry-peskov" in await ids(client, "/v1/actors?affiliated_with=kremlin&kind=person")
    iran = (await client.get("/v1/actors/iran")).json()
    assert {"presstv-french", "nour-news"} <= {outlet["id"] for outlet in iran["media_outlets"]}
    peskov = (await client.get("/v1/actors/dmitry-peskov")).json()
    assert ("kremlin", "spokesman") in [(t["actor"]["id"], t["role"]) for t in peskov["affiliations"]]
    assert peskov["claim_count"] > 0
    everything = await ids(client, "/v1/actors?limit=200")
    assert await walk(client, "/v1/actors?limit=7") == everything
