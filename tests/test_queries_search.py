"""The search query, run directly: languages, types, ranks, titles and snippets."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from api.queries import search as queries
from api.queries.search import RankedHit
from schema.read_search import SEARCH_TYPES
from tests.factories_actors import actors_dataset, load, load_story
from tests.story_factories import actor, event

EN = ("en", "fr")
FR = ("fr", "en")


@pytest.fixture
async def cast(pool: asyncpg.Pool) -> asyncpg.Pool:
    await load(pool, actors_dataset())
    return pool


async def hits(
    pool: asyncpg.Pool, query: str, types: tuple[str, ...] = SEARCH_TYPES, languages: tuple[str, ...] = EN
) -> list[RankedHit]:
    return await queries.search(pool, query, types, after=None, limit=200, languages=languages)


async def keys(pool: asyncpg.Pool, query: str, types: tuple[str, ...] = SEARCH_TYPES) -> list[tuple[str, str]]:
    return [(r.hit.type, r.hit.id) for r in await hits(pool, query, types)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("usines", ("event", "factory-deal")),  # French plural finds the singular of the French title
        ("drones iraniens", ("claim", "peskov-no-factory")),  # "drones iraniens" as in the French words
        ("drone iranien", ("event", "factory-deal")),
        ("factories", ("event", "factory-deal")),  # English stemming of the English title
        ("Teheran", ("claim", "tehran-denies")),  # accents ignored: "Téhéran"
        ("ielabouga", ("citation", "peskov-no-factory@article-fr")),
        ("dement", ("citation", "tehran-denies@wire-en")),
        ("spokesman", ("actor", "dmitry-peskov")),  # actor descriptions are searched too
    ],
)
async def test_french_and_english_stemming_and_accents(
    cast: asyncpg.Pool, query: str, expected: tuple[str, str]
) -> None:
    assert expected in await keys(cast, query)


async def test_every_type_is_searched_and_types_narrow(cast: asyncpg.Pool) -> None:
    everything = await keys(cast, "Iran OR usine OR Téhéran")
    assert {kind for kind, _ in everything} == set(SEARCH_TYPES)
    for kind in SEARCH_TYPES:
        assert await keys(cast, "Iran OR usine OR Téhéran", (kind,)) == [k for k in everything if k[0] == kind]
    both = await keys(cast, "Iran OR usine OR Téhéran", ("claim", "event"))
    assert both == [k for k in everything if k[0] in ("claim", "event")]


async def test_misspelt_actor_names_are_found(cast: asyncpg.Pool) -> None:
    assert ("actor", "dmitry-peskov") in await keys(cast, "Peskof")


async def test_look_alike_names_only_when_no_actor_has_the_words(pool: asyncpg.Pool) -> None:
    await load(
        pool,
        {"dataset": "look-alikes", "actors": [actor("dmitry-peskov"), actor("olga-peskova"), actor("oleg-petrov")]},
    )
    assert set(await keys(pool, "Peskof", ("actor",))) == {("actor", "dmitry-peskov"), ("actor", "olga-peskova")}
    assert await keys(pool, "Peskov", ("actor",)) == [("actor", "dmitry-peskov")]  # Peskova only looks alike


async def test_nothing_matches_nonsense(cast: asyncpg.Pool) -> None:
    assert await keys(cast, "xylophone") == []
    assert await keys(cast, "!!! ---") == []


async def test_hits_are_ranked_then_ordered_by_type_and_id(pool: asyncpg.Pool) -> None:
    await load(
        pool,
        {
            "dataset": "ranks",
            "events": [
                event("b-twin", title={"en": "Shahed drones"}),
                event("a-twin", title={"en": "Shahed drones"}),
                event("strong", title={"en": "Shahed Shahed Shahed"}),
                event("weak", title={"en": "Something"}, summary={"en": "Shahed drones were seen, then many others."}),
            ],
            "actors": [actor("shahed", kind="company", name="Shahed drones")],
        },
    )
    ranked = await hits(pool, "shahed")
    assert [(r.hit.type, r.hit.id) for r in ranked][:1] == [("event", "strong")]
    order = [(-r.rank, r.hit.type, r.hit.id) for r in ranked]
    assert order == sorted(order)
    twins = [r for r in ranked if r.hit.id.endswith("-twin")]
    assert [r.hit.id for r in twins] == ["a-twin", "b-twin"] and twins[0].rank == twins[1].rank
    assert ranked[-1].hit.id == "weak"
    assert all(r.hit.rank == r.rank / 1_000_000 for r in ranked)
    assert [r.rank for r in await hits(pool, "shahed")] == [r.rank for r in ranked]  # deterministic


async def test_keyset_continues_after_rank_type_and_id(cast: asyncpg.Pool) -> None:
    everything = await hits(cast, "Iran OR usine OR Téhéran")
    pivot = everything[2]
    rest = await queries.search(
        cast,
        "Iran OR usine OR Téhéran",
        SEARCH_TYPES,
        after=(pivot.rank, pivot.hit.type, pivot.hit.id),
        limit=200,
        languages=EN,
    )
    assert [r.hit.id for r in rest] == [r.hit.id for r in everything[3:]]


async def test_titles_per_type(cast: asyncpg.Pool) -> None:
    by_key = {
        (r.hit.type, r.hit.id): r.hit for r in await hits(cast, "Iran OR usine OR Téhéran OR Peskov", languages=FR)
    }
    assert by_key[("event", "factory-deal")].title == "Accord sur une usine de drones iraniens"
    assert by_key[("claim", "peskov-no-factory")].title == "Dmitri Peskov: denial"
    assert by_key[("claim", "tehran-denies")].title == "ministère iranien des Affaires étrangères: refusal to comment"
    assert by_key[("citation", "tehran-denies@wire-en")].title == "A wire story"
    assert by_key[("actor", "dmitry-peskov")].title == "Dmitri Peskov"
    english = {(r.hit.type, r.hit.id): r.hit for r in await hits(cast, "usine", languages=EN)}
    assert english[("event", "factory-deal")].title == "Deal on an Iranian drone factory"


async def test_when_per_type(cast: asyncpg.Pool) -> None:
    by_key = {(r.hit.type, r.hit.id): r.hit for r in await hits(cast, "Iran OR usine OR Téhéran OR Peskov")}
    assert by_key[("event", "factory-deal")].when == "2023-02-05"
    assert by_key[("claim", "tehran-denies")].when == "2022-11"
    assert by_key[("citation", "tehran-denies@wire-en")].when == "2023-02-07"
    assert by_key[("citation", "peskov-no-factory@article-fr")].when is None
    assert by_key[("actor", "iran")].when is None


async def test_snippets_mark_the_match_in_the_matching_text(cast: asyncpg.Pool) -> None:
    by_key = {(r.hit.type, r.hit.id): r.hit for r in await hits(cast, "usines")}
    assert by_key[("event", "factory-deal")].snippet == "Accord sur une <mark>usine</mark> de drones iraniens"
    assert "<mark>usine</mark>" in by_key[("claim", "peskov-no-factory")].snippet
    assert "<mark>usine</mark>" in by_key[("citation", "peskov-no-factory@article-fr")].snippet
    actor_hit = {(r.hit.type, r.hit.id): r.hit for r in await hits(cast, "spokesman")}[("actor", "dmitry-peskov")]
    assert actor_hit.snippet == "Kremlin <mark>spokesman</mark>"


async def test_snippets_prefer_the_requested_language_when_it_matches_too(cast: asyncpg.Pool) -> None:
    def snippet(found: list[RankedHit]) -> str:
        return next(r.hit.snippet for r in found if r.hit.id == "peskov-no-factory" and r.hit.type == "claim")

    assert snippet(await hits(cast, "drone", languages=FR)).startswith("Il n'y a pas d'usine de <mark>drones</mark>")
    assert snippet(await hits(cast, "drone", languages=EN)).startswith("There is no Iranian <mark>drone</mark>")
    # Only the French words say "Russie": the French text is shown even to an English reader.
    assert "<mark>Russie</mark>" in snippet(await hits(cast, "russie", languages=EN))


async def test_snippets_are_escaped_html_with_only_mark_tags(cast: asyncpg.Pool) -> None:
    (hit,) = [r.hit for r in await hits(cast, "factory", ("event",))]
    assert "&lt;b&gt;<mark>factory</mark>&lt;/b&gt; &amp; more" in hit.snippet
    assert "<b>" not in hit.snippet


async def test_each_type_ranks_at_most_its_candidates_and_pages_through_them_once(pool: asyncpg.Pool) -> None:
    # More events match "shahed" than a type contributes: the search serves CANDIDATES of them, each once across
    # pages, best first; a rarer word among the same events is still found (the bound is per query, per type).
    count = queries.CANDIDATES + 25
    titles = [{"en": "Shahed drones" + " Shahed" * (n % 3)} for n in range(count)]
    events = [event(f"shahed-{n:03d}", title=title) for n, title in enumerate(titles)]
    events.append(event("shahed-rare", title={"en": "Shahed drones over Yelabuga"}))
    await load(pool, {"dataset": "many", "events": events})
    first_page = await queries.search(pool, "shahed", ("event",), after=None, limit=200, languages=EN)
    served = list(first_page)
    while True:
        last = served[-1]
        more = await queries.search(
            pool, "shahed", ("event",), after=(last.rank, last.hit.type, last.hit.id), limit=200, languages=EN
        )
        if not more:
            break
        served += more
    ids = [r.hit.id for r in served]
    assert len(ids) == len(set(ids)) == queries.CANDIDATES
    order = [(-r.rank, r.hit.id) for r in served]
    assert order == sorted(order)
    assert [(r.hit.type, r.hit.id) for r in await hits(pool, "shahed yelabuga", ("event",))] == [
        ("event", "shahed-rare")
    ]
    # The same candidates every time, so a walk of pages is stable.
    again = await queries.search(pool, "shahed", ("event",), after=None, limit=200, languages=EN)
    assert [r.hit.id for r in again] == [r.hit.id for r in first_page]


PROBE_QUERIES = ["drones", "Iran", "usine", "Téhéran", "Peskov", "démenti", "xylophone"]


@pytest.mark.parametrize("probe_rows", [1, 5, 20, 10_000])
async def test_the_probe_finds_the_hits_the_index_finds(pool: asyncpg.Pool, probe_rows: int) -> None:
    """Reading each table's first rows before the GIN index changes nothing in the answer, only its cost."""
    await load_story(pool)
    async with pool.acquire() as conn:
        for kind in ("event", "claim", "citation"):
            without_probe = queries.candidate_statement(kind, candidates=3, probe_rows=0)
            with_probe = queries.candidate_statement(kind, candidates=3, probe_rows=probe_rows)
            for query in PROBE_QUERIES:
                args = (query, None, None, None, 50, None, None)  # the words' shares unknown: always probe
                assert [tuple(r) for r in await conn.fetch(with_probe, *args)] == [
                    tuple(r) for r in await conn.fetch(without_probe, *args)
                ], (kind, query)


async def test_a_probe_that_finds_enough_skips_the_index(pool: asyncpg.Pool) -> None:
    await load_story(pool)

    async def claim_scans(candidates: int) -> list[int]:
        """Loops of each scan of claims that looks for matches."""
        statement = queries.candidate_statement("claim", candidates=candidates, probe_rows=10_000)
        async with pool.acquire() as conn:
            plan = await conn.fetchval(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, "Iran", None, None, None, 20, None, None
            )
        plan = json.loads(plan) if isinstance(plan, str) else plan  # json may come decoded by the pool's codecs
        return [n["Actual Loops"] for n in _nodes(plan[0]["Plan"]) if n.get("Relation Name") == "claims"]

    assert 0 in await claim_scans(candidates=2)  # the probe found 2: the whole-table scan never ran
    assert 0 not in await claim_scans(candidates=10_000)  # the probe cannot find that many: both ran


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(n for child in plan.get("Plans", []) for n in _nodes(child))]


THREE_READINGS = (
    "websearch_to_tsquery('timeline_fr', $1::text) || websearch_to_tsquery('timeline_en', $1::text)"
    " || websearch_to_tsquery('timeline_simple', $1::text)"
)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("très", "'tre' | 'tres'"),  # English and unstemmed read the same: once
        ("usines", "'usin' | 'usines'"),  # French and English read the same: once
        ("Peskov", "'peskov'"),
        ("drones Shahed", "'dron' & 'shahed' | 'drone' & 'shahe' | 'drones' & 'shahed'"),  # all different
    ],
)
async def test_readings_that_coincide_are_searched_once(cast: asyncpg.Pool, query: str, words: str) -> None:
    async with cast.acquire() as conn:
        assert await conn.fetchval(f"WITH {queries.QUERY_WORDS} SELECT words::text FROM query", query) == words
        # The same rows match as with the three readings OR-ed.
        for table in ("events", "claims", "citations"):
            matching = f"""WITH {queries.QUERY_WORDS}
                SELECT array_agg(t.id ORDER BY t.id) FILTER (WHERE t.search_vector @@ q.words),
                    array_agg(t.id ORDER BY t.id) FILTER (WHERE t.search_vector @@ ({THREE_READINGS}))
                FROM {table} AS t, query AS q"""
            deduplicated, three = await conn.fetchrow(matching, query)
            assert deduplicated == three, (table, query)
