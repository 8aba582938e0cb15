"""Search across actors, events, claims and citations, in one statement.

The query is read three ways at once (`websearch_to_tsquery` with the French, English and
unstemmed configurations, all of which drop accents) and OR-ed, so "usines" finds "usine" and
"Teheran" finds "Téhéran"; each text was indexed in its own language (migration 0003), and
the GIN indexes on `search_vector` find the matches. When no actor matches the words, actors
match by name trigrams, so a misspelt name still finds its owner; when some do, the look-alikes
are left out (at a million events "dette" is like every "Gazette": 800 similarity checks, 10 ms).

Work per request is bounded: each of events, claims and citations contributes at most `CANDIDATES` hits, the
first ones in the table's physical order, and only those are ranked. At a million events a common French word
matches hundreds of thousands of rows, and no index returns rows in `ts_rank` order, so ranking every match (the
first design) cost seconds. The first matches are found in two steps (`_candidates`): a probe reads the table's
first `PROBE_ROWS` rows and keeps those that match; only when it finds fewer than `CANDIDATES` does the GIN bitmap
of every match get built (about 80 ms for a word in 400,000 rows, a few ms for a rare one), and its bitmap heap scan
returns the first `CANDIDATES` in the same physical order. Either way the hits are the same. Rejected: "the N most
recent matches" (an index walk in time order with the `@@` filter) reads the whole table when a word is rarer than
the planner's estimate (a stop word of one language: 20 s). The words are read from the `query` CTE
(MATERIALIZED), which the planner cannot see through, so the plan does not depend on a word's estimated frequency.
Actors (20,000 rows at that scale) are all ranked. Consequence for clients: when more than `CANDIDATES` items of
one type match, the search serves `CANDIDATES` of them, ranked among themselves; more words narrow it.

Every hit gets an integer rank: `ts_rank` (plus, for actors, a tenth of the name's trigram
word similarity) in micro-units. Being an integer it compares exactly, so the keyset
(rank DESC, type, id) pages without duplicates or gaps. Snippets (`ts_headline`, the costly
part) are made only for the page's rows, from the text that matches, in its own language's
configuration, preferring the request's languages; the text is HTML-escaped first so the only
markup in a snippet is `<mark>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from api.params import resolve_label
from api.queries import AnyConnection
from schema.read_search import SearchHit

Languages = tuple[str, ...]

# One passage of 15 to 35 words around the matches (whole sentences of short texts, punctuation kept).
HEADLINE_OPTIONS = "StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15"


def _snippet(candidates: str) -> str:
    """The headline of the best candidate text: one that matches, in a preferred language, by part, by tag.

    `candidates` yields (config regconfig, lang text, part int, body text).
    """
    escaped = "replace(replace(replace(c.body, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
    return f"""(SELECT ts_headline(c.config, {escaped}, q.words, '{HEADLINE_OPTIONS}')
        FROM ({candidates}) AS c(config, lang, part, body)
        ORDER BY to_tsvector(c.config, c.body) @@ q.words DESC,
            array_position($7::text[], c.lang) NULLS LAST, c.part, c.lang
        LIMIT 1)"""


def _map_texts(column: str, part: int) -> str:
    """Every text of a {"fr": …, "en": …} column as candidates, each with its language's configuration."""
    return f"SELECT timeline_ts_config(key), key, {part}, value FROM jsonb_each_text({column})"


ACTOR_SNIPPET = _snippet(
    _map_texts("a.description", 1) + " UNION ALL SELECT 'timeline_simple'::regconfig, NULL, 2,"
    " concat_ws(', ', VARIADIC a.name || a.aliases)"
)
EVENT_SNIPPET = _snippet(_map_texts("e.summary", 1) + " UNION ALL " + _map_texts("e.title", 2))
CLAIM_SNIPPET = _snippet(
    "SELECT timeline_ts_config(c0.language), c0.language::text, 1, c0.words"
    " UNION ALL " + _map_texts("c0.translations", 2)
)
CITATION_SNIPPET = _snippet("SELECT timeline_ts_config(ci.language), ci.language::text, 1, ci.quote::text")

RANK = "round({0} * 1000000)::bigint"
ACTOR_RANK = RANK.format("(ts_rank(a.search_vector, q.words) + 0.1 * word_similarity(q.name, a.search_names))")

CANDIDATES = 200
"""Hits ranked per type (events, claims, citations): the API's largest page, so one type can fill it."""
PROBE_ROWS = 10_000
"""Rows of each table read in physical order for the candidates before the GIN index is asked (see `_candidates`)."""


def _candidates(kind: str, table: str, alias: str, candidates: int, probe_rows: int) -> str:
    """Two CTEs: `<kind>_probe`, the first matches among the table's first `probe_rows` rows, and `<kind>_hits`,
    the first `candidates` matches of the whole table with their rank.

    Both are "the first matches in physical order": a Bitmap Heap Scan returns matches in that order, and so does
    a sequential scan from block 0 (pool connections turn `synchronize_seqscans` off, so a scan never starts
    where a concurrent one is). When the probe finds `candidates` matches they are the table's first ones, and
    the GIN bitmap, whose cost grows with the number of matches (about 100 ms for a word in 400,000 rows), is
    never built: its branch is gated by the probe's count, an InitPlan. A word matching 2% of rows fills the probe
    in 10,000 rows (a few ms); a rarer one costs the probe and then its small bitmap.
    """
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


def search_statement(candidates: int = CANDIDATES, probe_rows: int = PROBE_ROWS) -> str:
    """The search statement; tests shrink `candidates` and `probe_rows` to take each path on a small dataset."""
    return f"""
WITH query_words AS MATERIALIZED (
    SELECT websearch_to_tsquery('timeline_fr', $1::text) || websearch_to_tsquery('timeline_en', $1::text)
            || websearch_to_tsquery('timeline_simple', $1::text) AS words,
        timeline_normalise_name($1::text) AS name
), query AS MATERIALIZED (
    -- Words that must all be there (or be side by side) are rarely in the first rows: the probe would not pay.
    SELECT words, name, words::text !~ '[&<]' AS probe FROM query_words
),
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
CROSS JOIN LATERAL (
    SELECT a.labels::jsonb AS titles, a.name AS title_default, NULL::text AS claim_kind, NULL::text AS when_edtf,
        {ACTOR_SNIPPET} AS snippet
    FROM actors AS a WHERE p.type = 'actor' AND a.id = p.id
    UNION ALL
    SELECT e.title::jsonb, NULL, NULL, e.when_edtf::text, {EVENT_SNIPPET}
    FROM events AS e WHERE p.type = 'event' AND e.id = p.id
    UNION ALL
    SELECT a.labels::jsonb, a.name, c0.kind, c0.when_edtf::text, {CLAIM_SNIPPET}
    FROM claims AS c0 JOIN actors AS a ON a.id = c0.claimant_id WHERE p.type = 'claim' AND c0.id = p.id
    UNION ALL
    SELECT '{{}}'::jsonb, s.title, NULL, s.published_edtf::text, {CITATION_SNIPPET}
    FROM citations AS ci JOIN sources AS s ON s.id = ci.source_id WHERE p.type = 'citation' AND ci.id = p.id
) AS d
ORDER BY p.rank DESC, p.type, p.id"""


SEARCH = search_statement()


@dataclass(frozen=True)
class RankedHit:
    """A hit with the exact integer rank its cursor carries."""

    rank: int
    hit: SearchHit


async def search(
    conn: asyncpg.Pool | AnyConnection,
    query: str,
    types: Sequence[str],
    *,
    after: tuple[int, str, str] | None,
    limit: int,
    languages: Languages,
) -> list[RankedHit]:
    """Up to `limit` hits of the given types, best first, starting after the (rank, type, id) `after`."""
    after_rank, after_type, after_id = after if after is not None else (None, None, None)
    rows = await conn.fetch(SEARCH, query, list(types), after_rank, after_type, after_id, limit, list(languages))
    return [RankedHit(row["rank"], _hit(row, languages)) for row in rows]


def _hit(row: asyncpg.Record, languages: Languages) -> SearchHit:
    title = resolve_label(row["titles"], languages, row["title_default"]) or row["id"]
    if row["claim_kind"] is not None:
        title = f"{title}: {row['claim_kind'].replace('_', ' ')}"
    return SearchHit(
        type=row["type"],
        id=row["id"],
        title=title,
        snippet=row["snippet"] or "",
        when=row["when_edtf"],
        rank=row["rank"] / 1_000_000,
    )
