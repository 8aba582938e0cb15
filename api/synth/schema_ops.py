"""Drop the secondary indexes, unique and foreign keys of the tables synth fills, and put them back exactly.

What is dropped is read from the catalog first (`pg_indexes`, `pg_constraint`), so what comes
back is what the migrations made, whatever migration made it. Primary keys stay: ids are
loaded in ascending order, so keeping them costs little, and foreign keys are checked once,
by `ALTER TABLE … ADD CONSTRAINT`, instead of row by row. The triggers whose work synth does
itself (`TRIGGERS`) are dropped meanwhile and created again from their catalog definition:
disabling them is not enough, because PostgreSQL still plans for a disabled trigger. A disabled
BEFORE ROW trigger makes COPY insert row by row, and then COPY FREEZE leaves the pages without
their all-visible mark (migration 0010's search-vector triggers on events, claims and
citations); a disabled trigger with a transition table still collects every row COPYed.

Autovacuum is off for the loaded tables until the load is over (`autovacuum_enabled`, each
table's own setting put back as it was). Left on, it vacuumed and analyzed every table again and
again while its rows were still coming (27 VACUUMs and 29 ANALYZEs in one load, `claim_reporting`
four times, each VACUUM reading all of the table so far and rewriting its pages to set hint
bits), taking a core from the load at moments no two runs shared. Synth ANALYZEs every table
itself at the end. Its COPYs write the rows frozen and mark most pages all-visible (`load`), so
autovacuum's VACUUM after the load has little left to do: `change_actors`, which the feed's
trigger fills row by row, and a page here and there.

The statements that restore everything are written to `synth_restore` before anything is
dropped, in the same transaction: a load killed halfway leaves them there, and the next
`timeline synth` runs them first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

JOURNAL = "synth_restore"
TRIGGERS = (
    ("citations", "citations_source_language"),
    # Proposition tallies (migration 0009): rebuilt in one pass after the load (`DERIVED`), not per COPY.
    ("propositions", "propositions_tally_insert"),
    ("claim_stances", "claim_stances_tally_insert"),
    # Search vectors (migration 0010): synth COPYs them (api/synth/vectors.py) and checks a sample after the load.
    ("events", "events_vector"),
    ("claims", "claims_vector"),
    ("citations", "citations_vector"),
    # Participants' copy of their event's dates (migration 0012): synth writes it with the row.
    ("event_participants", "event_participants_dates"),
)
DERIVED = (("timeline_rebuild_proposition_tallies", ("proposition_tallies", "proposition_actor_stances")),)
"""(function, tables): a function recomputing from scratch tables that the triggers above keep."""

_INDEXES = """
SELECT i.tablename, i.indexname, i.indexdef
FROM pg_indexes AS i
WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
  AND NOT EXISTS (
      SELECT 1 FROM pg_constraint AS c
      WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
ORDER BY i.tablename, i.indexname
"""
_CONSTRAINTS = """
SELECT c.conrelid::regclass::text AS tablename, c.conname, c.contype, pg_get_constraintdef(c.oid) AS definition
FROM pg_constraint AS c
WHERE c.connamespace = 'public'::regnamespace AND c.contype IN ('u', 'f')
  AND (c.conrelid::regclass::text = ANY($1::text[]) OR c.confrelid::regclass::text = ANY($1::text[]))
ORDER BY c.contype DESC, c.conrelid::regclass::text, c.conname
"""

_TRIGGERS = """
SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger AS t JOIN pg_class AS c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'public'::regnamespace AND t.tgenabled <> 'D'
  AND (c.relname, t.tgname) IN (SELECT * FROM unnest($1::text[], $2::text[]))
ORDER BY c.relname, t.tgname
"""
"""The enabled triggers among the (tables $1, names $2) given: a trigger someone disabled stays as it is."""

_AUTOVACUUM = """
SELECT c.relname, (SELECT split_part(o, '=', 2) FROM unnest(c.reloptions) AS o WHERE o LIKE 'autovacuum_enabled=%')
    AS setting
FROM pg_class AS c
WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1::text[])
ORDER BY c.relname
"""
"""Each table's own `autovacuum_enabled` (null when it has none)."""


@dataclass
class Restore:
    """How to put back what `drop` removed, in the order to run it."""

    indexes: list[tuple[str, str, str]] = field(default_factory=list)
    """(table, index, CREATE INDEX …) of the secondary indexes."""
    constraints: list[tuple[str, str, str]] = field(default_factory=list)
    """(table, constraint, ALTER TABLE … ADD CONSTRAINT …): unique keys first, then foreign keys."""
    triggers: list[str] = field(default_factory=list)
    """CREATE TRIGGER … of the triggers dropped, as the catalog defines them."""
    autovacuum: list[str] = field(default_factory=list)
    """ALTER TABLE … RESET (autovacuum_enabled), or SET it back to the table's own value."""
    derived: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    """(tables, SELECT function()) recomputing the tables the disabled triggers keep."""

    def statements(self) -> list[str]:
        return (
            [d for _, _, d in self.indexes]
            + [d for _, _, d in self.constraints]
            + [sql for _, sql in self.derived]
            + self.triggers
            + self.autovacuum
        )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


async def pending_restore(conn: asyncpg.Connection) -> list[str]:
    """Statements a previous, interrupted load left to run (none when it finished)."""
    if await conn.fetchval("SELECT to_regclass($1)", JOURNAL) is None:
        return []
    return [r["statement"] for r in await conn.fetch(f"SELECT statement FROM {JOURNAL} ORDER BY position")]


async def run_pending(conn: asyncpg.Connection, statements: list[str]) -> None:
    """Run what an interrupted load left to restore; what it had already restored is there and is skipped.

    A load killed during its rebuild leaves some indexes and keys back (each statement is its own
    transaction): running their statements again would fail with "already exists".
    """
    for sql in statements:
        try:
            await conn.execute(sql)
        except (asyncpg.DuplicateTableError, asyncpg.DuplicateObjectError):
            continue
    await finish_restore(conn)


async def finish_restore(conn: asyncpg.Connection) -> None:
    await conn.execute(f"DROP TABLE IF EXISTS {JOURNAL}")


async def drop(conn: asyncpg.Connection, tables: list[str]) -> Restore:
    """Journal, then drop, the secondary indexes, unique and foreign keys touching `tables`; one transaction."""
    restore = Restore()
    async with conn.transaction():
        for row in await conn.fetch(_INDEXES, tables):
            restore.indexes.append((row["tablename"], row["indexname"], row["indexdef"]))
        for row in await conn.fetch(_CONSTRAINTS, tables):
            table, name = row["tablename"], row["conname"]
            restore.constraints.append(
                (table, name, f"ALTER TABLE {table} ADD CONSTRAINT {_ident(name)} {row['definition']}")
            )
        wanted = [(t, g) for t, g in TRIGGERS if t in tables]
        present = await conn.fetch(_TRIGGERS, [t for t, _ in wanted], [g for _, g in wanted])
        restore.triggers = [row["definition"] for row in present]
        for row in await conn.fetch(_AUTOVACUUM, tables):
            table, own = row["relname"], row["setting"]
            # RESET when the table had no setting of its own, so that it follows the server's again.
            back = "RESET (autovacuum_enabled)" if own is None else f"SET (autovacuum_enabled = {_literal(own)})"
            restore.autovacuum.append(f"ALTER TABLE {table} {back}")
        restore.derived = [
            (t, f"SELECT {f}()") for f, t in DERIVED if await conn.fetchval("SELECT to_regproc($1)", f) is not None
        ]
        await conn.execute(f"CREATE TABLE {JOURNAL} (position integer PRIMARY KEY, statement text NOT NULL)")
        await conn.executemany(
            f"INSERT INTO {JOURNAL} (position, statement) VALUES ($1, $2)", list(enumerate(restore.statements()))
        )
        # Foreign keys first (they depend on the unique indexes), then unique keys, then plain indexes.
        for table, name, _ in reversed(restore.constraints):
            await conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_ident(name)}")
        for _, name, _ in restore.indexes:
            await conn.execute(f"DROP INDEX {_ident(name)}")
        for row in present:
            await conn.execute(f"DROP TRIGGER {_ident(row['tgname'])} ON {row['relname']}")
        for table in tables:
            await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    return restore


async def catalog(conn: asyncpg.Connection) -> list[tuple[str, ...]]:
    """Every index, constraint, trigger and table option of the public schema: to compare before and after."""
    indexes = await conn.fetch(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2"
    )
    constraints = await conn.fetch(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated::text FROM pg_constraint"
        " WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
    )
    triggers = await conn.fetch(
        "SELECT tgrelid::regclass::text, tgname, tgenabled::text, pg_get_triggerdef(oid) FROM pg_trigger"
        " WHERE NOT tgisinternal ORDER BY 1, 2"
    )
    options = await conn.fetch(
        # Sorted: setting an option again moves it to the end of the list, which means nothing.
        "SELECT relname, array(SELECT unnest(reloptions) ORDER BY 1)::text FROM pg_class"
        " WHERE relnamespace = 'public'::regnamespace AND reloptions IS NOT NULL ORDER BY 1"
    )
    return [tuple(r) for r in [*indexes, *constraints, *triggers, *options]]
