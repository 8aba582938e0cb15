"""The benchmark's database: its own embedded PostgreSQL (with pg_stat_statements), the corpus, a write key.

The embedded server lives in `<data dir>/postgres` (`.bench-data/` by default, apart from the `.data/` of
`make run`), so the corpus survives between runs and `make bench` reuses it when it holds the requested spec.
`pg_stat_statements` must be preloaded to count the SQL statements each request runs: the first run sets
`shared_preload_libraries` with ALTER SYSTEM and restarts the server once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from api.database import APP_DATABASE, embedded_server, ensure_database, run_sync, with_database
from api.migrate import upgrade
from api.synth import SynthSpec, corpus_status, synthesize

STATEMENTS_LIBRARY = "pg_stat_statements"


async def _preloaded(url: str) -> bool:
    conn = await asyncpg.connect(url)
    try:
        libraries = await conn.fetchval("SHOW shared_preload_libraries")
        return STATEMENTS_LIBRARY in [name.strip() for name in libraries.split(",")]
    finally:
        await conn.close()


async def _preload(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"ALTER SYSTEM SET shared_preload_libraries = '{STATEMENTS_LIBRARY}'")
        # Only what the application runs is counted: BEGIN/COMMIT and the pool's RESET ALL are not statements of
        # a request (the test query counter leaves them out too).
        await conn.execute("ALTER SYSTEM SET pg_stat_statements.track_utility = off")
    finally:
        await conn.close()


@contextmanager
def bench_database(data_dir: Path, url: str | None, echo: Callable[[str], None]) -> Iterator[str]:
    """Yield the URL of the benchmark's database: `url` when given, else the bench's own embedded server."""
    if url:
        yield url
        return
    pgdata = data_dir / "postgres"
    with embedded_server(pgdata) as admin_url:
        if run_sync(lambda: _preloaded(admin_url)):
            run_sync(lambda: ensure_database(admin_url, APP_DATABASE))
            yield with_database(admin_url, APP_DATABASE)
            return
        run_sync(lambda: _preload(admin_url))
    echo("bench: pg_stat_statements preloaded; restarting the bench's PostgreSQL once")
    with embedded_server(pgdata) as admin_url:
        run_sync(lambda: ensure_database(admin_url, APP_DATABASE))
        yield with_database(admin_url, APP_DATABASE)


def prepare_corpus(url: str, spec: SynthSpec, echo: Callable[[str], None]) -> dict[str, object]:
    """Migrate, then build the corpus of `spec` unless the database already holds it. Returns what happened."""
    upgrade(url)
    status = run_sync(lambda: corpus_status(url, spec))
    if status == "match":
        echo("bench: the database already holds this corpus: reused")
        return {"built": False}
    echo(f"bench: building the corpus ({spec.events} events, {spec.claims} claims, {spec.actors} actors)")
    started = time.perf_counter()
    report = run_sync(lambda: synthesize(url, spec, truncate=status == "other", echo=echo))
    for line in report.lines():
        echo(line)
    return {"built": True, "seconds": round(time.perf_counter() - started, 1), "synth": report.as_dict()}


def timeline_command() -> str:
    """The `timeline` console script of the running interpreter's environment."""
    return str(Path(sys.executable).with_name("timeline"))


def create_write_key(url: str, name: str) -> str:
    """A write key made with `timeline keys create`, as an operator would; returns its token."""
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [timeline_command(), "keys", "create", "--name", name, "--scope", "write"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


async def server_facts(url: str) -> dict[str, object]:
    """The PostgreSQL version and the settings that shape the figures."""
    conn = await asyncpg.connect(url)
    try:
        facts: dict[str, object] = {"version": await conn.fetchval("SHOW server_version")}
        for name in ("shared_buffers", "work_mem", "max_connections", "shared_preload_libraries"):
            facts[name] = await conn.fetchval(f"SHOW {name}")
        return facts
    finally:
        await conn.close()
