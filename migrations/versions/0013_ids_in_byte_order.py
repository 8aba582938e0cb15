"""Identifiers and codes in byte order: every id, key and code column gets `COLLATE "C"` (issue 7).

Ids (`evt-…`, `clm-…`), the keys that point at them and the codes with a fixed list (`kind`, `role`,
`stance`, `relation`, `resource_type`) are only compared for equality and ordered to page through
them; nobody reads them in a language. Under the database's collation (`C.UTF-8`, `en_US.UTF-8`…)
every comparison of them went through the C library's `strcoll` and PostgreSQL could not sort them
by abbreviated keys: building `citations (source_id, id)` took 16.2 s on the benchmark corpus, 9.5 s
in byte order, and `timeline synth` builds 30 such indexes and keeps every primary key while it
COPYs. Byte order is also the same on every server and survives C library upgrades, which can
reorder a locale's collation and leave its indexes wrong; the ids' order does not change for ASCII
ids under `C.UTF-8` (code point order is byte order in UTF-8), so no cursor handed out before
points elsewhere after.

Texts people read (names, titles, words, quotes) keep the database's collation, and so does
`language`, which a trigger watches. `change_actors` has been in byte order since 0011. ALTER
COLUMN rebuilds the indexes and re-checks the keys of the columns it changes; the view
`resource_documents` and the triggers that name columns (`UPDATE OF source_id`…) depend on them, so
they are dropped and recreated from their own definitions.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "actors": ("id", "kind", "affiliated_state_id"),
    "actor_affiliations": ("actor_id", "target_id", "role"),
    "places": ("id",),
    "sources": ("id", "outlet_id"),
    "propositions": ("id",),
    "events": ("id", "kind", "place_id"),
    "event_participants": ("event_id", "actor_id", "role"),
    "claims": ("id", "kind", "claimant_id"),
    "claim_reporting": ("claim_id", "actor_id"),
    "claim_events": ("claim_id", "event_id"),
    "claim_stances": ("claim_id", "proposition_id", "stance"),
    "claim_links": ("claim_id", "target_id", "relation"),
    "citations": ("id", "source_id", "claim_id", "event_id"),
    "dataset_items": ("item_id",),
    "proposition_tallies": ("proposition_id",),
    "proposition_actor_stances": ("proposition_id", "actor_id", "claim_id", "stance"),
    "changes": ("resource_type", "resource_id"),
    "revisions": ("resource_type", "resource_id"),
    "tombstones": ("resource_type", "resource_id"),
}
"""Every text column that holds an id, a key or a code, by table."""


def _alter(collation: str) -> str:
    wanted = ", ".join(f"('{table}', '{column}')" for table, columns in ID_COLUMNS.items() for column in columns)
    tables = ", ".join(f"'{table}'" for table in ID_COLUMNS)
    # Each column keeps its type (most are the `slug` domain, whose check stays); only the collation changes.
    # The view's and the triggers' own text is read back before they go: no second copy of a definition to keep
    # in step. Only triggers that name columns (`UPDATE OF`, `WHEN`) stand in ALTER COLUMN's way.
    return f"""
DO $$
DECLARE
    view_definition text := pg_get_viewdef('resource_documents'::regclass);
    trigger_definitions text[] := '{{}}';
    named record;
    statement text;
    altered int := 0;
BEGIN
    FOR named IN
        SELECT pg_get_triggerdef(oid) AS definition, tgname, tgrelid::regclass AS on_table FROM pg_trigger
        WHERE NOT tgisinternal AND tgrelid::regclass::text IN ({tables})
          AND (cardinality(tgattr::int2[]) > 0 OR tgqual IS NOT NULL)
    LOOP
        trigger_definitions := trigger_definitions || named.definition;
        EXECUTE format('DROP TRIGGER %I ON %s', named.tgname, named.on_table);
    END LOOP;
    DROP VIEW resource_documents;
    FOR statement IN
        SELECT format('ALTER TABLE %I %s', w.table_name, string_agg(format('ALTER COLUMN %I TYPE %s COLLATE %I',
            a.attname, format_type(a.atttypid, a.atttypmod), '{collation}'), ', '))
        FROM (VALUES {wanted}) AS w (table_name, column_name)
        JOIN pg_attribute AS a ON a.attrelid = format('public.%I', w.table_name)::regclass
            AND a.attname = w.column_name AND NOT a.attisdropped
        GROUP BY w.table_name
    LOOP
        EXECUTE statement;
        altered := altered + 1;
    END LOOP;
    IF altered <> {len(ID_COLUMNS)} THEN
        RAISE EXCEPTION 'ids in byte order: % of {len(ID_COLUMNS)} tables found', altered;
    END IF;
    EXECUTE 'CREATE VIEW resource_documents AS ' || view_definition;
    FOREACH statement IN ARRAY trigger_definitions LOOP
        EXECUTE statement;
    END LOOP;
END
$$;
"""


def upgrade() -> None:
    op.execute(_alter("C"))


def downgrade() -> None:
    op.execute(_alter("default"))
