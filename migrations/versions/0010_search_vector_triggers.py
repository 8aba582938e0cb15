"""Issue 7: the search vectors of events, claims and citations are kept by triggers, not generated columns.

A generated column can only be computed by PostgreSQL, row by row, from the texts: loading the
synthetic corpus (8 million texts) spent about half of its COPY time in the text-search parser. As
plain columns kept by a BEFORE INSERT OR UPDATE trigger, they hold exactly the same value for every
row written through SQL (the API, the dataset loader), and a bulk loader that already knows the
value may COPY it with the trigger disabled: `timeline synth` builds each vector from the vectors
PostgreSQL computed for its few thousand pooled sentences and checks a sample of rows against these
functions after the load (api/synth/vectors.py).

Each vector's definition is now a function of the row's texts (`timeline_<table>_search_vector`),
the one the trigger calls and the one a check can compare stored values with. The triggers fire
on every UPDATE, whichever columns it names: a citation's language is set by the
`citations_source_language` trigger when its source changes, a change the vector must follow, and
BEFORE triggers fire in name order, so each is named `<table>_vector`, after that one.
`ALTER COLUMN … DROP EXPRESSION` keeps the stored values: nothing is rewritten.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VECTORS = {
    "events": (
        "title jsonb, summary jsonb, tags text[]",
        "NEW.title, NEW.summary, NEW.tags",
        """setweight(timeline_lang_map_tsvector(title), 'A')
    || setweight(timeline_lang_map_tsvector(summary), 'B')
    || setweight(to_tsvector('timeline_simple', timeline_join_words(tags)), 'C')""",
    ),
    "claims": (
        "words text, language text, translations jsonb",
        "NEW.words, NEW.language, NEW.translations",
        """setweight(to_tsvector(timeline_ts_config(language), words), 'A')
    || setweight(timeline_lang_map_tsvector(translations), 'B')""",
    ),
    "citations": (
        "quote text, language text",
        "NEW.quote, NEW.language",
        "to_tsvector(timeline_ts_config(language), quote)",
    ),
}
"""table: (the function's parameters, the trigger's arguments, the expression of migration 0003)."""


def _upgrade_table(table: str, parameters: str, arguments: str, expression: str) -> str:
    return f"""
CREATE FUNCTION timeline_{table}_search_vector({parameters}) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN {expression};
CREATE FUNCTION timeline_{table}_set_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := timeline_{table}_search_vector({arguments});
    RETURN NEW;
END $$;
ALTER TABLE {table} ALTER COLUMN search_vector DROP EXPRESSION;
CREATE TRIGGER {table}_vector BEFORE INSERT OR UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION timeline_{table}_set_search_vector();
"""


def _downgrade_table(table: str, parameters: str, arguments: str, expression: str) -> str:
    return f"""
DROP TRIGGER {table}_vector ON {table};
DROP FUNCTION timeline_{table}_set_search_vector();
ALTER TABLE {table} DROP COLUMN search_vector;
ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    {expression}
) STORED;
CREATE INDEX {table}_search_vector_idx ON {table} USING gin (search_vector);
DROP FUNCTION timeline_{table}_search_vector({parameters});
"""


def upgrade() -> None:
    op.execute("".join(_upgrade_table(t, *v) for t, v in VECTORS.items()))


def downgrade() -> None:
    op.execute("".join(_downgrade_table(t, *v) for t, v in VECTORS.items()))
