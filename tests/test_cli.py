"""The ``timeline`` command, run for real as subprocesses.

Without ``DATABASE_URL`` each test gives the CLI its own ``TIMELINE_DATA_DIR``, so the CLI starts (and must stop)
its own embedded PostgreSQL. With ``DATABASE_URL`` the CLI gets a fresh database on that server instead, and the
assertions about embedded server processes are skipped.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from api.database import drop_database, ensure_database, with_database

TIMELINE = str(Path(sys.executable).with_name("timeline"))
EXTERNAL = bool(os.environ.get("DATABASE_URL"))


@pytest.fixture
def cli_env(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Environment for a CLI subprocess: its own data directory, or its own fresh database on DATABASE_URL."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(TIMELINE_DATA_DIR=str(tmp_path / "data"), LOG_FORMAT="json", LOG_LEVEL="INFO")
    if not EXTERNAL:
        yield env
        return
    server_url: str = request.getfixturevalue("server_url")
    name = f"t_cli_{uuid.uuid4().hex[:10]}"
    asyncio.run(ensure_database(server_url, name))
    env["DATABASE_URL"] = with_database(server_url, name)
    yield env
    asyncio.run(drop_database(server_url, name))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def postgres_processes(data_dir: str) -> list[psutil.Process]:
    """Live PostgreSQL servers whose data directory lies under ``data_dir``."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and data_dir in cmdline and proc.status() != psutil.STATUS_ZOMBIE:
            found.append(proc)
    return found


class Served:
    """A ``timeline run`` subprocess, its port and its log file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [TIMELINE, "run", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=5)

    def wait_ready(self, timeout: float = 60) -> httpx.Response:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"timeline run exited early:\n{self.log.read_text()}"
            try:
                response = self.get("/ready")
                if response.status_code == 200:
                    return response
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"not ready within {timeout}s:\n{self.log.read_text()}")

    def stop(self, sig: signal.Signals) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"still running 30s after {sig.name}:\n{self.log.read_text()}") from None

    def events(self) -> list[dict[str, object]]:
        lines = [line for line in self.log.read_text().splitlines() if line.startswith("{")]
        return [json.loads(line) for line in lines]


def assert_no_postgres_left(env: dict[str, str]) -> None:
    if EXTERNAL:
        return
    leftovers = postgres_processes(env["TIMELINE_DATA_DIR"])
    assert leftovers == [], f"postgres still running: {leftovers}"


def serve_until(env: dict[str, str], log: Path, sig: signal.Signals) -> Served:
    served = Served(env, log)
    try:
        ready = served.wait_ready()
        assert ready.json()["status"] == "ok"
        assert served.get("/health").json() == {"status": "ok"}
        if not EXTERNAL:
            assert postgres_processes(env["TIMELINE_DATA_DIR"]), "no embedded postgres under the data dir"
    finally:
        code = served.stop(sig)
    assert code == 0, served.log.read_text()
    return served


def test_run_serves_then_stops_on_sigterm(cli_env: dict[str, str], tmp_path: Path) -> None:
    served = serve_until(cli_env, tmp_path / "run.log", signal.SIGTERM)
    assert_no_postgres_left(cli_env)
    events = served.events()
    assert any(e["event"] == "migrating" and e["current"] is None for e in events)
    requests = [e for e in events if e["event"] == "request"]
    assert {"method": "GET", "path": "/health", "status": 200} in [
        {k: e[k] for k in ("method", "path", "status")} for e in requests
    ]
    assert all(isinstance(e["duration_ms"], float | int) for e in requests)


def test_run_stops_on_sigint_and_the_next_run_reuses_the_data(cli_env: dict[str, str], tmp_path: Path) -> None:
    first = serve_until(cli_env, tmp_path / "first.log", signal.SIGINT)
    assert_no_postgres_left(cli_env)
    assert any(e["event"] == "migrating" for e in first.events())

    second = serve_until(cli_env, tmp_path / "second.log", signal.SIGINT)
    assert_no_postgres_left(cli_env)
    assert not any(e["event"] == "migrating" for e in second.events()), "second run migrated again"
    assert any(e["event"] == "database at head" for e in second.events())


def timeline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TIMELINE, *args], env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )


def test_migrate_down_to_base_and_back_to_head(cli_env: dict[str, str]) -> None:
    from api.migrate import head_revision

    head = head_revision()
    steps = [((), f"base -> {head}"), (("--to", "base"), f"{head} -> base"), (("--to", "head"), f"base -> {head}")]
    for args, expected in steps:
        result = timeline(cli_env, "migrate", *args)
        assert result.returncode == 0, result.stderr + result.stdout
        assert expected in result.stdout.splitlines()
        assert_no_postgres_left(cli_env)


@pytest.mark.skipif(EXTERNAL, reason="embedded server ownership only applies without DATABASE_URL")
def test_db_keeps_the_server_while_run_reuses_it(cli_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "db.log"
    with log.open("w") as out:
        db = subprocess.Popen(
            [TIMELINE, "db"], env=cli_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while not any(line.startswith("postgresql://") for line in log.read_text().splitlines()):
            assert db.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        url = next(line for line in log.read_text().splitlines() if line.startswith("postgresql://"))
        assert url.split("?")[0].endswith("/timeline")
        (server,) = postgres_processes(cli_env["TIMELINE_DATA_DIR"])

        serve_until(cli_env, tmp_path / "run.log", signal.SIGTERM)
        assert server.is_running(), "run stopped a server that `timeline db` started"
    finally:
        db.send_signal(signal.SIGINT)
        assert db.wait(timeout=30) == 0, log.read_text()
    assert_no_postgres_left(cli_env)


def test_openapi_command_writes_the_document(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    result = timeline(dict(os.environ), "openapi", "--output", str(target))
    assert result.returncode == 0, result.stderr
    document = json.loads(target.read_text())
    assert {"/health", "/ready"} <= set(document["paths"])


def test_bad_settings_are_a_usage_error(cli_env: dict[str, str]) -> None:
    result = timeline({**cli_env, "PORT": "eighty"}, "migrate")
    assert result.returncode == 2
    assert "PORT" in result.stderr
