"""Search as one statement per type run concurrently, then the page: same answers, bounded statements, clean failures.

The reference is the former single statement (`tests/search_reference.py`), run on the same data.
"""

from __future__ import annotations

import functools
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.queries import search as queries
from api.queries.lexemes import TableLexemes
from api.queries.search import RankedHit
from schema.read_search import SEARCH_TYPES
from tests.factories_actors import actors_dataset, load
from tests.querycount import QueryCounter
from tests.search_reference import former_search
from tests.story_factories import actor, citation, claim, event

Client = AsyncTestClient[Litestar]
EN = ("en", "fr")
FR = ("fr", "en")
MANY = queries.CANDIDATES + 30
"""Items per searchable table: more than a type's candidates, so a common word fills the probe."""
DOCUMENT = (
    "Des drones Shahed ont frappé Kyiv. Shahed drones struck again at dawn. "
    "Les usines de drones Shahed tournent à Ielabouga. Nothing else was said about the factory."
)
QUOTES = [
    "Des drones Shahed ont frappé Kyiv.",
    "Shahed drones struck again at dawn.",
    "Les usines de drones Shahed tournent à Ielabouga.",
    "Nothing else was said about the factory.",
]


def many_dataset() -> dict[str, Any]:
    """MANY events, claims (each with a citation) over few distinct texts: long runs of equal ranks, ids decide."""
    speakers = [actor("shahed-aviation", kind="company", name="Shahed Aviation"), actor("speaker-one")]
    speakers.append(actor("speaker-two", description={"en": "Talks about Shahed drones"}))
    events = [
        event(
            f"ev-{n:03d}",
            title={"en": "Shahed drones" + " Shahed" * (n % 3), "fr": "Drones Shahed" + " usine" * (n % 2)},
            summary={"en": "A factory in Yelabuga" if n % 50 == 7 else "Nothing to report"},
        )
        for n in range(MANY)
    ]
    claims = [
        claim(
            f"cl-{n:03d}",
            "speaker-one" if n % 2 else "speaker-two",
            words="Les drones Shahed" + " Shahed" * (n % 4) + (" viennent de l'usine" if n % 40 == 3 else ""),
            translations={"en": "The Shahed drones" + (" come from the factory" if n % 40 == 3 else "")},
            citations=[citation("doc-fr" if n % 3 else "doc-en", QUOTES[n % len(QUOTES)], DOCUMENT)],
        )
        for n in range(MANY)
    ]
    sources = [
        {"id": "doc-fr", "title": "Un article", "language": "fr"},
        {"id": "doc-en", "title": "A wire", "language": "en", "published": "2023-02-07"},
    ]
    return {"dataset": "many", "actors": speakers, "sources": sources, "events": events, "claims": claims}


@pytest.fixture
async def many(pool: asyncpg.Pool) -> asyncpg.Pool:
    await load(pool, many_dataset())
    return pool


async def walk(
    search: Any, pool: asyncpg.Pool, query: str, types: tuple[str, ...], limit: int, languages: tuple[str, ...]
) -> list[list[RankedHit]]:
    """Every page of a search, `limit` hits at a time, each next page after the previous page's last hit."""
    pages: list[list[RankedHit]] = []
    after: tuple[int, str, str] | None = None
    while True:
        page = await search(pool, query, types, after=after, limit=limit, languages=languages)
        if not page:
            return pages
        pages.append(page)
        last = page[-1]
        after = (last.rank, last.hit.type, last.hit.id)


@pytest.mark.parametrize(
    ("query", "types", "languages"),
    [
        ("shahed", SEARCH_TYPES, EN),  # every type's probe fills: CANDIDATES of each, long ties
        ("shahed", ("claim", "citation"), FR),
        ("usine OR factory", SEARCH_TYPES, FR),  # rarer: the probe falls short, the GIN bitmap answers
        ("drones -shahed", SEARCH_TYPES, EN),
        ("Shahid Aviation", ("actor", "event"), EN),  # no actor has the words: look-alike names
        ("xylophone", SEARCH_TYPES, EN),
    ],
)
@pytest.mark.parametrize("limit", [7, 200])
async def test_every_page_is_what_the_former_statement_served(
    many: asyncpg.Pool, query: str, types: tuple[str, ...], languages: tuple[str, ...], limit: int
) -> None:
    split = await walk(queries.search, many, query, types, limit, languages)
    former = await walk(former_search, many, query, types, limit, languages)
    assert split == former
    if query == "shahed" and types == SEARCH_TYPES:
        served = [r.hit for page in split for r in page]
        assert {hit.type for hit in served} == set(SEARCH_TYPES)
        assert sum(hit.type == "event" for hit in served) == queries.CANDIDATES
        assert len(served) == len({(hit.type, hit.id) for hit in served})
        assert all(hit.snippet for hit in served)


@pytest.mark.parametrize("known", ["analyzed", "nothing common"])
async def test_the_same_pages_whichever_tables_are_probed(many: asyncpg.Pool, known: str) -> None:
    async with many.acquire() as conn:
        await conn.execute("ANALYZE events, claims, citations")
        common = await queries.load_common_lexemes(conn)
    if known == "nothing common":
        common = {table: TableLexemes([], []) for table in common}
    else:
        assert all(common[table].lexemes for table in queries.SEARCHED_TABLE.values())
    gated = functools.partial(queries.search, common_lexemes=common)
    for query in ["shahed", "usine OR factory", "drones -shahed", "drones shahed", "xylophone"]:
        for limit in (7, 200):
            expected = await walk(former_search, many, query, SEARCH_TYPES, limit, EN)
            assert await walk(gated, many, query, SEARCH_TYPES, limit, EN) == expected, (query, limit)


async def test_a_connection_runs_the_same_statements_one_after_another(many: asyncpg.Pool) -> None:
    async with many.acquire() as conn:
        on_connection = await queries.search(conn, "shahed", SEARCH_TYPES, after=None, limit=60, languages=EN)
    assert on_connection == await queries.search(many, "shahed", SEARCH_TYPES, after=None, limit=60, languages=EN)


@pytest.mark.parametrize("types", [("event",), ("actor", "claim"), ("citation", "claim", "event"), SEARCH_TYPES])
async def test_only_the_requested_types_run_a_statement_and_the_page_one_more(
    client: Client, pool: asyncpg.Pool, query_counter: QueryCounter, types: tuple[str, ...]
) -> None:
    await load(pool, actors_dataset())
    chosen = "".join(f"&types={kind}" for kind in types)
    with query_counter.counting() as counted:
        response = await client.get(f"/v1/search?q=Iran%20OR%20usine%20OR%20Peskov{chosen}&limit=200")
    assert response.status_code == 200, response.text
    assert {item["type"] for item in response.json()["items"]} == set(types)
    assert sorted(counted.statements) == sorted([queries.CANDIDATE_SQL[kind] for kind in types] + [queries.PAGE])
    with query_counter.counting() as counted:
        response = await client.get(f"/v1/search?q=xylophone{chosen}")
    assert response.json()["items"] == []
    assert sorted(counted.statements) == sorted(queries.CANDIDATE_SQL[kind] for kind in types)  # no page to make


async def test_a_failing_type_is_raised_as_itself_and_every_connection_comes_back(pool: asyncpg.Pool) -> None:
    await load(pool, actors_dataset())
    await pool.execute("ALTER TABLE citations RENAME TO citations_elsewhere")
    for _ in range(3):  # more searches than the pool has connections to spare, were one kept each time
        with pytest.raises(asyncpg.UndefinedTableError):  # raised as itself, not in an ExceptionGroup
            await queries.search(pool, "Iran OR usine", SEARCH_TYPES, after=None, limit=50, languages=EN)
        assert pool.get_idle_size() == pool.get_size()
    await pool.execute("ALTER TABLE citations_elsewhere RENAME TO citations")
    found = await queries.search(pool, "Iran OR usine", SEARCH_TYPES, after=None, limit=50, languages=EN)
    assert {r.hit.type for r in found} == set(SEARCH_TYPES)


async def test_a_failing_type_is_the_usual_problem_and_the_pool_stays_whole(client: Client, pool: asyncpg.Pool) -> None:
    await load(pool, actors_dataset())
    await pool.execute("ALTER TABLE claims RENAME TO claims_elsewhere")
    app_pool: asyncpg.Pool = client.app.state.read_pool
    for _ in range(app_pool.get_max_size() + 1):  # a connection kept per failure would exhaust the pool
        response = await client.get("/v1/search?q=Iran%20OR%20usine")
        assert response.status_code == 500, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["detail"] == "The server failed to handle the request."
    assert app_pool.get_idle_size() == app_pool.get_size()
    await pool.execute("ALTER TABLE claims_elsewhere RENAME TO claims")
    assert ("claim", "tehran-denies") in [
        (i["type"], i["id"]) for i in (await client.get("/v1/search?q=teheran")).json()["items"]
    ]
