"""Fill a migrated database with the synthetic corpus through COPY, and time every table.

1. Drop the secondary indexes, unique and foreign keys (`schema_ops`), journaling how to restore them.
   Fetch the search vectors of the pooled text pieces from the server (`vectors`): rows carry their
   `search_vector`, whose triggers are off during the load.
2. Producers make chunks in worker processes and hand each table's rows to that table's writer:
   one connection per table, COPYing its chunks as they come in one transaction that empties the
   table first, so the rows go in frozen (`_write_table`). Producers and writers run
   concurrently, so both cores work. The changes feed history is a table like the others.
   `revisions` stays empty, so the feed's `state` is null for the corpus's changes: a revision
   holds a second copy of its row as JSON, which would add about as much to load and store as
   the claims themselves.
3. Recreate the indexes, ANALYZE, add back the unique and foreign keys (each checked in one
   pass) on parallel connections without phase barriers (`rebuild`), create the triggers again, turn
   autovacuum back on.
4. Compare the search vectors of a sample of rows with what the triggers compute (`check_vectors`).
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from typing import Any

import asyncpg

from api.synth import rebuild, schema_ops
from api.synth.generate import COLUMNS, PRODUCERS, TABLES, Producer, init_process_worker, init_worker, make_chunk
from api.synth.report import Report
from api.synth.spec import SynthSpec
from api.synth.texts import TextPools
from api.synth.vectors import PieceVectors, fetch_piece_vectors

PREFETCH = 3
"""Chunks a producer has in the making at a time."""
VECTOR_CHECKS = {
    "events": "timeline_events_search_vector(t.title, t.summary, t.tags)",
    "claims": "timeline_claims_search_vector(t.words, t.language, t.translations)",
    "citations": "timeline_citations_search_vector(t.quote, t.language)",
}
"""The function of migration 0010 each table's `search_vector` must equal."""
VECTOR_SAMPLE = 2000
"""Rows of each table checked after the load: the first ones, the last ones, and some drawn at random."""
OPTIONAL_TABLES = (
    "changes",
    "change_actors",
    "revisions",
    "tombstones",
    "proposition_tallies",
    "proposition_actor_stances",
)
"""Tables of later migrations that describe the story's rows: emptied with it when present."""
FEED_TABLES = ("changes", "change_actors")
"""Filled while loading when present: the feed history, and the index of its actors that its trigger (migration
0011) fills during each COPY of `changes`; their secondary indexes are dropped and rebuilt like the story's."""


class SynthError(Exception):
    """The database cannot take the corpus (not migrated, or holding data without --truncate)."""


async def _connect(url: str, settings: dict[str, str]) -> asyncpg.Connection:
    conn: asyncpg.Connection = await asyncpg.connect(url)
    for name, value in settings.items():
        await conn.execute("SELECT set_config($1, $2, false)", name, value)
    return conn


async def _copy(conn: asyncpg.Connection, table: str, source: bytes, report: Report, rows: int) -> None:
    started = time.perf_counter()
    # asyncpg takes any buffer; bytes itself would be taken for a file name.
    data: Any = memoryview(source)
    await conn.copy_to_table(table, source=data, columns=list(COLUMNS[table]), format="text", freeze=True)
    report.add_copy(table, rows, time.perf_counter() - started)


Blobs = asyncio.Queue[bytes | None]
"""One table's COPY text, chunk by chunk; None when no more will come."""


async def _produce(producer: Producer, spec: SynthSpec, executor: Executor, writers: dict[str, Blobs]) -> None:
    """Make the producer's chunks in `executor`, a few at a time, and hand each table's rows to its writer."""
    loop = asyncio.get_running_loop()
    pending: collections.deque[asyncio.Future[dict[str, bytes]]] = collections.deque()

    async def dispatch() -> None:
        chunk = await pending.popleft()
        for table, blob in chunk.items():
            if blob:
                await writers[table].put(blob)

    try:
        for index in producer.chunks(spec):
            pending.append(loop.run_in_executor(executor, make_chunk, producer.name, index))
            if len(pending) >= PREFETCH:
                await dispatch()
        while pending:
            await dispatch()
    finally:
        for future in pending:
            future.cancel()


async def _write_table(url: str, settings: dict[str, str], table: str, blobs: Blobs, report: Report) -> None:
    """All of `table`'s rows, COPYed as its chunks come, in one transaction that empties the table first.

    Emptied in the same transaction, the table takes its rows frozen (COPY FREEZE): written with their hint bits set
    and most pages marked all-visible, so the first scan after the load (an index build) does not write every page
    again, nor log each in full in the WAL (when the server checksums its pages, as the embedded one does), and
    autovacuum has little left to visit afterwards. For the changes feed, one transaction also gives every row the
    same txid, so the feed's (txid, id) order is the order of the ids `generate.first_change_id` gave them, whatever
    order the chunks arrive in; and the feed shows none of the corpus until all of it is there.
    """
    conn = await _connect(url, settings)
    try:
        async with conn.transaction():
            await conn.execute(f"TRUNCATE {table}")
            while (blob := await blobs.get()) is not None:
                await _copy(conn, table, blob, report, blob.count(b"\n"))
    finally:
        try:
            await conn.close(timeout=10)
        except Exception:  # a COPY cut short: no goodbye needed
            conn.terminate()


def _executor(spec: SynthSpec, workers: int, changes: bool, vectors: PieceVectors) -> Executor:
    initargs = (spec, changes, vectors)
    if workers <= 0:
        return ThreadPoolExecutor(max_workers=1, initializer=init_worker, initargs=initargs)
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"), initializer=init_process_worker, initargs=initargs
    )


async def check_vectors(conn: asyncpg.Connection, sample: int = VECTOR_SAMPLE) -> None:
    """Raise SynthError when a sampled row's `search_vector` is not what its trigger would have computed.

    The vectors are built in Python from the pieces' vectors (`vectors.py`); this catches any rule of
    PostgreSQL's that the builder would get wrong, on this server's version, before a benchmark uses them.
    """
    for table, expected in VECTOR_CHECKS.items():
        sampled = f"""
            (SELECT id FROM {table} ORDER BY id LIMIT $1) UNION ALL
            (SELECT id FROM {table} ORDER BY id DESC LIMIT $1) UNION ALL
            (SELECT id FROM {table} TABLESAMPLE SYSTEM (1) REPEATABLE (1) LIMIT $1)"""
        wrong = await conn.fetchval(
            f"SELECT min(t.id) FROM {table} AS t WHERE t.id IN ({sampled})"
            f" AND t.search_vector IS DISTINCT FROM {expected}",
            sample,
        )
        if wrong is not None:
            raise SynthError(f"{table} {wrong}: the synthetic search_vector differs from {expected.split('(')[0]}")


def _first(error: BaseException) -> BaseException:
    """The first real error inside (nested) exception groups: what the caller should see."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


async def _count_rows(conn: asyncpg.Connection, tables: list[str]) -> int:
    return sum([await conn.fetchval(f"SELECT count(*) FROM (SELECT 1 FROM {t} LIMIT 1) AS x") for t in tables])


async def _table_sizes(conn: asyncpg.Connection, tables: list[str]) -> dict[str, int]:
    rows = await conn.fetch("SELECT t, pg_table_size(t::regclass) AS size FROM unnest($1::text[]) AS t", tables)
    return {r["t"]: r["size"] for r in rows}


async def _rebuild(
    conn: asyncpg.Connection,
    url: str,
    restore: schema_ops.Restore,
    tables: list[str],
    report: Report,
    jobs: int,
    maintenance_work_mem: str,
    echo: Callable[[str], None],
) -> None:
    """Put back every index, key and trigger `restore` lists; ANALYZE the tables (see `rebuild`)."""
    settings = {
        "maintenance_work_mem": maintenance_work_mem,
        "max_parallel_maintenance_workers": "1" if jobs > 1 else "2",
        "synchronous_commit": "off",
    }
    started = time.perf_counter()
    steps = rebuild.plan(restore, tables, await _table_sizes(conn, tables))
    await rebuild.run(steps, jobs, lambda: _connect(url, settings), report)
    for sql in [*restore.triggers, *restore.autovacuum]:
        await conn.execute(sql)
    await schema_ops.finish_restore(conn)
    report.phase("rebuild", time.perf_counter() - started)
    echo(f"indexes, keys and statistics rebuilt in {time.perf_counter() - started:.1f}s")


async def synthesize(
    url: str,
    spec: SynthSpec,
    *,
    truncate: bool = False,
    workers: int = 2,
    jobs: int = 2,
    maintenance_work_mem: str = "1GB",
    echo: Callable[[str], None] = lambda line: None,
) -> Report:
    """Fill the migrated database at `url` with the corpus of `spec`; return the timings.

    The database must hold no story (actors, events, claims…) unless `truncate`, which empties those tables (and
    the changes feed, revisions and tombstones when the writes migration made them) first. `workers`: processes
    generating rows (0: a thread of this process); `jobs`: connections rebuilding indexes and keys.
    """
    report = Report(spec)
    begun = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        if await conn.fetchval("SELECT to_regclass('public.claims')") is None:
            raise SynthError("the database is not migrated: run `timeline migrate` first")
        present = [t for t in OPTIONAL_TABLES if await conn.fetchval("SELECT to_regclass($1)", f"public.{t}")]
        emptied = [*TABLES, "dataset_items", *present]
        if truncate:
            await conn.execute(f"TRUNCATE {', '.join(emptied)} RESTART IDENTITY")
        pending = await schema_ops.pending_restore(conn)
        if pending:
            echo(f"an interrupted load left {len(pending)} index/key statements to run: running them first")
            await schema_ops.run_pending(conn, pending)
        if not truncate and await _count_rows(conn, emptied) > 0:
            raise SynthError("the database already holds data: pass --truncate to replace it")
        changes = "changes" in present
        tables = [*TABLES, *(t for t in FEED_TABLES if t in present)]
        for table in tables:  # reported in this order, whichever finishes first
            report.table(table)
        started = time.perf_counter()
        restore = await schema_ops.drop(conn, tables)
        report.phase("drop", time.perf_counter() - started)
        echo(
            f"dropped {len(restore.indexes)} indexes, {len(restore.constraints)} unique/foreign keys, "
            f"{len(restore.triggers)} trigger(s); loading with {workers} generator process(es)"
        )
        loaded = False
        try:
            started = time.perf_counter()
            vectors = await fetch_piece_vectors(conn, TextPools(spec))
            report.phase("vectors", time.perf_counter() - started)
            await _load(url, spec, report, workers, changes, vectors, echo)
            loaded = True
            if changes:  # the ids came from the generators: a change written next must get a later one
                await conn.execute("SELECT setval(pg_get_serial_sequence('changes', 'id'), max(id)) FROM changes")
            if "change_actors" in tables:  # no COPY of its own: its rows come with the changes
                report.table("change_actors").rows = await conn.fetchval("SELECT count(*) FROM change_actors")
        finally:
            if not loaded:  # leave the tables empty, as they were, so that the keys can come back
                await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
            await _rebuild(conn, url, restore, tables, report, jobs, maintenance_work_mem, echo)
        started = time.perf_counter()
        try:
            await check_vectors(conn)
        except SynthError:  # a corpus with wrong vectors must not be reused as if it were the right one
            await conn.execute(f"TRUNCATE {', '.join(emptied)} RESTART IDENTITY")
            raise
        report.phase("check", time.perf_counter() - started)
    finally:
        await conn.close()
    report.phase("total", time.perf_counter() - begun)
    return report


async def _load(
    url: str,
    spec: SynthSpec,
    report: Report,
    workers: int,
    changes: bool,
    vectors: PieceVectors,
    echo: Callable[[str], None],
) -> None:
    settings = {"synchronous_commit": "off"}
    started = time.perf_counter()
    written = [*TABLES, *(["changes"] if changes else [])]
    writers: dict[str, Blobs] = {table: asyncio.Queue(maxsize=4) for table in written}

    async def produce_all() -> None:
        async with asyncio.TaskGroup() as group:
            for p in PRODUCERS:
                group.create_task(_produce(p, spec, executor, writers))
        for blobs in writers.values():
            await blobs.put(None)

    with _executor(spec, workers, changes, vectors) as executor:
        try:
            # A failing COPY cancels the rest (a writer that stopped reading would otherwise block its producers).
            async with asyncio.TaskGroup() as group:
                group.create_task(produce_all())
                for table, blobs in writers.items():
                    group.create_task(_write_table(url, settings, table, blobs, report))
        except BaseExceptionGroup as group_error:
            raise _first(group_error) from None
    report.phase("copy", time.perf_counter() - started)
    echo(f"rows copied in {time.perf_counter() - started:.1f}s")
