"""The former search: one statement for every type, the page and its snippets, kept as the split's reference.

`api/queries/search.py` now runs one statement per type concurrently and a statement for the page; the tests check
that it serves exactly what this statement served (same hits, ranks, order, titles and snippets on every page).
Its snippets are the former ones too: every candidate text parsed, then the best chosen.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from api.queries.search import (
    ACTOR_RANK,
    CANDIDATES,
    HEADLINE_OPTIONS,
    PROBE_ROWS,
    QUERY_WORDS,
    RANK,
    RankedHit,
    _hit,
    page_details,
)


def _snippet(candidates: str, languages: str) -> str:
    """The headline of the best candidate text: one that matches, in a preferred language, by part, by tag.

    `candidates` yields (config regconfig, lang text, part int, body text).
    """
    escaped = "replace(replace(replace(c.body, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
    return f"""(SELECT ts_headline(c.config, {escaped}, q.words, '{HEADLINE_OPTIONS}')
        FROM ({candidates}) AS c(config, lang, part, body)
        ORDER BY to_tsvector(c.config, c.body) @@ q.words DESC,
            array_position({languages}::text[], c.lang) NULLS LAST, c.part, c.lang
        LIMIT 1)"""


def _candidates(kind: str, table: str, alias: str, candidates: int, probe_rows: int) -> str:
    """The former `<kind>_probe` and `<kind>_hits` CTEs (api/queries/search.py `_candidates` says why)."""
    rank = RANK.format(f"ts_rank({alias}.search_vector, q.words)")
    gate = f"(SELECT count(*) FROM {kind}_probe)"
    return f"""{kind}_probe AS MATERIALIZED (
    SELECT {alias}.id::text AS id, {rank} AS rank
    FROM (SELECT id, search_vector FROM {table} LIMIT {probe_rows}) AS {alias}, query AS q
    WHERE '{kind}' = ANY($2::text[]) AND q.probe AND {alias}.search_vector @@ q.words
    LIMIT {candidates}
),
{kind}_hits AS (
    SELECT id, rank FROM {kind}_probe WHERE {gate} = {candidates}
    UNION ALL
    (SELECT {alias}.id::text, {rank}
    FROM {table} AS {alias}, query AS q
    WHERE '{kind}' = ANY($2::text[]) AND {gate} < {candidates} AND {alias}.search_vector @@ q.words
    LIMIT {candidates})
),"""


def former_statement(candidates: int = CANDIDATES, probe_rows: int = PROBE_ROWS) -> str:
    """The former single search statement (all types, the page and its snippets in one)."""
    return f"""
WITH {QUERY_WORDS},
{_candidates("event", "events", "e", candidates, probe_rows)}
{_candidates("claim", "claims", "c0", candidates, probe_rows)}
{_candidates("citation", "citations", "ci", candidates, probe_rows)}
actor_words AS MATERIALIZED (
    SELECT a.id::text AS id, {ACTOR_RANK} AS rank
    FROM actors AS a, query AS q
    WHERE 'actor' = ANY($2::text[]) AND a.search_vector @@ q.words
),
hits AS (
    SELECT 'actor'::text AS type, id, rank FROM actor_words
    UNION ALL
    (SELECT 'actor', a.id::text, {ACTOR_RANK}
    FROM actors AS a, query AS q
    WHERE 'actor' = ANY($2::text[]) AND NOT EXISTS (SELECT FROM actor_words)
        AND q.name <> '' AND q.name <% a.search_names)
    UNION ALL SELECT 'event', id, rank FROM event_hits
    UNION ALL SELECT 'claim', id, rank FROM claim_hits
    UNION ALL SELECT 'citation', id, rank FROM citation_hits
),
page AS (
    SELECT * FROM hits
    WHERE $3::bigint IS NULL OR rank < $3::bigint OR (rank = $3::bigint AND (type, id) > ($4::text, $5::text))
    ORDER BY rank DESC, type, id
    LIMIT $6
)
SELECT p.type, p.id, p.rank, d.titles, d.title_default, d.claim_kind, d.when_edtf, d.snippet
FROM page AS p CROSS JOIN query AS q
CROSS JOIN LATERAL {page_details("$7", _snippet)} AS d
ORDER BY p.rank DESC, p.type, p.id"""


async def former_search(
    conn: asyncpg.Pool | asyncpg.Connection,
    query: str,
    types: Sequence[str],
    *,
    after: tuple[int, str, str] | None,
    limit: int,
    languages: tuple[str, ...],
) -> list[RankedHit]:
    """What `api.queries.search.search` answered with the former statement."""
    after_rank, after_type, after_id = after if after is not None else (None, None, None)
    rows = await conn.fetch(
        former_statement(), query, list(types), after_rank, after_type, after_id, limit, list(languages)
    )
    return [RankedHit(row["rank"], _hit(row, row["rank"], languages)) for row in rows]
