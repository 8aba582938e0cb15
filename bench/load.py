"""Driving load: `wrk` on one scenario, the API's peak memory sampled meanwhile, SQL statements counted.

Statements per request come from `pg_stat_statements`: the sum of `calls` in the bench database before and after a
run, over the requests. Read-only scenarios are probed one request at a time (`probe_statements`): under load,
requests still in flight when wrk stops ran statements wrk does not count, which skews the slow scenarios. The
scenario with writes is counted over its load run (drained first). Utility statements (BEGIN, COMMIT, the pool's
RESET ALL) are not tracked (see `bench/database.py`), and the pool's `pg_advisory_unlock_all()` on release is left
out, as the test query counter leaves the pool's reset out: what remains is what the handlers run.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import psutil

LUA = Path(__file__).with_name("wrk") / "scenario.lua"
MARKER = "BENCH_JSON "
WRK_MISSING = "wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)"

_STATEMENT_CALLS = """
SELECT coalesce(sum(s.calls), 0)::bigint
FROM pg_stat_statements AS s
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND s.query NOT LIKE '%pg_stat_statements%'
  AND s.query NOT LIKE '%pg_advisory_unlock_all()%'
"""


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(WRK_MISSING)
    return found


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: dict[str, int]
    statuses: dict[str, int]
    latency_us: dict[str, float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        """Socket errors plus answers that are neither 2xx nor 3xx (wrk's `status` count, or ours if higher)."""
        sockets = sum(v for k, v in self.errors.items() if k != "status")
        refused = self.statuses.get("4xx", 0) + self.statuses.get("5xx", 0)
        return sockets + max(self.errors.get("status", 0), refused)


def parse_wrk_output(stdout: str) -> WrkResult:
    """The figures `done()` of scenario.lua printed."""
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER) :])
            return WrkResult(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                errors=data["errors"],
                statuses=data["statuses"],
                latency_us=data["latency_us"],
            )
    raise RuntimeError(f"wrk printed no figures:\n{stdout}")


def run_wrk(
    base_url: str, lines_file: Path, *, connections: int, duration: str, threads: int, script_args: list[str]
) -> WrkResult:
    command = [
        wrk_path(),
        f"--threads={min(threads, connections)}",
        f"--connections={connections}",
        f"--duration={duration}",
        "--timeout=10s",
        f"--script={LUA}",
        base_url,
        "--",
        str(lines_file),
        *script_args,
    ]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return parse_wrk_output(done.stdout)


class PeakMemory:
    """Samples the resident memory of a process and all its children (the API's workers) in a thread."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def current(self) -> int:
        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.current())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class StatementCounter:
    """`pg_stat_statements` calls in the bench database; None when the extension cannot be used there."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def enable(self) -> bool:
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            await conn.fetchval(_STATEMENT_CALLS)
            return True
        except asyncpg.PostgresError:
            return False
        finally:
            await conn.close()

    async def calls(self) -> int:
        conn = await asyncpg.connect(self.url)
        try:
            value: int = await conn.fetchval(_STATEMENT_CALLS)
            return value
        finally:
            await conn.close()


_ACTIVE = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


async def wait_idle(url: str, timeout: float = 60.0) -> float:
    """Wait until no query runs in the bench database; return the seconds waited.

    wrk stops at its deadline, but requests the API already accepted run to their end: a scenario whose requests
    queue up would otherwise still load the database while the next one is measured.
    """
    conn = await asyncpg.connect(url)
    try:
        started = time.monotonic()
        # Polling is the only way to watch another process's queries (nothing here could set an Event).
        while await conn.fetchval(_ACTIVE) and time.monotonic() - started < timeout:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        return time.monotonic() - started
    finally:
        await conn.close()


def probe_statements(
    base_url: str, lines: list[str], counter: StatementCounter, *, budget: float = 20.0, most: int = 30
) -> float | None:
    """Statements per request, one request at a time: exact whatever the load (no request in flight at the edges).

    Runs up to `most` of the scenario's own requests (ETag lines with their If-None-Match), within `budget` seconds.
    """
    from api.database import run_sync

    before = run_sync(counter.calls)
    started = time.monotonic()
    sent = 0
    for line in lines[:most]:
        path, _, etag = line.partition("\t")
        request = urllib.request.Request(base_url + path, headers={"If-None-Match": etag} if etag else {})
        try:
            with urllib.request.urlopen(request, timeout=120):
                pass
        except urllib.error.HTTPError as answer:  # a 304 (or an error the load run reports) is still a request
            answer.close()
        sent += 1
        if time.monotonic() - started > budget:
            break
    return (run_sync(counter.calls) - before) / sent if sent else None


def summary(result: WrkResult, statements: float | None, peak_rss: int) -> dict[str, Any]:
    """One scenario's figures as the report stores them."""
    return {
        "requests": result.requests,
        "seconds": round(result.seconds, 2),
        "rps": round(result.rps, 1),
        "latency_ms": {k: round(result.latency_us[k] / 1000, 2) for k in ("p50", "p90", "p99", "max", "mean")},
        "errors": result.error_count,
        "error_detail": {**result.errors, "4xx": result.statuses["4xx"], "5xx": result.statuses["5xx"]},
        "statuses": result.statuses,
        "statements_per_request": None if statements is None else round(statements, 2),
        "peak_rss_mb": round(peak_rss / 2**20, 1),
    }
