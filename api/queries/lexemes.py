"""The common words of each searchable table, from PostgreSQL's statistics: whether a search probes first.

`ANALYZE` (autovacuum runs it as tables change) keeps, for each `search_vector` column, its most common lexemes
and the share of rows that hold each (`pg_stats.most_common_elems` and `most_common_elem_freqs`; the frequencies
end with three summary figures, which pair with no lexeme and are left out). A lexeme missing from an analyzed
table's list is rarer than every lexeme in it. Search reads these shares to decide, per table, whether reading the
table's first rows can find its candidates (`api.queries.search`); the answer is the same either way, only its cost
differs, so a stale copy is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from api.queries import AnyConnection

FREQUENT_LEXEMES = """
SELECT s.tablename::text AS table_name, e.lexeme, e.frequency::float8 AS frequency
FROM pg_stats AS s
LEFT JOIN LATERAL (
    SELECT e.lexeme, e.frequency
    FROM unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, frequency)
    WHERE e.lexeme IS NOT NULL AND e.frequency >= $2
) AS e ON true
WHERE s.schemaname = current_schema() AND s.tablename = ANY($1::text[]) AND s.attname = 'search_vector'
    AND NOT s.inherited
ORDER BY 1, 2
"""
"""One row per lexeme (scalars: arrays of floats would make asyncpg look their type up on each new connection),
and one with a NULL lexeme for an analyzed table that has none that common."""


@dataclass(frozen=True)
class TableLexemes:
    """An analyzed table's lexemes held by at least the asked share of rows, with that share (0 to 1)."""

    lexemes: list[str]
    frequencies: list[float]

    @cached_property
    def frequencies_text(self) -> str:
        """The shares as one array literal (`$n::text::float8[]`), written once for every search that passes them."""
        return "{" + ",".join(map(repr, self.frequencies)) + "}"


LexemeFrequencies = dict[str, TableLexemes]
"""By table name; a table never analyzed has no entry (nothing is known of its words)."""


async def load_frequent_lexemes(conn: AnyConnection, tables: Sequence[str], min_frequency: float) -> LexemeFrequencies:
    """The lexemes of each of `tables`' `search_vector` held by at least `min_frequency` of its rows."""
    found: LexemeFrequencies = {}
    for row in await conn.fetch(FREQUENT_LEXEMES, list(tables), min_frequency):
        table = found.setdefault(row["table_name"], TableLexemes([], []))
        if row["lexeme"] is not None:
            table.lexemes.append(row["lexeme"])
            table.frequencies.append(row["frequency"])
    return found
