"""`examples/poll_bot.py` and `examples/stream_bot.py` run against a real server with the story loaded."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.loader import load_dataset_file
from api.settings import project_root
from tests.live_server import live_server
from tests.story_factories import event
from tests.write_helpers import bearer, connect, fetch, make_key

EXAMPLES = project_root() / "examples"
RUN_TIMEOUT = 60.0


@dataclass
class Story:
    url: str
    token: str
    database_url: str


@pytest.fixture
async def story(database_url: str) -> AsyncIterator[Story]:
    conn = await connect(database_url)
    try:
        await load_dataset_file(conn, project_root() / "data" / "drone-story.yaml")
    finally:
        await conn.close()
    token = await make_key(database_url, "bot-tests")
    async with live_server(database_url, STREAM_HEARTBEAT_SECONDS="1") as url:
        yield Story(url, token, database_url)


async def start(script: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / script),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def until_line(stream: asyncio.StreamReader, needle: str) -> list[str]:
    """Lines read from `stream` up to and including the first that contains `needle`."""
    lines: list[str] = []
    async with asyncio.timeout(RUN_TIMEOUT):
        while True:
            raw = await stream.readline()
            if not raw:
                raise EOFError(f"{needle!r} never came; got {lines}")
            lines.append(raw.decode().rstrip("\n"))
            if needle in lines[-1]:
                return lines


async def finish(process: asyncio.subprocess.Process) -> tuple[list[str], list[str]]:
    async with asyncio.timeout(RUN_TIMEOUT):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode().splitlines(), err.decode().splitlines()


async def post_event(story: Story, event_id: str, actor: str = "dmitry-peskov") -> None:
    body = event(event_id, kind="visit", participants=[{"actor": actor, "role": "visitor"}])
    async with httpx.AsyncClient(base_url=story.url) as client:
        response = await client.post("/v1/events", json=body, headers=bearer(story.token))
    assert response.status_code == 201, response.text


async def test_poll_bot_prints_every_claim_then_only_new_ones_and_polls_with_if_none_match(story: Story) -> None:
    claims = await fetch(story.database_url, "SELECT id FROM claims WHERE claimant_id = 'dmitry-peskov'")
    process = await start(
        "poll_bot.py", "--base-url", story.url, "--actor", "dmitry-peskov", "--interval", "0.5", "--max-polls", "8"
    )
    assert process.stdout is not None and process.stderr is not None
    await until_line(process.stderr, "poll 2: 304 not modified")  # nothing changed since the first poll

    async with httpx.AsyncClient(base_url=story.url) as client:
        body = {
            "id": "peskov-new-claim",
            "claimant": "dmitry-peskov",
            "kind": "denial",
            "when": "2023-03-01",
            "words": "We have nothing to add.",
            "language": "en",
            "quote_type": "paraphrase",
        }
        response = await client.post("/v1/claims", json=body, headers=bearer(story.token))
    assert response.status_code == 201, response.text

    out, err = await finish(process)
    printed = [line.split("\t") for line in out]
    assert sorted(fields[3] for fields in printed) == sorted([*(r["id"] for r in claims), "peskov-new-claim"])
    assert printed[-1] == ["2023-03-01", "Dmitry Peskov", "denial", "peskov-new-claim", "We have nothing to add."]
    assert any("1 new claim(s)" in line for line in err)
    assert sum("304 not modified" in line for line in err) >= 2


async def test_poll_bot_once_prints_the_story_claims(story: Story) -> None:
    process = await start("poll_bot.py", "--base-url", story.url, "--once")
    out, _ = await finish(process)
    count = len(await fetch(story.database_url, "SELECT id FROM claims"))
    assert len(out) == count
    assert all(len(line.split("\t")) == 5 for line in out)


async def test_stream_bot_prints_live_changes_and_resumes_from_its_cursor_file(story: Story, tmp_path: Path) -> None:
    cursor_file = tmp_path / "cursor"
    common = ["--base-url", story.url, "--types", "events", "--cursor-file", str(cursor_file), "--timeout", "45"]
    process = await start("stream_bot.py", *common, "--max-events", "2")
    assert process.stderr is not None
    await until_line(process.stderr, "connected")
    await post_event(story, "bot-visit-1")
    await post_event(story, "bot-visit-2")
    out, _ = await finish(process)
    assert [line.split("\t")[1:] for line in out] == [
        ["events", "upsert", "bot-visit-1", "1"],
        ["events", "upsert", "bot-visit-2", "1"],
    ]
    assert cursor_file.read_text() == out[-1].split("\t")[0]

    # While the bot is away: it resumes after its last event, without repeating it.
    await post_event(story, "bot-visit-3")
    await post_event(story, "bot-visit-4")
    process = await start("stream_bot.py", *common, "--max-events", "2")
    out, err = await finish(process)
    assert [line.split("\t")[3] for line in out] == ["bot-visit-3", "bot-visit-4"]
    assert any(line.startswith("connected after ") for line in err)
