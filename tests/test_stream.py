"""`GET /v1/changes/stream` against a real server: live delivery, resumption without gap or repeat, filters,
heartbeats, and idle clients holding no database connection."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from api.routes.stream import live_events
from api.stream import Subscription, TailItem
from tests.live_server import live_server
from tests.story_factories import claim, event
from tests.write_helpers import bearer, fetchval, load_small_story, make_key

POOL_MAX = 4
STREAM_PATH = "/v1/changes/stream"


@dataclass
class Server:
    url: str
    token: str
    database_url: str
    written: int = 0

    async def write_event(self, client: httpx.AsyncClient, actor: str = "dmitry-peskov") -> str:
        self.written += 1
        event_id = f"visit-{self.written}"
        body = event(event_id, kind="visit", participants=[{"actor": actor, "role": "visitor"}])
        response = await client.post(f"{self.url}/v1/events", json=body, headers=bearer(self.token))
        assert response.status_code == 201, response.text
        return event_id

    async def write_claim(self, client: httpx.AsyncClient, claimant: str) -> str:
        self.written += 1
        claim_id = f"claim-{self.written}"
        response = await client.post(
            f"{self.url}/v1/claims", json=claim(claim_id, claimant), headers=bearer(self.token)
        )
        assert response.status_code == 201, response.text
        return claim_id

    async def feed(self, client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
        """Every change /v1/changes serves with `params`, walking it to the end."""
        items: list[dict[str, Any]] = []
        while True:
            page = (await client.get(f"{self.url}/v1/changes", params={**params, "limit": 200})).json()
            items += page["items"]
            if not page["has_more"]:
                return items
            params["after"] = page["next_cursor"]


@dataclass
class Block:
    """One dispatched SSE block: an event, or comments only."""

    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    retry: str | None = None


class EventReader:
    """A minimal SSE parser (WHATWG rules for the fields this API sends) over a streaming httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def block(self, timeout: float = 10.0) -> Block:
        async with asyncio.timeout(timeout):
            current = Block()
            async for line in self._lines:
                if line == "":
                    if current != Block():
                        return current
                    continue
                if line.startswith(":"):
                    current.comments.append(line[1:].strip())
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "data":
                    current.data.append(value)
                elif name in ("id", "event", "retry"):
                    setattr(current, name, value)
            raise EOFError("the stream ended")

    async def change(self, timeout: float = 10.0) -> Block:
        """The next `change` event, skipping comments."""
        async with asyncio.timeout(timeout):
            while True:
                block = await self.block(timeout)
                if block.event is not None:
                    assert block.event == "change"
                    return block

    async def changes(self, count: int, timeout: float = 15.0) -> list[Block]:
        return [await self.change(timeout) for _ in range(count)]


async def open_stream(stack: AsyncExitStack, client: httpx.AsyncClient, url: str, **kwargs: Any) -> EventReader:
    """Connect and wait for the opening comment: from then on the client is subscribed."""
    response = await stack.enter_async_context(client.stream("GET", url + STREAM_PATH, **kwargs))
    assert response.status_code == 200, await response.aread()
    assert response.headers["content-type"].startswith("text/event-stream")
    reader = EventReader(response)
    opening = await reader.block()
    assert opening.comments == ["connected"] and opening.retry == "1000"
    return reader


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[Server]:
    await load_small_story(database_url)
    token = await make_key(database_url, "streamer")
    env = {"STREAM_HEARTBEAT_SECONDS": "1", "DATABASE_POOL_MAX": str(POOL_MAX)}
    async with live_server(database_url, **env) as url:
        yield Server(url, token, database_url)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=300, max_keepalive_connections=50)
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None), limits=limits) as client:
        yield client


def change_of(block: Block) -> dict[str, Any]:
    change: dict[str, Any] = json.loads("\n".join(block.data))
    assert change["cursor"] == block.id
    return change


async def test_a_committed_write_reaches_a_connected_client_within_one_second(
    server: Server, client: httpx.AsyncClient
) -> None:
    loop = asyncio.get_running_loop()
    async with AsyncExitStack() as stack:
        reader = await open_stream(stack, client, server.url)
        for _ in range(3):
            event_id = await server.write_event(client)
            committed = loop.time()  # the 201 comes after the commit
            block = await reader.change(timeout=5.0)
            assert loop.time() - committed < 1.0
            change = change_of(block)
            assert (change["type"], change["id"], change["operation"]) == ("events", event_id, "upsert")
            # The same item, byte for byte in JSON terms, as /v1/changes serves.
            assert (await server.feed(client))[-1] == change


async def test_reconnecting_with_last_event_id_gets_the_missed_changes_then_live_ones_without_gap_or_repeat(
    server: Server, client: httpx.AsyncClient
) -> None:
    async with AsyncExitStack() as stack:
        reader = await open_stream(stack, client, server.url)
        for _ in range(2):
            await server.write_event(client)
        first = [change_of(b) for b in await reader.changes(2)]
    resume_from = first[-1]["cursor"]

    for _ in range(3):  # while disconnected
        await server.write_event(client)
    async with AsyncExitStack() as stack:
        # More writes race the reconnection and its catch-up from the database.
        racing = asyncio.create_task(_write_events(server, client, 4))
        reader = await open_stream(stack, client, server.url, headers={"Last-Event-ID": resume_from})
        await racing
        for _ in range(2):  # and after it, live
            await server.write_event(client)
        expected = await server.feed(client, after=resume_from)
        assert len(expected) == 3 + 4 + 2
        received = [change_of(b) for b in await reader.changes(len(expected))]
        assert received == expected
        # No repeat afterwards: only keepalives until the next write, which comes next.
        sentinel = await server.write_event(client)
        assert change_of(await reader.change())["id"] == sentinel


async def _write_events(server: Server, client: httpx.AsyncClient, count: int) -> None:
    for _ in range(count):
        await server.write_event(client)
        await asyncio.sleep(0.02)


async def test_after_resumes_like_last_event_id_and_the_header_wins(server: Server, client: httpx.AsyncClient) -> None:
    start = (await server.feed(client))[-1]["cursor"]
    ids = [await server.write_event(client) for _ in range(3)]
    middle = (await server.feed(client, after=start))[0]["cursor"]
    async with AsyncExitStack() as stack:
        reader = await open_stream(stack, client, server.url, params={"after": start})
        assert [change_of(b)["id"] for b in await reader.changes(3)] == ids
    async with AsyncExitStack() as stack:
        reader = await open_stream(
            stack, client, server.url, params={"after": start}, headers={"Last-Event-ID": middle}
        )
        assert [change_of(b)["id"] for b in await reader.changes(2)] == ids[1:]


async def test_filters_keep_only_matching_changes_live_and_in_the_catch_up(
    server: Server, client: httpx.AsyncClient
) -> None:
    start = (await server.feed(client))[-1]["cursor"]
    async with AsyncExitStack() as stack:
        live = await open_stream(stack, client, server.url, params={"types": "claims", "actor": "dmitry-peskov"})
        await server.write_event(client, actor="dmitry-peskov")  # wrong type
        await server.write_claim(client, "kremlin")  # wrong actor
        wanted = [await server.write_claim(client, "dmitry-peskov"), await server.write_claim(client, "dmitry-peskov")]
        assert [change_of(b)["id"] for b in await live.changes(2)] == wanted

        resumed = await open_stream(
            stack, client, server.url, params={"types": "claims", "actor": "dmitry-peskov", "after": start}
        )
        assert [change_of(b)["id"] for b in await resumed.changes(2)] == wanted
        events_only = await open_stream(stack, client, server.url, params={"types": "events", "after": start})
        assert change_of(await events_only.change())["type"] == "events"


async def test_an_idle_stream_gets_heartbeat_comments(server: Server, client: httpx.AsyncClient) -> None:
    loop = asyncio.get_running_loop()
    async with AsyncExitStack() as stack:
        reader = await open_stream(stack, client, server.url)
        started = loop.time()
        for _ in range(3):
            block = await reader.block(timeout=5.0)
            assert block.comments == ["keepalive"] and block.event is None and block.data == []
        # Three heartbeats at a 1 s setting: generous bounds, they only show the setting is honoured.
        assert 2.0 <= loop.time() - started < 10.0


@pytest.mark.parametrize(
    ("params", "headers", "name"),
    [
        ({"after": "garbage"}, {}, "cursor"),
        ({}, {"Last-Event-ID": "garbage"}, "Last-Event-ID"),
        ({"types": "rumours"}, {}, "types"),
        ({"actor": "Not An Id"}, {}, "actor"),
    ],
)
async def test_bad_parameters_are_400_problems_before_the_stream_starts(
    server: Server, client: httpx.AsyncClient, params: dict[str, str], headers: dict[str, str], name: str
) -> None:
    response = await client.get(server.url + STREAM_PATH, params=params, headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert name in response.text


async def test_a_hundred_idle_clients_hold_no_database_connection_each_and_all_get_the_next_change(
    server: Server, client: httpx.AsyncClient
) -> None:
    clients = 120
    async with AsyncExitStack() as stack:
        readers = await asyncio.gather(*(open_stream(stack, client, server.url) for _ in range(clients)))
        connections = await fetchval(
            server.database_url,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        # The server's pool (at most POOL_MAX) and its one listening connection, whatever the number of clients.
        assert connections <= POOL_MAX + 1, connections
        event_id = await server.write_event(client)
        received = await asyncio.gather(*(reader.change(timeout=30.0) for reader in readers))
        assert {change_of(block)["id"] for block in received} == {event_id}


async def test_a_client_too_far_behind_is_cut_off_with_a_reason_and_filtered_changes_do_not_count() -> None:
    subscription = Subscription(frozenset({"claims"}), None, None, asyncio.Queue(maxsize=2))
    for n in range(5):
        subscription.offer(TailItem((7, n), f"c{n}", "events", frozenset(), "{}"))  # not wanted: never queued
    assert not subscription.overflowed and subscription.queue.empty()
    for n in range(3):
        subscription.offer(TailItem((8, n), f"c{n}", "claims", frozenset(), "{}"))
    assert subscription.overflowed

    messages = [message async for message in live_events(subscription, None, heartbeat=5.0)]
    assert [(m.event, m.comment) for m in messages] == [
        (None, "too far behind: reconnect with Last-Event-ID to catch up")
    ]
