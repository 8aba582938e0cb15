"""One structured line per request: JSON off a terminal, console when asked."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.logging import configure_logging, use_json


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


def test_format_choice() -> None:
    assert use_json("json") is True
    assert use_json("console") is False
    assert use_json(None) is True  # pytest's captured stdout is not a terminal


@pytest.mark.usefixtures("restore_logging")
async def test_each_request_is_one_json_line(
    client: AsyncTestClient[Litestar], capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")
    capsys.readouterr()
    await client.get("/health")
    await client.get("/nowhere")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    requests = [line for line in lines if line["event"] == "request"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", "/health", 200),
        ("GET", "/nowhere", 404),
    ]
    assert all(isinstance(r["duration_ms"], float) and r["duration_ms"] >= 0 for r in requests)
    assert all(r["level"] == "info" and "timestamp" in r for r in requests)


@pytest.mark.usefixtures("restore_logging")
async def test_console_format_and_level(client: AsyncTestClient[Litestar], capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("WARNING", "console")
    capsys.readouterr()
    await client.get("/health")
    assert capsys.readouterr().out == ""  # request lines are INFO
    configure_logging("INFO", "console")
    await client.get("/health")
    out = capsys.readouterr().out
    assert "request" in out and "path=/health" in out and "status=200" in out
    assert not out.lstrip().startswith("{")
