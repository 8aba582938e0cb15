"""GET /health and GET /ready."""

from __future__ import annotations

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api import migrate
from api.app import create_app
from api.settings import Settings
from tests.conftest import NewDatabase
from tests.querycount import QueryCounter

PROBLEM_JSON = "application/problem+json"


async def test_health_is_ok(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_on_a_migrated_database(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "revision": migrate.head_revision()}


async def test_ready_is_503_when_migrations_are_behind(client: AsyncTestClient[Litestar], database_url: str) -> None:
    migrate.downgrade(database_url, "base")
    response = await client.get("/ready")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["type"] == "urn:timeline:problem:migrations-behind"
    assert body["status"] == 503
    assert body["title"] == "Migrations behind"
    assert body["current_revision"] is None
    assert body["expected_revision"] == migrate.head_revision()
    assert "timeline migrate" in body["detail"]


async def test_ready_is_503_on_a_never_migrated_database(make_database: NewDatabase) -> None:
    url = await make_database(empty=True)
    async with AsyncTestClient(app=create_app(Settings(database_url=url))) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["type"] == "urn:timeline:problem:migrations-behind"
    assert response.json()["current_revision"] is None


async def test_ready_is_503_when_the_database_is_unreachable(server_url: str) -> None:
    missing = server_url.rsplit("/", 1)[0] + "/no_such_database_here"
    if "?" in server_url:
        missing += "?" + server_url.split("?", 1)[1]
    async with AsyncTestClient(app=create_app(Settings(database_url=missing))) as client:
        response = await client.get("/ready", params={"timeout": "5"})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["type"] == "urn:timeline:problem:database-unreachable"
    assert body["title"] == "Database unreachable"
    assert "cannot be reached" in body["detail"]


async def test_ready_is_503_when_nothing_listens() -> None:
    settings = Settings(database_url="postgresql://postgres@127.0.0.1:9/timeline")
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    assert response.json()["type"] == "urn:timeline:problem:database-unreachable"


async def test_ready_runs_one_query(client: AsyncTestClient[Litestar], query_counter: QueryCounter) -> None:
    await client.get("/ready")  # warm the pool: connection setup is not the handler's doing
    with query_counter.counting() as counted:
        response = await client.get("/ready")
    assert response.status_code == 200
    servers = 1 if client.app.state.read_pool is client.app.state.pool else 2  # TEST_DATABASE_READ_URL: both
    assert counted.statements == ["SELECT version_num FROM alembic_version LIMIT 1"] * servers


async def test_query_counter_counts_each_statement(pool: asyncpg.Pool, query_counter: QueryCounter) -> None:
    with query_counter.counting() as counted:
        async with pool.acquire() as conn:
            for i in range(3):
                await conn.fetchval("SELECT $1::int", i)
            await conn.execute("SELECT 1")
    assert counted.count == 4
    with query_counter.counting() as nothing:
        pass
    assert nothing.count == 0
    assert query_counter.count >= 4
