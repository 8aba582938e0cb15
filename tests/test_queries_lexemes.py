"""The searched tables' common lexemes (`api.queries.lexemes`), and the probe they decide (`api.queries.search`)."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from api.queries import search as queries
from api.queries.lexemes import TableLexemes, load_frequent_lexemes
from bench.explain import plan_nodes
from tests.factories_actors import load
from tests.test_common_lexemes import unanalyzed_many
from tests.test_search_split import many_dataset

TABLES = ["events", "claims", "citations"]
TRUE_SHARES = """
SELECT f.lexeme, avg((t.search_vector @@ quote_literal(f.lexeme)::tsquery)::int)::float8 AS share
FROM {table} AS t, unnest($1::text[]) AS f(lexeme)
GROUP BY f.lexeme
"""


@pytest.fixture
async def many(pool: asyncpg.Pool) -> asyncpg.Pool:
    await load(pool, many_dataset())
    return pool


async def analyze(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("ANALYZE events, claims, citations")


async def test_tables_never_analyzed_have_no_entry(pool: asyncpg.Pool) -> None:
    await unanalyzed_many(pool)
    async with pool.acquire() as conn:
        assert await load_frequent_lexemes(conn, TABLES, 0.0) == {}
    await analyze(pool)
    async with pool.acquire() as conn:
        assert sorted(await load_frequent_lexemes(conn, TABLES, 0.0)) == sorted(TABLES)
        assert list(await load_frequent_lexemes(conn, ["claims"], 0.0)) == ["claims"]


async def test_each_lexeme_comes_with_the_share_of_rows_holding_it(many: asyncpg.Pool) -> None:
    await analyze(many)
    async with many.acquire() as conn:
        found = await load_frequent_lexemes(conn, TABLES, 0.0)
        for table in TABLES:
            common = found[table]
            assert common.lexemes, table
            assert len(common.lexemes) == len(common.frequencies)
            truth = {r["lexeme"]: r["share"] for r in await conn.fetch(TRUE_SHARES.format(table=table), common.lexemes)}
            # ANALYZE read every row of these small tables: its shares are the true ones, to its float4 rounding.
            for lexeme, share in zip(common.lexemes, common.frequencies, strict=True):
                assert share == pytest.approx(truth[lexeme], abs=1e-3), (table, lexeme)
        assert "shahed" in found["claims"].lexemes
        assert found["claims"].frequencies[found["claims"].lexemes.index("dron")] == pytest.approx(1.0)


async def test_only_lexemes_at_least_as_common_as_asked(many: asyncpg.Pool) -> None:
    await analyze(many)
    async with many.acquire() as conn:
        every = await load_frequent_lexemes(conn, TABLES, 0.0)
        common = await load_frequent_lexemes(conn, TABLES, 0.5)
    for table in TABLES:
        kept = dict(zip(every[table].lexemes, every[table].frequencies, strict=True))
        expected = {lexeme: share for lexeme, share in kept.items() if share >= 0.5}
        assert dict(zip(common[table].lexemes, common[table].frequencies, strict=True)) == expected
        assert 0 < len(expected) < len(kept), table


async def test_the_searched_tables_lexemes_that_can_help_fill_a_probe(many: asyncpg.Pool) -> None:
    await analyze(many)
    async with many.acquire() as conn:
        common = await queries.load_common_lexemes(conn)
    assert sorted(common) == sorted(queries.SEARCHED_TABLE.values())
    least = queries.CANDIDATES / queries.PROBE_ROWS / 4
    assert all(share >= least for table in common.values() for share in table.frequencies)


def _probe_loops(plan: dict[str, Any], table: str) -> int:
    """Loops of the probe: the sequential scan of `table`'s first rows, in the `probe` CTE."""
    (probe,) = [n for n in plan_nodes(plan) if n.get("Subplan Name") == "CTE probe"]
    (scan,) = [n for n in plan_nodes(probe) if n.get("Relation Name") == table]
    assert scan["Node Type"] == "Seq Scan"
    return int(scan["Actual Loops"])


async def _run(conn: asyncpg.Connection, query: str, common: TableLexemes | None) -> tuple[list[Any], int]:
    """A claims candidate statement's rows, and how many times its probe ran."""
    statement = queries.candidate_statement("claim", candidates=5, probe_rows=50)
    args = (query, None, None, None, 50, *((common.lexemes, common.frequencies_text) if common else (None, None)))
    rows = [tuple(r) for r in await conn.fetch(statement, *args)]
    plan = await conn.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, *args)
    plan = json.loads(plan) if isinstance(plan, str) else plan  # json may come decoded by the pool's codecs
    return rows, _probe_loops(plan[0]["Plan"], "claims")


@pytest.mark.parametrize(
    ("query", "shares", "probes"),
    [
        ("drones", None, True),  # nothing known of the table: alternatives are probed, as before
        ("drones shahed", None, False),  # ... words that must all be there are not
        ("drones", {"dron": 1.0}, True),  # 5 candidates in 50 rows: a share of 10% fills the probe
        ("drones", {"dron": 0.05}, False),
        ("drones", {}, False),  # a lexeme missing from an analyzed table's list is rare
        ("drones or usine", {"dron": 0.06, "usin": 0.06}, True),  # alternatives add up
        ("drones shahed", {"dron": 0.5, "shahed": 0.5}, True),  # all of the words: shares multiply
        ("drones shahed", {"dron": 0.5, "shahed": 0.1}, False),
        ("drones -usine", {"dron": 1.0, "usin": 0.001}, False),  # a negation is not estimated
        ('"drones shahed"', {"dron": 1.0, "shahed": 1.0}, False),  # nor a phrase
    ],
)
async def test_the_probe_runs_only_when_the_words_are_common_enough_to_fill_it(
    many: asyncpg.Pool, query: str, shares: dict[str, float] | None, probes: bool
) -> None:
    common = TableLexemes(list(shares), list(shares.values())) if shares is not None else None
    async with many.acquire() as conn:
        rows, loops = await _run(conn, query, common)
        assert loops == (1 if probes else 0)
        # Probed or not, the same hits: what the whole-table index finds.
        without_probe = queries.candidate_statement("claim", candidates=5, probe_rows=0)
        assert rows == [tuple(r) for r in await conn.fetch(without_probe, query, None, None, None, 50, None, None)]
        assert rows
