"""Test fixtures: one PostgreSQL server per session, one fresh migrated database per test.

Without ``DATABASE_URL`` the session starts an embedded PostgreSQL in a temporary directory; with it, the tests use
that server, creating and dropping their own databases (``timeline_template_*`` and ``t_*``) on it. The template is
migrated once with alembic; every test that needs a database gets ``CREATE DATABASE … TEMPLATE`` of it.

With ``TEST_DATABASE_READ_URL`` too (a streaming replica of the ``DATABASE_URL`` server, with synchronous
``remote_apply`` replication so a write is visible there when it commits; or the same server), the ``settings``
fixture also points ``database_read_url`` at the test's database on that server: the suite then runs in replica
mode. It is not named ``DATABASE_READ_URL`` so the CLI subprocesses the tests start do not inherit it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api import migrate
from api.app import create_app
from api.database import create_pool, drop_database, embedded_server, ensure_database, with_database
from api.settings import Settings
from tests.querycount import QueryCounter


class NewDatabase(Protocol):
    """Type of the ``make_database`` factory."""

    async def __call__(self, *, empty: bool = False) -> str: ...


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of an administrative database on the session's PostgreSQL server."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield external
        return
    with (
        tempfile.TemporaryDirectory(prefix="timeline-test-pg-") as tmp,
        embedded_server(Path(tmp) / "postgres", delete=True) as url,
    ):
        yield url


@pytest.fixture(scope="session")
def template_database(server_url: str) -> Iterator[str]:
    """Name of a database migrated to head, to copy for each test."""
    name = f"timeline_template_{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_database(server_url, name))
    migrate.upgrade(with_database(server_url, name), "head")
    yield name
    asyncio.run(drop_database(server_url, name))


@pytest.fixture
async def make_database(server_url: str, template_database: str) -> AsyncIterator[NewDatabase]:
    """Factory of fresh databases (copies of the migrated template, or empty ones), all dropped afterwards."""
    created: list[str] = []

    async def make(*, empty: bool = False) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        await ensure_database(server_url, name, template=None if empty else template_database)
        created.append(name)
        return with_database(server_url, name)

    yield make
    for name in created:
        await drop_database(server_url, name)


@pytest.fixture
async def database_url(make_database: NewDatabase) -> str:
    """URL of a fresh database migrated to head, private to this test."""
    return await make_database()


@pytest.fixture
def query_counter() -> QueryCounter:
    """Counts the SQL statements run on the ``pool`` fixture's connections (see ``tests/querycount.py``)."""
    return QueryCounter()


@pytest.fixture
async def pool(database_url: str, query_counter: QueryCounter) -> AsyncIterator[asyncpg.Pool]:
    """An asyncpg pool on this test's database, every statement it runs counted by ``query_counter``."""
    pool = await create_pool(database_url, min_size=1, max_size=4, init=query_counter.attach)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at this test's database (and at its copy on ``TEST_DATABASE_READ_URL``'s server)."""
    read_server = os.environ.get("TEST_DATABASE_READ_URL")
    read_url = with_database(read_server, urlsplit(database_url).path.lstrip("/")) if read_server else None
    return Settings(database_url=database_url, database_read_url=read_url, data_dir=str(tmp_path / "data"))


@pytest.fixture
def app(settings: Settings, query_counter: QueryCounter) -> Litestar:
    """The application on this test's database; ``query_counter`` counts the statements of its pool.

    Litestar's test client serves the app on its own event loop (in a thread), so the app makes its own pool there
    rather than borrowing the ``pool`` fixture's.
    """
    return create_app(settings, pool_init=query_counter.attach)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """An in-process HTTP client on :func:`app`."""
    async with AsyncTestClient(app=app) as client:
        yield client
