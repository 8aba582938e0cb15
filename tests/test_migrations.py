"""Migrations: up to head, down to base and up again on a database holding rows leaves the same schema."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from api import migrate
from tests.conftest import NewDatabase
from tests.factories_events import load_story

# One row per table, for the tables the migrations create. A table listed here but absent is skipped; add a line
# when a migration adds a table, so the round trip runs over real rows.
SAMPLE_ROWS: dict[str, str] = {
    "actors": "INSERT INTO actors (id, kind, name) VALUES ('round-trip', 'person', 'Round Trip')",
    "places": "INSERT INTO places (id, name) VALUES ('round-trip', 'Round Trip')",
    # Derived rows: the proposition's trigger writes its tally; the current-stance row stands alone (no keys).
    "proposition_actor_stances": """
        INSERT INTO proposition_actor_stances (proposition_id, actor_id, claim_id, stance, earliest)
        VALUES ('round-trip', 'round-trip', 'round-trip', 'supports', '2023-01-01')""",
    "proposition_tallies": "INSERT INTO propositions (id, text) VALUES ('round-trip', '{\"en\": \"Round trip\"}')",
    # Filled before `webhooks` (tables go in name order), so it brings its own webhook.
    "webhook_deliveries": """
        WITH hook AS (
            INSERT INTO webhooks (url, secret, key_name)
            VALUES ('https://hooks.example/round-trip', 'round-trip-secret-01', 'round-trip') RETURNING id)
        INSERT INTO webhook_deliveries (webhook_id, change_id, change_txid, event, payload)
        SELECT id, 1, '1'::xid8, 'actors.upsert', '{}' FROM hook""",
    "webhooks": """
        INSERT INTO webhooks (url, secret, key_name)
        VALUES ('https://hooks.example/second', 'round-trip-secret-02', 'round-trip')""",
}

# Columns by name, not position: a downgrade that puts back a generated column (0010) can only add it last.
SCHEMA_DUMP = {
    "columns": """
        SELECT table_schema, table_name, column_name, data_type, domain_name, is_nullable, column_default,
               is_generated, generation_expression, collation_name
        FROM information_schema.columns
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'scratch')
          AND table_name <> 'alembic_version'
        ORDER BY 1, 2, 3""",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger
        WHERE NOT tgisinternal ORDER BY 1, 2""",
    "constraints": """
        SELECT n.nspname, conrelid::regclass::text, contypid::regtype::text, conname, contype,
               pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'scratch')
          AND conrelid::regclass::text IS DISTINCT FROM 'alembic_version'
        ORDER BY 1, 2, 3, 4""",
    "indexes": """
        SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'scratch')
          AND tablename <> 'alembic_version'
        ORDER BY 1, 2, 3""",
    "types": """
        SELECT n.nspname, t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'scratch')
          AND t.typtype IN ('d', 'e', 'c') AND NOT EXISTS (SELECT 1 FROM pg_class r WHERE r.reltype = t.oid)
        ORDER BY 1, 2""",
    "functions": """
        SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'scratch')
        ORDER BY 1, 2, 3""",
    "views": "SELECT schemaname, viewname, definition FROM pg_views WHERE schemaname = 'public' ORDER BY 1, 2",
    "extensions": "SELECT extname, extversion FROM pg_extension ORDER BY 1",
}


async def dump_schema(url: str) -> dict[str, list[tuple[object, ...]]]:
    conn = await asyncpg.connect(url)
    try:
        return {name: [tuple(r) for r in await conn.fetch(sql)] for name, sql in SCHEMA_DUMP.items()}
    finally:
        await conn.close()


async def user_tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        return {r["tablename"] for r in rows}
    finally:
        await conn.close()


async def insert_rows(url: str) -> list[str]:
    """Insert sample rows: a scratch table always (so there are rows even before any model exists), plus one row
    in each migrated table that ``SAMPLE_ROWS`` knows. Return the migrated tables filled."""
    tables = await user_tables(url)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE SCHEMA scratch; CREATE TABLE scratch.notes (id int PRIMARY KEY, body text)")
        await conn.execute("INSERT INTO scratch.notes VALUES (1, 'survives the round trip')")
        filled = [table for table in sorted(tables) if table in SAMPLE_ROWS]
        for table in filled:
            await conn.execute(SAMPLE_ROWS[table])
        return filled
    finally:
        await conn.close()


async def test_upgrade_downgrade_upgrade_keeps_the_schema(make_database: NewDatabase) -> None:
    url = await make_database(empty=True)
    assert migrate.current_revision(url) is None

    migrate.upgrade(url, "head")
    assert migrate.current_revision(url) == migrate.head_revision()
    at_head = await dump_schema(url)
    tables = await user_tables(url)
    filled = await insert_rows(url)
    assert set(filled) <= tables

    migrate.downgrade(url, "base")
    assert migrate.current_revision(url) is None
    assert await user_tables(url) == set(), "downgrade to base left tables behind"
    at_base = await dump_schema(url)
    assert {name for name, _ in at_base["extensions"]} == {"plpgsql"}

    migrate.upgrade(url, "head")
    assert migrate.current_revision(url) == migrate.head_revision()
    assert await dump_schema(url) == at_head

    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT body FROM scratch.notes WHERE id = 1") == "survives the round trip"
    finally:
        await conn.close()


async def test_every_revision_steps_down_and_up(make_database: NewDatabase) -> None:
    """Each migration's downgrade undoes exactly its upgrade."""
    url = await make_database(empty=True)
    dumps: dict[str | None, dict[str, list[tuple[object, ...]]]] = {None: await dump_schema(url)}
    script_revisions = _revisions_oldest_first()
    for revision in script_revisions:
        migrate.upgrade(url, revision)
        dumps[revision] = await dump_schema(url)
    for previous, revision in reversed(list(zip([None, *script_revisions], script_revisions, strict=False))):
        migrate.migrate_to(url, previous or "base")
        assert migrate.current_revision(url) == previous
        assert await dump_schema(url) == dumps[previous], f"downgrade of {revision} left a different schema"


async def test_migrate_to_goes_up_and_down(make_database: NewDatabase) -> None:
    url = await make_database(empty=True)
    assert migrate.migrate_to(url, "head") == "upgrade"
    assert migrate.migrate_to(url, "head") == "none"
    assert migrate.migrate_to(url, "0001") == "downgrade"
    assert migrate.current_revision(url) == "0001"
    assert migrate.migrate_to(url, "base") == "downgrade"
    assert migrate.current_revision(url) is None


async def test_template_databases_are_migrated_and_isolated(database_url: str, make_database: NewDatabase) -> None:
    assert migrate.current_revision(database_url) == migrate.head_revision()
    other = await make_database()
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("CREATE TABLE only_here (id int)")
    finally:
        await conn.close()
    conn = await asyncpg.connect(other)
    try:
        assert await conn.fetchval("SELECT to_regclass('only_here')") is None
    finally:
        await conn.close()


def _revisions_oldest_first() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


# Maps of one text (the fast path), of several, of other languages, with JSON nulls, numbers and characters the
# tsvector text form escapes.
LANG_MAPS = [
    None,
    {},
    {"fr": "Les usines de drones iraniens à Alabouga"},
    {"en": "Iranian drone factories in Yelabuga"},
    {"fr": ""},
    {"fr": None},
    {"en": 2022},
    {"fr": "L'usine « Alabouga » : 6 000 drones", "en": "The 'Alabuga' plant: 6,000 drones"},
    {"fa": "پهپادهای ایرانی"},
    {"fr-CA": "Les usines"},
    {"fr": "usine", "de": "Fabrik"},
    {"en": "back\\slash and 'quotes'"},
]


async def test_lang_map_vectors_are_the_merged_ones(database_url: str) -> None:
    """0008's one-text fast path returns exactly what printing, joining and parsing the vectors returned."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
        for texts in LANG_MAPS:
            fast, merged = await conn.fetchrow(
                "SELECT timeline_lang_map_tsvector($1::jsonb)::text,"
                " timeline_lang_map_tsvector_merged($1::jsonb)::text",
                texts,
            )
            assert fast == merged, texts
        body = await conn.fetchval("SELECT pg_get_functiondef('timeline_lang_map_tsvector_merged'::regproc)")
        assert "string_agg" in body  # the reference is the former definition, not the fast path itself
    finally:
        await conn.close()


async def test_stored_vectors_match_the_new_definition(database_url: str) -> None:
    """Generated columns written before 0008 hold what 0008's definition computes: nothing needs rewriting."""
    url = database_url
    migrate.migrate_to(url, "0007")
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            """INSERT INTO events (id, kind, title, summary, when_edtf, earliest, latest)
               VALUES ('e1', 'report', '{"fr": "Usine de drones"}', '{"fr": "Les usines", "en": "The plants"}',
                       '2022-10', '2022-10-01', '2022-10-31')"""
        )
        before = await conn.fetchval("SELECT search_vector::text FROM events WHERE id = 'e1'")
    finally:
        await conn.close()
    migrate.migrate_to(url, "head")
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE events SET title = title WHERE id = 'e1'")  # recomputes the generated column
        assert await conn.fetchval("SELECT search_vector::text FROM events WHERE id = 'e1'") == before
    finally:
        await conn.close()


async def test_participant_dates_are_backfilled_and_dropped_again(make_database: NewDatabase) -> None:
    """Migration 0012 gives existing participants their event's dates; its downgrade puts the former index back."""
    url = await make_database(empty=True)
    migrate.upgrade(url, "0011")
    await load_story(url)
    migrate.upgrade(url, "0012")
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT (p.earliest, p.latest) IS NOT DISTINCT FROM (e.earliest, e.latest) AS same"
            " FROM event_participants AS p JOIN events AS e ON e.id = p.event_id"
        )
        assert len(rows) > 10 and all(r["same"] for r in rows)
        assert "earliest" in await conn.fetchval("SELECT indexdef FROM pg_indexes WHERE indexname = $1", ACTOR_INDEX)
    finally:
        await conn.close()
    migrate.downgrade(url, "0011")
    conn = await asyncpg.connect(url)
    try:
        definition = await conn.fetchval("SELECT indexdef FROM pg_indexes WHERE indexname = $1", ACTOR_INDEX)
        assert definition.endswith("(actor_id, event_id)")
        assert await conn.fetchval("SELECT to_regprocedure('timeline_span_class(date, date)')") is None
    finally:
        await conn.close()


ACTOR_INDEX = "event_participants_actor_idx"


def migration_module(revision: str) -> Any:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config()).get_revision(revision)
    assert script is not None
    return script.module


ID_COLUMNS: dict[str, tuple[str, ...]] = migration_module("0013").ID_COLUMNS
ID_COLLATIONS = """
    SELECT table_name || '.' || column_name AS name, collation_name FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = ANY($1::text[])"""
CLAIMANTS_JOINED = "SELECT count(*) FROM claims JOIN actors ON actors.id = claims.claimant_id"
DOCUMENTS = "SELECT resource_type, id, version, doc::text FROM resource_documents ORDER BY 1, 2"


async def test_ids_go_to_byte_order_and_back_with_their_rows(make_database: NewDatabase) -> None:
    """Migration 0013 puts every id, key and code column in byte order, keeping the rows and the view over them."""
    url = await make_database(empty=True)
    migrate.upgrade(url, "0012")
    await load_story(url)
    named = [f"{table}.{column}" for table, columns in ID_COLUMNS.items() for column in columns]
    conn = await asyncpg.connect(url)
    try:
        documents = await conn.fetch(DOCUMENTS)
        joined = await conn.fetchval(CLAIMANTS_JOINED)
    finally:
        await conn.close()
    assert len(documents) > 10 and joined > 10
    for revision, collation in (("0013", "C"), ("0012", None)):
        migrate.migrate_to(url, revision)
        conn = await asyncpg.connect(url)
        try:
            collations = {r["name"]: r["collation_name"] for r in await conn.fetch(ID_COLLATIONS, list(ID_COLUMNS))}
            assert {name: collations.get(name, "absent") for name in named} == dict.fromkeys(named, collation)
            assert collations["claims.words"] is None  # what people read keeps the database's collation
            assert await conn.fetch(DOCUMENTS) == documents
            assert await conn.fetchval(CLAIMANTS_JOINED) == joined
        finally:
            await conn.close()
