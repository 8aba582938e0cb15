"""A real server for the tests that need one: granian serving the app (as `timeline run` does) on 127.0.0.1.

Litestar's test client and httpx's ASGI transport hand over a response only once its body is complete, so an
event stream that never ends cannot be read through them; these tests talk HTTP to a real process instead.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from api.settings import project_root

START_TIMEOUT = 60.0
"""Seconds for the server to answer /health (generous: two cores shared by several test sessions)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def live_server(database_url: str, **env: str) -> AsyncIterator[str]:
    """Serve the app on `database_url` with extra environment `env`; yields the base URL, stops the server after."""
    port = free_port()
    granian = Path(sys.executable).parent / "granian"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RATE_LIMIT": "off",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
        **env,
    }
    command = [
        str(granian),
        "--interface", "asgi",
        "--factory",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", "1",
        "--log-level", "warning",
        "api.app:create_app_from_env",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=project_root(), env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            await _wait_ready(base_url, process, log)
            yield base_url
        finally:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _wait_ready(base_url: str, process: asyncio.subprocess.Process, log: object) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    async with httpx.AsyncClient(base_url=base_url, timeout=2.0) as client:
        while loop.time() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"the server exited with {process.returncode}: {_read(log)}")
            try:
                if (await client.get("/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server did not answer /health within {START_TIMEOUT} s: {_read(log)}")


def _read(log: object) -> str:
    log.seek(0)  # type: ignore[attr-defined]
    return log.read().decode(errors="replace")[-4000:]  # type: ignore[attr-defined]
