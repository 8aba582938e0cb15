"""The SQL of sources and citations, called directly: keyset continuation, filters, open bounds."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest

from api.queries import citations as citation_queries
from api.queries import sources as queries
from tests.factories_sources import SOURCES_IN_ORDER, load, quote_at, sources_dataset
from tests.story_factories import claim

EN = ("en", "fr")


@pytest.fixture
async def loaded(pool: asyncpg.Pool) -> None:
    raw = sources_dataset()
    raw["claims"].append(
        claim("cl-open", "speaker", when="2022-11/..", citations=[quote_at("src-undated", "a-t-il dit dimanche.")])
    )
    await load(pool, raw)


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_keyset_continues_exactly_after_the_key(pool: asyncpg.Pool, order: str) -> None:
    expected = SOURCES_IN_ORDER if order == "asc" else SOURCES_IN_ORDER[::-1]
    seen: list[str] = []
    after = None
    async with pool.acquire() as conn:
        while True:
            items, after = await queries.list_sources(
                conn, queries.SourceFilters(), order=order, after=after, limit=2, languages=EN
            )
            seen += [item.id for item in items]
            if after is None:
                break
    assert seen == expected


@pytest.mark.usefixtures("loaded")
async def test_undated_sources_sort_at_infinity(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        items, after = await queries.list_sources(
            conn, queries.SourceFilters(), order="desc", after=None, limit=1, languages=EN
        )
        assert [item.id for item in items] == ["src-undated"]
        assert after == (date.max, "src-undated")
        last, _ = await queries.list_sources(
            conn, queries.SourceFilters(), order="asc", after=(date(2023, 2, 5), "src-mid-b"), limit=5, languages=EN
        )
    assert [item.id for item in last] == ["src-undated"]


@pytest.mark.usefixtures("loaded")
async def test_last_page_has_no_key(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        items, after = await queries.list_sources(
            conn, queries.SourceFilters(), order="asc", after=None, limit=len(SOURCES_IN_ORDER), languages=EN
        )
    assert [item.id for item in items] == SOURCES_IN_ORDER
    assert after is None


@pytest.mark.usefixtures("loaded")
async def test_filters(pool: asyncpg.Pool) -> None:
    async def ids(filters: queries.SourceFilters) -> list[str]:
        async with pool.acquire() as conn:
            items, _ = await queries.list_sources(conn, filters, order="asc", after=None, limit=50, languages=EN)
        return [item.id for item in items]

    assert await ids(queries.SourceFilters(outlets=["outlet-b"])) == ["src-mid-b"]
    assert await ids(queries.SourceFilters(languages=["fr"])) == ["src-early", "src-range", "src-mid-a"]
    window = queries.SourceFilters(published_from=date(2022, 12, 1), published_to=date(2023, 2, 4))
    assert await ids(window) == ["src-range"]


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_a_window_keeps_the_overlapping_sources_in_order(pool: asyncpg.Pool, order: str) -> None:
    # A window is served by another statement (the range index, then a sort): same rows, same order, same pages.
    async with pool.acquire() as conn:
        everything, _ = await queries.list_sources(
            conn, queries.SourceFilters(), order=order, after=None, limit=200, languages=EN
        )
        for start, end in [
            (date(2022, 1, 1), date(2030, 1, 1)),
            (date(2022, 12, 1), None),
            (None, date(2023, 2, 4)),
            (date(2023, 3, 1), date(2022, 12, 1)),  # inverted (refused by the route): no error
        ]:
            expected = [
                item.id
                for item in everything
                if item.published is not None  # undated sources are in no window
                and (start is None or (item.published_latest or date.max) >= start)
                and (end is None or (item.published_earliest or date.min) <= end)
            ]
            seen: list[str] = []
            after = None
            while True:
                items, after = await queries.list_sources(
                    conn,
                    queries.SourceFilters(published_from=start, published_to=end),
                    order=order,
                    after=after,
                    limit=1,
                    languages=EN,
                )
                seen += [item.id for item in items]
                if after is None:
                    break
            assert seen == expected, (start, end)


@pytest.mark.usefixtures("loaded")
async def test_get_source_reads_open_bounds_inside_json(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        detail = await queries.get_source(conn, "src-undated", languages=EN)
        missing = await queries.get_source(conn, "missing", languages=EN)
    assert missing is None
    assert detail is not None
    (citation,) = detail.citations
    assert (citation.backs.id, citation.backs.when) == ("cl-open", "2022-11/..")
    assert (citation.backs.earliest, citation.backs.latest) == (date(2022, 11, 1), None)


@pytest.mark.usefixtures("loaded")
async def test_citations_by_source_then_id(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        every, _ = await citation_queries.list_citations(
            conn, citation_queries.CitationFilters(), order="asc", after=None, limit=50, languages=EN
        )
        keys = [(c.source.id, c.id) for c in every]
        assert keys == sorted(keys)
        page, after = await citation_queries.list_citations(
            conn, citation_queries.CitationFilters(), order="desc", after=None, limit=2, languages=EN
        )
        assert [(c.source.id, c.id) for c in page] == keys[::-1][:2]
        assert after == keys[::-1][1]
        rest, _ = await citation_queries.list_citations(
            conn, citation_queries.CitationFilters(), order="desc", after=after, limit=50, languages=EN
        )
    assert [(c.source.id, c.id) for c in rest] == keys[::-1][2:]
