"""Issue 7 at a million events: search vectors of one-language maps computed directly; the feed by type.

1. Search vectors (the corpus load).

`timeline_lang_map_tsvector` merged the vectors of every text of a {"fr": …, "en": …} map by
printing each as text, joining and parsing them back, so that the merged vector keeps each text's
own positions. A map of one text needs no merging, and printing a vector and parsing it back gives
the same vector: for the maps of one `fr` or one `en` text (most translations, titles and
summaries) the function now returns `to_tsvector` of that text directly. Every other map takes the
former path, now `timeline_lang_map_tsvector_merged`.

The result is the same value for every input (tests/test_migrations.py compares both definitions),
so the stored generated columns stay valid and nothing is rewritten. The new body is a single
expression, which PostgreSQL inlines into the generated columns' expressions; a body with a
subquery is called through the SQL-function executor for every row. On a sample of the synthetic
corpus this halves the cost of the translations' vectors.

2. The feed of each resource type: `changes_<type>_feed_idx` on `(txid, id)` for that type's
changes only, so `/v1/changes?types=` walks just the requested types' changes, in feed order
(api/queries/changes.py). Without them a type that is rare behind the cursor (claims, behind 1.4
million other changes in the synthetic feed) costs a walk of the whole feed. One partial index per
type rather than one on `(resource_type, txid, id)`: the planner, which assumes each type is spread
evenly along the feed, prefers walking `changes_feed_idx` and dropping other types over a composite
index (random heap reads), but a partial index is the same walk without the dropping, which it
always prefers. The types are the closed list of `changes.resource_type`'s CHECK; a migration adding
a type adds its index.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESOURCE_TYPES = ("actors", "places", "sources", "propositions", "events", "claims", "citations")
FEED_INDEXES = "\n".join(
    f"CREATE INDEX changes_{t}_feed_idx ON changes (txid, id) WHERE resource_type = '{t}';" for t in RESOURCE_TYPES
)
DROP_FEED_INDEXES = "\n".join(f"DROP INDEX changes_{t}_feed_idx;" for t in RESOURCE_TYPES)

MERGED = """
    SELECT coalesce(tsvector_agg, ''::tsvector) FROM (
        SELECT string_agg(to_tsvector(timeline_ts_config(key), value)::text, ' ')::tsvector AS tsvector_agg
        FROM jsonb_each_text(texts)) AS t"""

UPGRADE = f"""
-- Every text of a {{"fr": …, "en": …}} map, each in its own language, positions as in each text.
CREATE FUNCTION timeline_lang_map_tsvector_merged(texts jsonb) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ({MERGED});

CREATE OR REPLACE FUNCTION timeline_lang_map_tsvector(texts jsonb) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN texts IS NULL OR texts = '{{}}'::jsonb THEN ''::tsvector
        WHEN texts - 'fr' = '{{}}'::jsonb
            THEN coalesce(to_tsvector('timeline_fr'::regconfig, texts ->> 'fr'), ''::tsvector)
        WHEN texts - 'en' = '{{}}'::jsonb
            THEN coalesce(to_tsvector('timeline_en'::regconfig, texts ->> 'en'), ''::tsvector)
        ELSE timeline_lang_map_tsvector_merged(texts)
    END;

{FEED_INDEXES}
"""

DOWNGRADE = f"""
{DROP_FEED_INDEXES}
CREATE OR REPLACE FUNCTION timeline_lang_map_tsvector(texts jsonb) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ({MERGED});
DROP FUNCTION timeline_lang_map_tsvector_merged(jsonb);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
