"""The API as in production, in a subprocess: `timeline run` (granian, uvloop), no debug, no access log."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.database import timeline_command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class RunningApi:
    base_url: str
    pid: int


def api_environment(database_url: str, pool_max: int) -> dict[str, str]:
    """What production sets: the database, no per-request logging, and no rate limit against the load tool."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
        "DATABASE_POOL_MIN": str(pool_max),
        "DATABASE_POOL_MAX": str(pool_max),
        # The rate limiter (when the API has one) would refuse a load generator: the benchmark measures the API.
        "RATE_LIMIT": "off",
    }


def wait_ready(base_url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/ready", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API at {base_url} was not ready within {timeout:.0f}s")
        time.sleep(0.3)


@contextmanager
def running_api(database_url: str, *, workers: int, pool_max: int) -> Iterator[RunningApi]:
    """Start `timeline run` on a free port, wait for /ready, stop it (SIGTERM, then SIGKILL) on exit."""
    port = free_port()
    process = subprocess.Popen(
        [timeline_command(), "run", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=api_environment(database_url, pool_max),
        stdout=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base_url)
        yield RunningApi(base_url, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
