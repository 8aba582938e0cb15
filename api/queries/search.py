"""Search across actors, events, claims and citations: one statement per type, run concurrently, then the page.

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
returns the first `CANDIDATES` in the same physical order. Either way the hits are the same. The probe runs only
when the table's statistics say the words are common enough there to fill it (`api.common_lexemes`, each process's
copy of them): a rarer word goes straight to its bitmap. Rejected: "the N most
recent matches" (an index walk in time order with the `@@` filter) reads the whole table when a word is rarer than
the planner's estimate (a stop word of one language: 20 s). The words are read from the `query` CTE
(MATERIALIZED), which the planner cannot see through, so the plan does not depend on a word's estimated frequency.
Actors (20,000 rows at that scale) are all ranked. Consequence for clients: when more than `CANDIDATES` items of
one type match, the search serves `CANDIDATES` of them, ranked among themselves; more words narrow it.

Every hit gets an integer rank: `ts_rank` (plus, for actors, a tenth of the name's trigram
word similarity) in micro-units. Being an integer it compares exactly, so the keyset
(rank DESC, type, id) pages without duplicates or gaps.

Latency is the slowest type's, not the sum: each requested type's candidates are one statement (`CANDIDATE_SQL`:
ranked, past the cursor, sorted, at most the page), and given a pool the statements run concurrently, each on its
own connection, acquired by its own task and released as soon as its rows are in; no task holds a connection while
it waits for another, so concurrent searches cannot deadlock on a small pool. On the million-event bench corpus,
150 drawn French queries one statement at a time, the p50s are claims 10 ms, citations 7 ms, events 6 ms, actors
1 ms and the page 6 ms: 32 ms in one backend, 19 ms for the slowest type plus the page. The split only pays when
a core is free: with a second process busy on one of two cores, one request fell from p50 30-35 ms to 28-34 ms. The
sorted lists are merged in Python on (rank DESC, type): the type names sort the same in every collation and each
list comes sorted by id from PostgreSQL, so the merge gives exactly the order one `ORDER BY rank DESC, type, id`
would. Then one more statement (`PAGE`) makes the page's titles and snippets. Snippets (`ts_headline`, the costly
part) are made only for the page's rows, from the text that matches, in its own language's configuration,
preferring the request's languages; the text is HTML-escaped first so the only markup in a snippet is `<mark>`.
A request runs at most one statement per requested type plus one for the page (none when nothing matches).
A failure in one statement cancels the others and is raised as itself (not wrapped), so the app's handlers answer
as they would for any read. A row deleted between its type's statement and the page's is still served, with its id
for title and no snippet, as a search run a moment earlier would have served it.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import asyncpg

from api.params import resolve_label
from api.queries import AnyConnection
from api.queries.lexemes import LexemeFrequencies, load_frequent_lexemes
from schema.read_search import SearchHit

Languages = tuple[str, ...]

# One passage of 15 to 35 words around the matches (whole sentences of short texts, punctuation kept).
HEADLINE_OPTIONS = "StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15"


def _snippet(candidates: str, languages: str) -> str:
    """The headline of the best candidate text: the first that matches by preferred language, part and tag, else
    the first of them.

    `candidates` yields (config regconfig, lang text, part int, body text). A text is parsed (`to_tsvector`) only
    until one matches: the Limit stops the Append after its first row, and `OFFSET 0` keeps the match filter above
    the Sort, so texts are tried in order (most pages' hits match in their first text: one parse, not four).
    """
    escaped = "replace(replace(replace(c.body, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"
    ordered = f"""SELECT * FROM ({candidates}) AS c(config, lang, part, body)
            ORDER BY array_position({languages}::text[], c.lang) NULLS LAST, c.part, c.lang"""
    return f"""(SELECT ts_headline(c.config, {escaped}, q.words, '{HEADLINE_OPTIONS}')
        FROM (
            (SELECT * FROM ({ordered} OFFSET 0) AS c WHERE to_tsvector(c.config, c.body) @@ q.words LIMIT 1)
            UNION ALL
            ({ordered} LIMIT 1)
        ) AS c
        LIMIT 1)"""


def _map_texts(column: str, part: int) -> str:
    """Every text of a {"fr": …, "en": …} column as candidates, each with its language's configuration."""
    return f"SELECT timeline_ts_config(key), key, {part}, value FROM jsonb_each_text({column})"


def page_details(languages: str, snippet: Callable[[str, str], str] = _snippet) -> str:
    """The LATERAL subquery giving page row `p` (type, id) its titles, date and snippet, given query `q`.

    `languages` is the placeholder of the request's languages (the snippet prefers a text in one of them);
    `snippet(candidates, languages)` makes the snippet's subquery (a test passes the former one).
    """
    actor_snippet = snippet(
        _map_texts("a.description", 1) + " UNION ALL SELECT 'timeline_simple'::regconfig, NULL, 2,"
        " concat_ws(', ', VARIADIC a.name || a.aliases)",
        languages,
    )
    event_snippet = snippet(_map_texts("e.summary", 1) + " UNION ALL " + _map_texts("e.title", 2), languages)
    claim_snippet = snippet(
        "SELECT timeline_ts_config(c0.language), c0.language::text, 1, c0.words"
        " UNION ALL " + _map_texts("c0.translations", 2),
        languages,
    )
    citation_snippet = snippet(
        "SELECT timeline_ts_config(ci.language), ci.language::text, 1, ci.quote::text", languages
    )
    return f"""(
    SELECT a.labels::jsonb AS titles, a.name AS title_default, NULL::text AS claim_kind, NULL::text AS when_edtf,
        {actor_snippet} AS snippet
    FROM actors AS a WHERE p.type = 'actor' AND a.id = p.id
    UNION ALL
    SELECT e.title::jsonb, NULL, NULL, e.when_edtf::text, {event_snippet}
    FROM events AS e WHERE p.type = 'event' AND e.id = p.id
    UNION ALL
    SELECT a.labels::jsonb, a.name, c0.kind, c0.when_edtf::text, {claim_snippet}
    FROM claims AS c0 JOIN actors AS a ON a.id = c0.claimant_id WHERE p.type = 'claim' AND c0.id = p.id
    UNION ALL
    SELECT '{{}}'::jsonb, s.title, NULL, s.published_edtf::text, {citation_snippet}
    FROM citations AS ci JOIN sources AS s ON s.id = ci.source_id WHERE p.type = 'citation' AND ci.id = p.id
)"""


RANK = "round({0} * 1000000)::bigint"
ACTOR_RANK = RANK.format("(ts_rank(a.search_vector, q.words) + 0.1 * word_similarity(q.name, a.search_names))")

SEARCHED_TABLE = {"event": "events", "claim": "claims", "citation": "citations"}
"""The table of each type whose candidates are probed (`_candidates`); actors are all ranked."""

CANDIDATES = 200
"""Hits ranked per type (events, claims, citations): the API's largest page, so one type can fill it."""
PROBE_ROWS = 10_000
"""Rows of each table read in physical order for the candidates before the GIN index is asked (see `_candidates`)."""

QUERY_WORDS = """query_words AS MATERIALIZED (
    -- A reading equal to an earlier one is not OR-ed again ("tres" in English and unstemmed): every operand is
    -- tested against every vector the probe reads.
    SELECT CASE WHEN r.simple::text IN (r.fr::text, r.en::text) THEN r.fr_en ELSE r.fr_en || r.simple END AS words,
        timeline_normalise_name($1::text) AS name
    FROM (SELECT fr, simple, en, CASE WHEN en::text = fr::text THEN fr ELSE fr || en END AS fr_en
        FROM (SELECT websearch_to_tsquery('timeline_fr', $1::text) AS fr,
            websearch_to_tsquery('timeline_en', $1::text) AS en,
            websearch_to_tsquery('timeline_simple', $1::text) AS simple) AS readings) AS r
), query AS MATERIALIZED (
    -- Words that must all be there (or be side by side) are rarely in the first rows: the probe would not pay.
    SELECT words, name, words::text !~ '[&<]' AS probe FROM query_words
)"""
"""The CTEs `query_words` and `query` (words, name, probe) of the words in $1."""


def _candidates(table: str, alias: str, candidates: int, probe_rows: int) -> str:
    """Three CTEs: `common`, whether the words are common enough in the table to probe; `probe`, the first matches
    among the table's first `probe_rows` rows; `hits`, the first `candidates` matches of the whole table, ranked.

    Both are "the first matches in physical order": a Bitmap Heap Scan returns matches in that order, and so does
    a sequential scan from block 0 (pool connections turn `synchronize_seqscans` off, so a scan never starts
    where a concurrent one is). When the probe finds `candidates` matches they are the table's first ones, and
    the GIN bitmap, whose cost grows with the number of matches (about 100 ms for a word in 400,000 rows), is
    never built: its branch is gated by the probe's count, an InitPlan. A word matching 2% of rows fills the probe
    in 10,000 rows (a few ms). A rarer one would pay the probe for nothing before its bitmap, so the probe runs only
    when the words are common enough in the table to fill it: `common` estimates the share of rows that match from
    the shares of the table's common lexemes ($6 the lexemes, $7 their shares, from `api.queries.lexemes`): words
    that must all be there multiply (as if independent), alternatives add, a lexeme missing from the list counts as
    none. Queries with a negation, a phrase or parentheses are not estimated and skip the probe, as do words that
    must all be there when $6 is NULL (the table's words are not known: then the probe runs for alternatives only).
    The hits are the same either way; only the cost differs.
    """
    rank = RANK.format(f"ts_rank({alias}.search_vector, q.words)")
    gate = "(SELECT count(*) FROM probe)"
    common = candidates / probe_rows if probe_rows > 0 else 1.0
    return f"""common AS MATERIALIZED (
    SELECT CASE
        WHEN $6::text[] IS NULL THEN q.probe
        WHEN q.words::text ~ '[(!<]' THEN false
        ELSE coalesce((
            SELECT sum(b.share) FROM (
                SELECT CASE WHEN every(coalesce(f.frequency, 0) > 0)
                    THEN exp(sum(ln(greatest(f.frequency, 1e-9)))) ELSE 0 END AS share
                FROM regexp_split_to_table(q.words::text, ' [|] ') WITH ORDINALITY AS b(branch, n)
                CROSS JOIN LATERAL regexp_matches(b.branch, $$'((?:[^']|'')+)'$$, 'g') AS m
                LEFT JOIN unnest($6::text[], $7::text::float8[]) AS f(lexeme, frequency)
                    ON f.lexeme = replace(m[1], $$''$$, $$'$$)
                GROUP BY b.n) AS b), 0) >= {common}
    END AS probe
    FROM query AS q
),
probe AS MATERIALIZED (
    SELECT {alias}.id::text AS id, {rank} AS rank
    FROM (SELECT id, search_vector FROM {table} LIMIT {probe_rows}) AS {alias}, query AS q
    WHERE (SELECT probe FROM common) AND {alias}.search_vector @@ q.words
    LIMIT {candidates}
),
hits AS (
    SELECT id, rank FROM probe WHERE {gate} = {candidates}
    UNION ALL
    (SELECT {alias}.id::text, {rank}
    FROM {table} AS {alias}, query AS q
    WHERE {gate} < {candidates} AND {alias}.search_vector @@ q.words
    LIMIT {candidates})
)"""


ACTOR_HITS = f"""actor_words AS MATERIALIZED (
    SELECT a.id::text AS id, {ACTOR_RANK} AS rank
    FROM actors AS a, query AS q
    WHERE a.search_vector @@ q.words
),
hits AS (
    SELECT id, rank FROM actor_words
    UNION ALL
    (SELECT a.id::text, {ACTOR_RANK}
    FROM actors AS a, query AS q
    WHERE NOT EXISTS (SELECT FROM actor_words) AND q.name <> '' AND q.name <% a.search_names)
)"""


def candidate_statement(kind: str, candidates: int = CANDIDATES, probe_rows: int = PROBE_ROWS) -> str:
    """The statement of one type's hits: (id, rank) past the cursor, best first, at most `limit`.

    Parameters: $1 the words, $2 to $4 the cursor's (rank, type, id) or NULLs, $5 the limit; events, claims and
    citations also take $6 and $7, the table's common lexemes and their shares of rows (NULLs: unknown, see
    `_candidates`). Tests shrink `candidates` and `probe_rows` to take each path on a small dataset.
    """
    if kind == "actor":
        hits = ACTOR_HITS
    else:
        alias = {"event": "e", "claim": "c0", "citation": "ci"}[kind]
        hits = _candidates(SEARCHED_TABLE[kind], alias, candidates, probe_rows)
    return f"""
WITH {QUERY_WORDS},
{hits}
SELECT id, rank FROM hits
WHERE $2::bigint IS NULL OR rank < $2::bigint OR (rank = $2::bigint AND ('{kind}', id) > ($3::text, $4::text))
ORDER BY rank DESC, id
LIMIT $5"""


CANDIDATE_SQL = {kind: candidate_statement(kind) for kind in ("actor", "citation", "claim", "event")}
"""Each type's statement, by type name (the names sort the same in every collation: the merge relies on it)."""

PAGE = f"""
WITH {QUERY_WORDS}
SELECT p.type, p.id, d.titles, d.title_default, d.claim_kind, d.when_edtf, d.snippet
FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS p(type, id, position)
CROSS JOIN query AS q
LEFT JOIN LATERAL {page_details("$4")} AS d ON true
ORDER BY p.position"""
"""Titles, dates and snippets of the page's hits ($2 types, $3 ids, in page order; $4 the languages)."""


async def load_common_lexemes(conn: AnyConnection) -> LexemeFrequencies:
    """The searched tables' lexemes that can help fill a probe: held by at least a quarter of the share of rows
    that fills one alone (a query of several such words can add up to it)."""
    return await load_frequent_lexemes(conn, list(SEARCHED_TABLE.values()), CANDIDATES / PROBE_ROWS / 4)


@dataclass(frozen=True)
class RankedHit:
    """A hit with the exact integer rank its cursor carries."""

    rank: int
    hit: SearchHit


Key = tuple[int, str, str]
"""A hit's place in the order: (rank, type, id)."""
T = TypeVar("T")


async def search(
    conn: asyncpg.Pool | AnyConnection,
    query: str,
    types: Sequence[str],
    *,
    after: Key | None,
    limit: int,
    languages: Languages,
    common_lexemes: LexemeFrequencies | None = None,
) -> list[RankedHit]:
    """Up to `limit` hits of the given types, best first, starting after the (rank, type, id) `after`.

    Given a pool, the types' statements run concurrently on connections of their own; given a connection, one
    after another on it (EXPLAIN, tests). `common_lexemes` (`api.queries.lexemes`) decides which tables are worth
    probing; without it every table is probed.
    """
    after_rank, after_type, after_id = after if after is not None else (None, None, None)
    kinds = sorted(set(types))

    def candidates_of(kind: str) -> Callable[[AnyConnection], Awaitable[list[asyncpg.Record]]]:
        args: tuple[object, ...] = (query, after_rank, after_type, after_id, limit)
        if kind in SEARCHED_TABLE:
            known = (common_lexemes or {}).get(SEARCHED_TABLE[kind])
            args += (known.lexemes, known.frequencies_text) if known is not None else (None, None)
        return lambda c: c.fetch(CANDIDATE_SQL[kind], *args)

    found = await _run_all(conn, [candidates_of(kind) for kind in kinds])
    # Ties of (rank, type) come from one list, already in PostgreSQL's id order, which the stable merge keeps.
    sorted_lists = [[(row["rank"], kind, row["id"]) for row in rows] for kind, rows in zip(kinds, found, strict=True)]
    page: list[Key] = list(heapq.merge(*sorted_lists, key=lambda key: (-key[0], key[1])))[:limit]
    if not page:
        return []
    (details,) = await _run_all(
        conn, [lambda c: c.fetch(PAGE, query, [k[1] for k in page], [k[2] for k in page], list(languages))]
    )
    return [RankedHit(key[0], _hit(row, key[0], languages)) for key, row in zip(page, details, strict=True)]


async def _run_all(
    source: asyncpg.Pool | AnyConnection, calls: Sequence[Callable[[AnyConnection], Awaitable[T]]]
) -> list[T]:
    """Each call's result, in order: on a pool, concurrently, each on a connection acquired and released by itself.

    A failure cancels the calls still running (their connections go back to the pool once cancelled) and is
    raised as itself, so it is answered like any failed read.
    """
    if not isinstance(source, asyncpg.Pool):
        return [await call(source) for call in calls]
    pool = source

    async def on_own_connection(call: Callable[[AnyConnection], Awaitable[T]]) -> T:
        conn = await pool.acquire()
        try:
            return await call(conn)
        finally:
            # The pool shields a release from cancellation but a cancelled caller stops waiting for it: wait for it
            # anyway, so that when the search has returned or raised, every connection it took is back.
            release = asyncio.ensure_future(pool.release(conn))
            try:
                await asyncio.shield(release)
            except asyncio.CancelledError:
                await release
                raise

    if len(calls) == 1:
        return [await on_own_connection(calls[0])]
    tasks = [asyncio.ensure_future(on_own_connection(call)) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _hit(row: asyncpg.Record, rank: int, languages: Languages) -> SearchHit:
    title = resolve_label(row["titles"], languages, row["title_default"]) or row["id"]
    if row["claim_kind"] is not None:
        title = f"{title}: {row['claim_kind'].replace('_', ' ')}"
    return SearchHit(
        type=row["type"],
        id=row["id"],
        title=title,
        snippet=row["snippet"] or "",
        when=row["when_edtf"],
        rank=rank / 1_000_000,
    )
