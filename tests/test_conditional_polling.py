"""Conditional polling (issue 6): lists, the timeline, search and the changes feed carry ETag and Last-Modified from
the feed head; a poll that finds nothing new is answered 304 without running any SQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.conditional import head_scoped, http_date
from api.feed_head import FeedHead, FeedVersion
from api.http_cache import strong_etag
from api.settings import Settings
from tests.querycount import QueryCounter
from tests.story_factories import claim
from tests.write_helpers import bearer, connect, load_small_story, make_key

Client = AsyncTestClient[Litestar]

LIST_PATHS = [
    "/v1/events",
    "/v1/claims",
    "/v1/actors",
    "/v1/sources",
    "/v1/citations",
    "/v1/propositions",
    "/v1/search?q=programmes",
    "/v1/timeline",
    "/v1/actors/dmitry-peskov/claims",
    "/v1/actors/dmitry-peskov/events",
    "/v1/claims/peskov-own-programmes/history",
    "/v1/changes",
    "/v1/changes?types=claims&limit=5",
]


@pytest.fixture
async def story(database_url: str) -> None:
    """The small story, loaded before the app starts (so its head already includes it)."""
    await load_small_story(database_url)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """A short recheck, so a lost notification is caught within the test's patience."""
    return Settings(database_url=database_url, data_dir=str(tmp_path / "data"), feed_recheck_seconds=0.3)


def feed_head(client: Client) -> FeedHead:
    head = client.app.state.feed_head
    assert isinstance(head, FeedHead)
    return head


async def head_moves(client: Client, seen: FeedVersion | None, timeout: float = 10.0) -> FeedVersion:
    """Wait, on the app's own event loop, until the app's feed head differs from `seen`."""
    head = feed_head(client)
    newer = await asyncio.to_thread(client.blocking_portal.call, head.wait_newer, seen, timeout)
    assert newer is not None, "the feed head did not move"
    return newer


@pytest.mark.usefixtures("story")
@pytest.mark.parametrize("path", LIST_PATHS)
async def test_a_poll_that_finds_nothing_new_is_a_304_without_sql(
    client: Client, query_counter: QueryCounter, path: str
) -> None:
    first = await client.get(path)
    assert first.status_code == 200, first.text
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    token = feed_head(client).current
    assert token is not None and etag.startswith(f'"{token.token}.')
    assert "Accept-Language" in first.headers["vary"]

    with query_counter.counting() as counted:
        poll = await client.get(path, headers={"If-None-Match": etag})
    assert poll.status_code == 304
    assert counted.count == 0, counted.statements
    assert poll.content == b""
    assert poll.headers["etag"] == etag and poll.headers["last-modified"] == last_modified
    assert poll.headers["cache-control"] == "public, max-age=30"


@pytest.mark.usefixtures("story")
async def test_a_write_makes_the_next_poll_a_200_with_a_new_tag(client: Client, database_url: str) -> None:
    token = await make_key(database_url, "editor")
    first = await client.get("/v1/claims")
    seen = feed_head(client).current

    written = await client.post("/v1/claims", json=claim("new-claim", "kremlin"), headers=bearer(token))
    assert written.status_code == 201, written.text
    await head_moves(client, seen)

    poll = await client.get("/v1/claims", headers={"If-None-Match": first.headers["etag"]})
    assert poll.status_code == 200
    assert poll.headers["etag"] != first.headers["etag"]
    assert "new-claim" in {item["id"] for item in poll.json()["items"]}
    assert (await client.get("/v1/claims", headers={"If-None-Match": poll.headers["etag"]})).status_code == 304


@pytest.mark.usefixtures("story")
async def test_a_change_whose_notification_was_lost_is_seen_after_the_recheck(
    client: Client, database_url: str
) -> None:
    first = await client.get("/v1/changes")
    seen = feed_head(client).current
    conn = await connect(database_url)
    try:  # a committed change row that never notified anyone
        await conn.execute(
            "INSERT INTO changes (resource_type, resource_id, operation, version) "
            "VALUES ('actors', 'kremlin', 'upsert', 99)"
        )
    finally:
        await conn.close()
    await head_moves(client, seen, timeout=5.0)  # the recheck runs every 0.3 s here
    poll = await client.get("/v1/changes", headers={"If-None-Match": first.headers["etag"]})
    assert poll.status_code == 200
    assert any(item["version"] == 99 for item in poll.json()["items"])


@pytest.mark.usefixtures("story")
async def test_after_the_listener_is_killed_the_head_recovers_and_hears_writes(
    client: Client, database_url: str
) -> None:
    head = feed_head(client)
    pid, seen = head.backend_pid, head.current
    conn = await connect(database_url)
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()
    for _ in range(200):  # (the unit test in test_feed_head.py sees the head go unknown meanwhile)
        if head.backend_pid not in (None, pid):
            break
        await asyncio.sleep(0.05)
    recovered = await head_moves(client, None)  # None: any known head, i.e. read on the new connection
    assert head.backend_pid not in (None, pid)
    assert seen is not None and recovered.token == seen.token  # same data, same token

    token = await make_key(database_url, "editor")
    before = await client.get("/v1/claims")
    written = await client.post("/v1/claims", json=claim("after-reconnect", "kremlin"), headers=bearer(token))
    assert written.status_code == 201, written.text
    await head_moves(client, recovered)
    poll = await client.get("/v1/claims", headers={"If-None-Match": before.headers["etag"]})
    assert poll.status_code == 200 and "after-reconnect" in {item["id"] for item in poll.json()["items"]}


@pytest.mark.usefixtures("story")
async def test_an_unknown_head_answers_nothing_from_memory(client: Client, query_counter: QueryCounter) -> None:
    tagged = await client.get("/v1/claims")
    head = feed_head(client)
    client.blocking_portal.call(head.stop)  # as while the listening connection is down
    assert head.current is None
    with query_counter.counting() as counted:
        poll = await client.get("/v1/claims", headers={"If-None-Match": tagged.headers["etag"]})
    assert poll.status_code == 200 and counted.count >= 1
    # Meanwhile the tag is the body's hash, and a poll with it is still a 304 (after running the handler).
    fallback = poll.headers["etag"]
    assert not fallback.startswith(tagged.headers["etag"][:10]) and "last-modified" not in poll.headers
    assert (await client.get("/v1/claims", headers={"If-None-Match": fallback})).status_code == 304


@pytest.mark.usefixtures("story")
async def test_filters_language_and_path_give_different_tags(client: Client) -> None:
    async def tag(path: str, **headers: str) -> str:
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        return response.headers["etag"]

    plain = await tag("/v1/claims")
    tags = {
        plain,
        await tag("/v1/claims?actor=dmitry-peskov"),
        await tag("/v1/claims?lang=fr"),
        await tag("/v1/claims", **{"Accept-Language": "fr"}),
        await tag("/v1/events"),
        await tag("/v1/changes?types=claims"),
    }
    assert len(tags) == 6
    # The same request spelt differently is the same representation.
    assert await tag("/v1/claims?limit=2&actor=dmitry-peskov") == await tag("/v1/claims?actor=dmitry-peskov&limit=2")
    assert await tag("/v1/claims", **{"Accept-Language": "fr;q=0.5, en"}) == await tag(
        "/v1/claims", **{"Accept-Language": "en,fr;q=0.5"}
    )
    other_language = await client.get("/v1/claims", headers={"If-None-Match": plain, "Accept-Language": "fr"})
    assert other_language.status_code == 200


@pytest.mark.usefixtures("story")
async def test_if_modified_since_gets_a_304_without_sql_only_when_nothing_changed_since(
    client: Client, query_counter: QueryCounter, database_url: str
) -> None:
    head = feed_head(client)
    current = head.current
    assert current is not None
    # A date is only handed out once it is safe; within a second of the change it may be the earlier second.
    await until_settled(head, current)
    first = await client.get("/v1/events")
    served = first.headers["last-modified"]
    assert served == http_date(current.modified)
    with query_counter.counting() as counted:
        poll = await client.get("/v1/events", headers={"If-Modified-Since": served})
    assert poll.status_code == 304 and counted.count == 0
    assert poll.headers["etag"] == first.headers["etag"]
    long_ago = await client.get("/v1/events", headers={"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
    assert long_ago.status_code == 200
    garbage = await client.get("/v1/events", headers={"If-Modified-Since": "yesterday"})
    assert garbage.status_code == 200  # not a date: ignored
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.1.3).
    both = {"If-Modified-Since": served, "If-None-Match": '"stale"'}
    assert (await client.get("/v1/events", headers=both)).status_code == 200

    token = await make_key(database_url, "editor")
    written = await client.post("/v1/claims", json=claim("later-claim", "kremlin"), headers=bearer(token))
    assert written.status_code == 201
    await head_moves(client, current)
    stale = await client.get("/v1/events", headers={"If-Modified-Since": served})
    assert stale.status_code == 200


async def until_settled(head: FeedHead, current: FeedVersion) -> None:
    """Wait (polling every 50 ms, 10 s at most) until the head hands out its final Last-Modified for `current`."""
    for _ in range(200):
        if head.last_modified == current.modified:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the Last-Modified date did not settle")


@pytest.mark.usefixtures("story")
async def test_single_resources_keep_their_body_etag(client: Client) -> None:
    """A single resource's tag stays the hash of its body (the write path's If-Match compares versions)."""
    detail = await client.get("/v1/claims/peskov-own-programmes")
    assert detail.status_code == 200 and detail.headers["etag"] == strong_etag(detail.content)
    assert "last-modified" not in detail.headers
    again = await client.get("/v1/claims/peskov-own-programmes", headers={"If-None-Match": detail.headers["etag"]})
    assert again.status_code == 304


def test_which_paths_are_tagged_from_the_head() -> None:
    assert all(head_scoped(path.split("?")[0]) for path in LIST_PATHS)
    assert head_scoped("/v1/feeds/claims.atom")
    for path in ("/v1/claims/peskov-own-programmes", "/v1/changes/stream", "/health", "/schema/openapi.json"):
        assert not head_scoped(path)


async def test_reads_that_need_a_key_never_get_a_304_without_one(database_url: str, tmp_path: Path) -> None:
    await load_small_story(database_url)
    token = await make_key(database_url, "reader", scope="read")
    settings = Settings(database_url=database_url, data_dir=str(tmp_path / "data"), read_requires_key=True)
    async with AsyncTestClient(app=create_app(settings)) as client:
        tagged = await client.get("/v1/claims", headers=bearer(token))
        assert tagged.status_code == 200
        etag = tagged.headers["etag"]
        anonymous = await client.get("/v1/claims", headers={"If-None-Match": etag})
        assert anonymous.status_code == 401
        keyed = await client.get("/v1/claims", headers=bearer(token, **{"If-None-Match": etag}))
        assert keyed.status_code == 304 and keyed.headers["etag"] == etag
