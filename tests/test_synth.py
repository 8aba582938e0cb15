"""`timeline synth` at small scale, through a real PostgreSQL: every CHECK and key holds, same seed same rows."""

from __future__ import annotations

import gc
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from api.synth import SynthError, SynthSpec, corpus_status, ensure_corpus, rebuild, schema_ops, synthesize
from api.synth.generate import TABLES, WORKER_GC_THRESHOLD
from api.synth.load import _executor
from api.synth.texts import TextPools
from api.synth.vectors import fetch_piece_vectors
from api.synth.words import WORDS
from schema.edtf import edtf_bounds
from tests.conftest import NewDatabase

# Small, but in many chunks (so each table's writer COPYs several and the chunk seeding is exercised).
SPEC = SynthSpec(events=600, claims=1800, actors=300, seed=7, chunk=250)


async def connect(url: str) -> asyncpg.Connection:
    conn: asyncpg.Connection = await asyncpg.connect(url)
    return conn


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await connect(database_url)
    yield connection
    await connection.close()


async def table_digest(conn: asyncpg.Connection, table: str) -> str:
    """A hash of every row of `table` (order-free), without the columns a load stamps (timestamps, txid)."""
    columns = await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1"
        " AND data_type NOT IN ('timestamp with time zone', 'xid8') ORDER BY ordinal_position",
        table,
    )
    names = ", ".join(f'"{c["column_name"]}"' for c in columns)
    rows = await conn.fetch(f"SELECT ({names})::text AS r FROM {table}")
    digest = hashlib.sha256()
    for line in sorted(r["r"] for r in rows):
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()


async def digests(url: str) -> dict[str, str]:
    conn = await connect(url)
    try:
        return {table: await table_digest(conn, table) for table in TABLES}
    finally:
        await conn.close()


async def test_same_seed_same_rows_whatever_the_workers(make_database: NewDatabase) -> None:
    first, second, other = await make_database(), await make_database(), await make_database()
    await synthesize(first, SPEC, workers=0)
    await synthesize(second, SPEC, workers=2)  # worker processes, chunks in any order
    await synthesize(other, SynthSpec(events=600, claims=1800, actors=300, seed=8, chunk=250), workers=0)

    one, two, three = await digests(first), await digests(second), await digests(other)
    assert one == two
    assert all(one[t] != three[t] for t in ("actors", "events", "claims", "citations"))


async def test_counts_and_every_claim_cited(database_url: str, conn: asyncpg.Connection) -> None:
    report = await synthesize(database_url, SPEC, workers=0)

    counts = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}
    assert (counts["actors"], counts["events"], counts["claims"]) == (300, 600, 1800)
    assert (counts["places"], counts["sources"], counts["propositions"]) == (SPEC.places, SPEC.sources, 6)
    assert all(counts[t] > 0 for t in TABLES), counts
    assert {t: report.tables[t].rows for t in TABLES} == counts
    uncited = "SELECT count(*) FROM claims AS c WHERE NOT EXISTS (SELECT 1 FROM citations WHERE claim_id = c.id)"
    assert await conn.fetchval(uncited) == 0
    assert await conn.fetchval("SELECT max(position) FROM claim_reporting") == 2  # chains of 0 to 3 relays
    assert await conn.fetchval("SELECT count(*) FROM claims WHERE translations <> '{}'") > 0
    # Quotes: at most 300 characters, offsets spanning exactly the quote, in the language of their source.
    assert await conn.fetchval("SELECT max(length(quote)) FROM citations") <= 300
    assert await conn.fetchval("SELECT count(*) FROM citations WHERE end_offset - start_offset <> length(quote)") == 0
    mismatched = (
        "SELECT count(*) FROM citations AS c JOIN sources AS s ON s.id = c.source_id WHERE c.language <> s.language"
    )
    assert await conn.fetchval(mismatched) == 0
    assert await conn.fetchval("SELECT count(*) FROM sources WHERE document IS NOT NULL OR sha256 IS NOT NULL") == 0
    assert await conn.fetchval("SELECT count(*) FROM citations WHERE event_id IS NOT NULL") > 0


async def test_texts_have_realistic_lengths_in_both_languages(database_url: str, conn: asyncpg.Connection) -> None:
    await synthesize(database_url, SPEC, workers=0)

    title_words = [
        len(t.split()) for t in await conn.fetchval("SELECT array_agg(value) FROM events, jsonb_each_text(title)")
    ]
    assert min(title_words) >= 8 and max(title_words) <= 20
    claim_words = [len(w.split()) for w in await conn.fetchval("SELECT array_agg(words) FROM claims")]
    assert min(claim_words) >= 16 and max(claim_words) <= 80
    assert 25 <= sum(claim_words) / len(claim_words) <= 50
    languages = dict(await conn.fetch("SELECT language, count(*) FROM claims GROUP BY 1"))
    assert set(languages) == {"fr", "en"}
    assert await conn.fetchval("SELECT count(*) FROM events WHERE title ? 'fr' AND title ? 'en'") > 0
    # French search finds French words, accents ignored.
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM claims WHERE search_vector @@ to_tsquery('timeline_fr', 'deleguation | delegation')"
        )
        > 0
    )


def test_vocabulary_needs_no_copy_escaping() -> None:
    for fr, en in WORDS:
        assert not re.search(r'["\\\t\n]', fr + en), (fr, en)


async def test_actor_activity_is_zipf_skewed(database_url: str, conn: asyncpg.Connection) -> None:
    await synthesize(database_url, SynthSpec(events=500, claims=6000, actors=1000, seed=3, chunk=2000), workers=0)

    per_actor = [
        r["n"]
        for r in await conn.fetch(
            "SELECT count(c.id) AS n FROM actors AS a LEFT JOIN claims AS c ON c.claimant_id = a.id"
            " GROUP BY a.id ORDER BY 1 DESC"
        )
    ]
    top_share = sum(per_actor[:10]) / sum(per_actor)  # the top 1% of actors
    assert top_share > 0.25, top_share
    assert sum(1 for n in per_actor if n <= 2) > len(per_actor) / 2  # a long tail
    participants = [
        r["n"]
        for r in await conn.fetch("SELECT count(*) AS n FROM event_participants GROUP BY actor_id ORDER BY 1 DESC")
    ]
    assert sum(participants[:10]) / sum(participants) > 0.2


async def test_edtf_bounds_agree_with_schema_edtf(database_url: str, conn: asyncpg.Connection) -> None:
    await synthesize(database_url, SPEC, workers=0)

    rows = await conn.fetch(
        "(SELECT when_edtf, earliest, latest FROM events ORDER BY random() LIMIT 300)"
        " UNION ALL (SELECT when_edtf, earliest, latest FROM claims ORDER BY random() LIMIT 300)"
        " UNION ALL (SELECT when_edtf, earliest, latest FROM claim_reporting WHERE when_edtf IS NOT NULL LIMIT 50)"
        " UNION ALL (SELECT published_edtf, published_earliest, published_latest FROM sources LIMIT 50)"
        " UNION ALL (SELECT when_edtf, earliest, latest FROM events WHERE when_edtf ~ '[/~?%]')"
    )
    for when, earliest, latest in rows:
        assert edtf_bounds(when) == (earliest, latest), when
    # Participants carry their event's dates (migration 0012), written by synth with its fill trigger off.
    participant_dates = await conn.fetchrow(
        "SELECT count(*) AS rows, count(*) FILTER (WHERE (p.earliest, p.latest)"
        " IS DISTINCT FROM (e.earliest, e.latest)) AS mismatched"
        " FROM event_participants AS p JOIN events AS e ON e.id = p.event_id"
    )
    assert participant_dates["rows"] > SPEC.events and participant_dates["mismatched"] == 0
    for start, earliest in await conn.fetch("SELECT start_edtf, start_earliest FROM actor_affiliations"):
        assert edtf_bounds(start).earliest == earliest
    every = [r[0] for r in await conn.fetch("SELECT when_edtf FROM events UNION ALL SELECT when_edtf FROM claims")]
    shapes = {
        "day": r"^\d{4}-\d\d-\d\d$",
        "month": r"^\d{4}-\d\d$",
        "year": r"^\d{4}$",
        "approximate": r"~$",
        "uncertain": r"\?$",
        "both": r"%$",
        "interval": r"^\d{4}-[^.]*/\d{4}",
        "open end": r"/\.\.$",
        "open start": r"^\.\./",
    }
    for shape, pattern in shapes.items():
        assert any(re.search(pattern, w) for w in every), shape
    span = await conn.fetchrow("SELECT min(earliest) AS lo, max(latest) AS hi FROM events WHERE earliest > '-infinity'")
    assert span["lo"] >= date(2015, 1, 1)
    assert (
        await conn.fetchval(
            "SELECT count(DISTINCT extract(year FROM earliest)) FROM claims WHERE earliest > '-infinity'"
        )
        >= 10
    )


async def test_indexes_and_keys_come_back_exactly(database_url: str, conn: asyncpg.Connection) -> None:
    before = await schema_ops.catalog(conn)

    await synthesize(database_url, SPEC, workers=0)

    assert await schema_ops.catalog(conn) == before
    assert await conn.fetchval("SELECT to_regclass('synth_restore')") is None


async def test_an_interrupted_load_is_repaired_by_the_next(database_url: str, conn: asyncpg.Connection) -> None:
    before = await schema_ops.catalog(conn)
    await schema_ops.drop(conn, list(TABLES))  # as if a load had been killed right after dropping
    assert await schema_ops.catalog(conn) != before

    await synthesize(database_url, SPEC, workers=0, truncate=True)

    assert await schema_ops.catalog(conn) == before


OWN_AUTOVACUUM = "SELECT relname, reloptions FROM pg_class WHERE relname = ANY($1::text[]) ORDER BY relname"


async def test_autovacuum_is_off_while_loading_and_each_table_gets_its_own_setting_back(
    conn: asyncpg.Connection,
) -> None:
    tables = [*TABLES, "changes"]
    await conn.execute("ALTER TABLE events SET (autovacuum_enabled = true, fillfactor = 90)")
    before = await schema_ops.catalog(conn)

    restore = await schema_ops.drop(conn, tables)
    during = {r["relname"]: r["reloptions"] for r in await conn.fetch(OWN_AUTOVACUUM, tables)}
    await schema_ops.run_pending(conn, restore.statements())

    assert during["events"] == ["fillfactor=90", "autovacuum_enabled=false"]
    assert all(during[t] == ["autovacuum_enabled=false"] for t in tables if t != "events")
    after = {r["relname"]: r["reloptions"] for r in await conn.fetch(OWN_AUTOVACUUM, tables)}
    assert after["events"] == ["fillfactor=90", "autovacuum_enabled=true"]
    assert all(after[t] is None for t in tables if t != "events")
    assert await schema_ops.catalog(conn) == before


async def test_copied_rows_go_in_frozen_with_their_pages_marked_all_visible(
    database_url: str, conn: asyncpg.Connection
) -> None:
    """COPY FREEZE: the first scan after the load has no hint bit to set, and autovacuum few pages to visit."""
    await synthesize(database_url, SPEC, workers=0, truncate=True)

    copied = [*TABLES, "changes"]
    # ANALYZE (the rebuild's last step for each table) counts the pages the visibility map marks all-visible. Only
    # COPY FREEZE marks pages while loading (autovacuum is off meanwhile), each page a batch of rows fills from
    # empty: most pages, not all. It writes those rows frozen too, which no catalog counts (pg_visibility does).
    pages = await conn.fetch(
        "SELECT relname, relpages, relallvisible FROM pg_class"
        " WHERE relnamespace = 'public'::regnamespace AND relname = ANY($1::text[]) ORDER BY relname",
        copied,
    )
    assert sorted(r["relname"] for r in pages) == sorted(copied)
    assert [(r["relname"], r["relallvisible"]) for r in pages if not 0 < r["relallvisible"] <= r["relpages"]] == []


async def test_a_load_killed_during_its_rebuild_is_finished_by_the_next(
    database_url: str, conn: asyncpg.Connection
) -> None:
    before = await schema_ops.catalog(conn)
    restore = await schema_ops.drop(conn, [*TABLES, "changes"])
    for _, _, sql in restore.indexes[::2]:  # as if killed with half the indexes back
        await conn.execute(sql)
    await conn.execute(restore.constraints[0][2])

    await synthesize(database_url, SPEC, workers=0, truncate=True)

    assert await schema_ops.catalog(conn) == before
    assert await conn.fetchval("SELECT count(*) FROM claims") == SPEC.claims


async def test_the_proposition_tallies_count_the_loaded_stances(database_url: str, conn: asyncpg.Connection) -> None:
    """Their triggers are off during the COPY; the tallies are recomputed once at the end and the triggers are back."""
    await synthesize(database_url, SPEC, workers=0, truncate=True)

    tallied = await conn.fetchrow(
        "SELECT count(*) AS propositions, sum(supporting_claims) AS supporting, sum(opposing_claims) AS opposing"
        " FROM proposition_tallies"
    )
    stances = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE stance = 'supports') AS supporting,"
        " count(*) FILTER (WHERE stance = 'opposes') AS opposing FROM claim_stances"
    )
    assert tallied["propositions"] == await conn.fetchval("SELECT count(*) FROM propositions") > 0
    assert (tallied["supporting"], tallied["opposing"]) == (stances["supporting"], stances["opposing"])
    assert stances["supporting"] > 0 and stances["opposing"] > 0
    enabled = await conn.fetch(
        "SELECT tgname FROM pg_trigger WHERE tgname IN ('propositions_tally_insert', 'claim_stances_tally_insert')"
        " AND tgenabled <> 'D'"
    )
    assert len(enabled) == 2


async def test_rebuild_plan_waits_for_what_a_step_needs(conn: asyncpg.Connection) -> None:
    tables = [*TABLES, "changes"]
    restore = await schema_ops.drop(conn, tables)
    try:
        steps = rebuild.plan(restore, tables, {t: 1000 for t in tables})
    finally:
        await schema_ops.run_pending(conn, restore.statements())

    assert sorted(s.name for s in steps if s.kind not in ("analyze", "derive")) == sorted(
        name for _, name, _ in [*restore.indexes, *restore.constraints]
    )
    derive = [s for s in steps if s.kind == "derive"]
    assert [s.sql for s in derive] == ["SELECT timeline_rebuild_proposition_tallies()"]
    tallied = [s for s in steps if s.kind == "key" and s.tables & derive[0].tables]
    assert tallied and all(derive[0] in s.after for s in tallied)  # filled before its keys are checked
    analyze = {s.table: s for s in steps if s.kind == "analyze"}
    assert set(analyze) == set(tables)
    for step in steps:
        if step.kind == "index":
            assert step in analyze[step.table].after  # statistics of expression indexes need the index
    foreign = [s for s in steps if "FOREIGN KEY" in s.sql]
    unique = [s for s in steps if " UNIQUE " in s.sql]
    assert foreign and unique
    for fk in foreign:
        assert {u for u in unique if u.table in fk.tables} <= fk.after
        assert len(fk.tables) == 2 or fk.table == "actors"  # a self-reference locks one table
    index_a, index_b = [s for s in steps if s.kind == "index" and s.table == "claims"][:2]
    assert not index_a.clashes(index_b)  # CREATE INDEX on one table share their lock
    assert analyze["claims"].clashes(index_a) and index_a.clashes(analyze["claims"])


async def test_refuses_a_database_with_data_unless_truncate(database_url: str, conn: asyncpg.Connection) -> None:
    await conn.execute("INSERT INTO actors (id, kind, name) VALUES ('someone', 'person', 'Someone')")
    before = await schema_ops.catalog(conn)

    with pytest.raises(SynthError, match="--truncate"):
        await synthesize(database_url, SPEC, workers=0)
    assert await schema_ops.catalog(conn) == before

    await synthesize(database_url, SPEC, workers=0, truncate=True)
    assert await conn.fetchval("SELECT count(*) FROM actors") == SPEC.actors


async def test_a_failed_load_leaves_empty_tables_and_every_index(database_url: str, conn: asyncpg.Connection) -> None:
    # The database itself refuses every claim link half-way through the load (synth keeps CHECK constraints).
    await conn.execute("ALTER TABLE claim_links ADD CONSTRAINT refuse_all_links CHECK (false) NOT VALID")
    before = await schema_ops.catalog(conn)

    with pytest.raises(asyncpg.CheckViolationError):
        await synthesize(database_url, SPEC, workers=0)

    assert await schema_ops.catalog(conn) == before
    assert await conn.fetchval("SELECT count(*) FROM claims") == 0


async def test_reuses_the_same_corpus(database_url: str) -> None:
    assert await corpus_status(database_url, SPEC) == "empty"
    assert await ensure_corpus(database_url, SPEC, workers=0) is not None
    assert await corpus_status(database_url, SPEC) == "match"
    assert await ensure_corpus(database_url, SPEC, workers=0) is None
    other = SynthSpec(events=600, claims=1800, actors=300, seed=9, chunk=250)
    assert await corpus_status(database_url, other) == "other"


async def test_fills_the_changes_feed_when_there_is_one(database_url: str, conn: asyncpg.Connection) -> None:
    before = await schema_ops.catalog(conn)  # migration 0005 made the feed's `changes` table

    await synthesize(database_url, SPEC, workers=0)

    assert await schema_ops.catalog(conn) == before
    resources = ("actors", "places", "sources", "propositions", "events", "claims", "citations")
    for table in resources:
        expected = await conn.fetchval(f"SELECT count(*) FROM {table}")
        assert await conn.fetchval("SELECT count(*) FROM changes WHERE resource_type = $1", table) == expected
    assert await conn.fetchval(
        "SELECT count(DISTINCT (resource_type, resource_id)) FROM changes"
    ) == await conn.fetchval("SELECT count(*) FROM changes")
    # Referenced resources come first: every actor before any claim.
    order = await conn.fetchrow(
        "SELECT max(id) FILTER (WHERE resource_type = 'actors') AS actors,"
        " min(id) FILTER (WHERE resource_type = 'claims') AS claims FROM changes"
    )
    assert order["actors"] < order["claims"]
    claim = await conn.fetchrow("SELECT id, claimant_id FROM claims LIMIT 1")
    involved = await conn.fetchval("SELECT actor_ids FROM changes WHERE resource_id = $1", claim["id"])
    assert claim["claimant_id"] in involved
    # One transaction (the feed orders by txid, then id): every event before any claim, whatever
    # order the chunks were made and COPYed in; a change written after the corpus gets a later id.
    assert await conn.fetchval("SELECT count(DISTINCT txid) FROM changes") == 1
    order = await conn.fetchrow(
        "SELECT max(id) FILTER (WHERE resource_type = 'events') AS events,"
        " min(id) FILTER (WHERE resource_type = 'claims') AS claims FROM changes"
    )
    assert order["events"] < order["claims"]
    assert await conn.fetchval("SELECT nextval('changes_id_seq')") > await conn.fetchval("SELECT max(id) FROM changes")


async def test_the_feed_copy_fills_change_actors(database_url: str, conn: asyncpg.Connection) -> None:
    """Migration 0011's trigger fills it during the COPY of `changes`; --truncate empties it with the feed."""
    await synthesize(database_url, SPEC, workers=0)
    report = await synthesize(database_url, SPEC, workers=0, truncate=True)

    implied = "SELECT DISTINCT a, c.resource_type, c.txid, c.id FROM changes AS c, unnest(c.actor_ids) AS a"
    stored = "SELECT actor_id, resource_type, txid, change_id FROM change_actors"
    assert await conn.fetchval(f"SELECT count(*) FROM (({implied}) EXCEPT ALL ({stored})) AS x") == 0
    assert await conn.fetchval(f"SELECT count(*) FROM (({stored}) EXCEPT ALL ({implied})) AS x") == 0
    rows = await conn.fetchval("SELECT count(*) FROM change_actors")
    assert rows > await conn.fetchval("SELECT count(*) FROM changes") > 0
    assert report.tables["change_actors"].rows == rows
    assert report.tables["change_actors"].indexes > 0  # its index was dropped for the load and built after


def test_cli_prints_each_table_and_the_total(database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_FORMAT": "json"}
    timeline = str(Path(sys.executable).with_name("timeline"))
    args = ["synth", "--events", "100", "--claims", "300", "--actors", "60", "--seed", "2", "--workers", "1"]

    done = subprocess.run(
        [timeline, *args, "--json", str(tmp_path / "t.json")], env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    for table in TABLES:
        assert re.search(rf"^{table}\s+\d+", done.stdout, re.MULTILINE), table
    assert re.search(r"total \d+\.\ds", done.stdout)
    again = subprocess.run([timeline, *args], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2
    assert "--truncate" in again.stderr
    reused = subprocess.run([timeline, *args, "--reuse"], env=env, capture_output=True, text=True, timeout=120)
    assert reused.returncode == 0
    assert "nothing to do" in reused.stdout


async def test_worker_processes_leave_long_lived_objects_to_the_collector(conn: asyncpg.Connection) -> None:
    vectors = await fetch_piece_vectors(conn, TextPools(SPEC))
    with _executor(SPEC, 1, True, vectors) as executor:
        threshold = executor.submit(gc.get_threshold).result()
        frozen = executor.submit(gc.get_freeze_count).result()
    assert threshold == WORKER_GC_THRESHOLD
    assert frozen > 10_000  # the context and the modules imported, set aside
