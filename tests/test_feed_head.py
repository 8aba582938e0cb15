"""The feed head (api/feed_head.py): one listening connection per process, a token that moves with every visible
change (late commits included), recovery from lost notifications and dropped connections, safe Last-Modified dates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import asyncpg
import pytest

from api.feed_head import APPLICATION_NAME, FeedHead, FeedVersion
from api.settings import Settings
from api.writes.hooks import NOTIFY_CHANGES
from tests.conftest import NewDatabase
from tests.write_helpers import load_small_story

INSERT_CHANGE = (
    "INSERT INTO changes (resource_type, resource_id, operation, version) VALUES ('actors', $1, 'upsert', 1)"
)
"""A change row written straight with SQL: no NOTIFY (the write path's hook is not involved)."""
NOTIFY = NOTIFY_CHANGES


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for `condition` (checked every 20 ms); fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def moved(head: FeedHead, seen: FeedVersion | None, timeout: float = 10.0) -> FeedVersion:
    newer = await head.wait_newer(seen, timeout)
    assert newer is not None, "the feed head did not move"
    assert seen is None or newer.token != seen.token
    return newer


@pytest.fixture
async def head(database_url: str) -> AsyncIterator[FeedHead]:
    head = FeedHead(database_url, recheck_seconds=30.0)  # notifications only: a recheck would hide a lost one
    await head.start()
    try:
        yield head
    finally:
        await head.stop()


async def test_start_reads_the_head_and_every_process_gets_the_same_token(head: FeedHead, database_url: str) -> None:
    assert head.current is not None
    other = FeedHead(database_url)
    await other.start()
    try:
        assert other.current is not None and other.current.token == head.current.token
    finally:
        await other.stop()
    assert other.current is None


async def test_a_committed_write_moves_the_head_through_its_notification(head: FeedHead, database_url: str) -> None:
    before = head.current
    assert await head.wait_newer(before, 0.05) is None  # nothing changed: wait_newer times out
    await load_small_story(database_url)  # the loader writes through the store, which notifies at commit
    after = await moved(head, before)
    assert head.current == after
    assert before is not None and after.modified >= before.modified
    assert await head.wait_newer(before, 0) == after  # already newer: returns at once


async def test_a_late_commit_below_the_newest_id_moves_the_head(head: FeedHead, database_url: str) -> None:
    """T1 takes the lower change id, T2 the higher one and commits first, T1 commits last: max(id) would not move."""
    early = await asyncpg.connect(database_url)
    late = await asyncpg.connect(database_url)
    try:
        first = head.current
        await early.execute("BEGIN")
        low = await early.fetchval(INSERT_CHANGE + " RETURNING id", "slow-writer")
        await late.execute("BEGIN")
        high = await late.fetchval(INSERT_CHANGE + " RETURNING id", "fast-writer")
        assert low < high
        await late.execute(NOTIFY)
        await late.execute("COMMIT")
        second = await moved(head, first)
        await early.execute(NOTIFY)
        await early.execute("COMMIT")
        third = await moved(head, second)
        assert len({first.token if first else "", second.token, third.token}) == 3
    finally:
        await early.close()
        await late.close()


async def test_a_rolled_back_write_does_not_move_the_head(head: FeedHead, database_url: str) -> None:
    before = head.current
    conn = await asyncpg.connect(database_url)
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(INSERT_CHANGE, "never")
        await conn.execute(NOTIFY)
        await transaction.rollback()
    finally:
        await conn.close()
    assert await head.wait_newer(before, 0.3) is None


async def test_a_lost_notification_is_caught_by_the_recheck(database_url: str) -> None:
    head = FeedHead(database_url, recheck_seconds=0.2)
    await head.start()
    try:
        before = head.current
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(INSERT_CHANGE, "unannounced")  # committed, never notified
        finally:
            await conn.close()
        await moved(head, before, timeout=5.0)
    finally:
        await head.stop()


async def test_a_killed_connection_makes_the_head_unknown_then_it_reconnects(database_url: str) -> None:
    head = FeedHead(database_url, recheck_seconds=30.0, backoff_initial=0.5)
    await head.start()
    admin = await asyncpg.connect(database_url)
    try:
        pid = head.backend_pid
        listening = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
            APPLICATION_NAME,
        )
        assert pid is not None and listening == 1
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        await until(lambda: head.current is None)
        recovered = await moved(head, None)
        assert head.backend_pid not in (None, pid)
        await load_small_story(database_url)  # a write after the reconnection is heard
        await moved(head, recovered)
    finally:
        await admin.close()
        await head.stop()


async def test_an_unreachable_database_leaves_the_head_unknown() -> None:
    head = FeedHead("postgresql://postgres@127.0.0.1:9/timeline", backoff_initial=0.05)
    await head.start()  # returns after the first failed attempt; the task keeps retrying
    try:
        assert head.current is None and head.last_modified is None
        assert await head.wait_newer(None, 0.1) is None
    finally:
        await head.stop()


async def test_a_cancelled_disconnect_stays_cancelled_and_closes_every_connection(database_url: str) -> None:
    """`stop()` cancels the task, which may be closing its connections after a failed read: swallowing that
    cancellation kept the task retrying forever and `stop()` waiting on it."""
    head = FeedHead(database_url, head_url=database_url)  # two connections: the listener and the head's reader
    await head._connect()
    conns = [head._conn, head._head_conn]
    closing = asyncio.create_task(head._disconnect())
    await asyncio.sleep(0)  # now inside the first close, which waits for the server
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    assert all(conn is not None and conn.is_closed() for conn in conns)


async def test_stop_ends_while_the_head_keeps_failing(make_database: NewDatabase) -> None:
    """A never-migrated database: every read fails, so the task spends its time connecting and disconnecting;
    `stop()` must end wherever it finds it."""
    url = await make_database(empty=True)
    for attempt in range(100):  # stops that land at every point of the loop: connecting, reading, closing
        head = FeedHead(url, backoff_initial=0.0)
        await head.start()
        await asyncio.sleep(0.001 * (attempt % 25))
        await asyncio.wait_for(head.stop(), 10.0)
        assert head.current is None


async def test_last_modified_never_vouches_for_a_copy_missing_a_later_change(head: FeedHead, database_url: str) -> None:
    """Whole-second HTTP dates: a copy dated by an earlier state must not pass If-Modified-Since, even when the
    change came within the same second."""
    old_date = head.last_modified
    assert old_date is not None and old_date.microsecond == 0
    assert head.unmodified_since(old_date + timedelta(days=1))
    before = head.current
    await load_small_story(database_url)
    await moved(head, before)
    assert not head.unmodified_since(old_date)
    new_date = head.last_modified
    assert new_date is not None and new_date >= old_date


async def test_last_modified_settles_on_the_second_after_the_change(database_url: str) -> None:
    head = FeedHead(database_url, recheck_seconds=0.1)
    await head.start()
    try:
        current = head.current
        assert current is not None
        await until(lambda: head.last_modified == current.modified, timeout=5.0)
        assert head.unmodified_since(current.modified)  # the date served once settled gets its 304
        assert not head.unmodified_since(current.modified - timedelta(seconds=1))
    finally:
        await head.stop()


def test_settings_knobs_come_from_the_environment() -> None:
    settings = Settings.from_env({"FEED_LISTEN": "0", "FEED_RECHECK_SECONDS": "2.5"})
    assert settings.feed_listen is False and settings.feed_recheck_seconds == 2.5
    assert Settings.from_env({}).feed_listen is True
    for bad in ("0", "-1", "soon", "inf"):
        with pytest.raises(ValueError, match="FEED_RECHECK_SECONDS"):
            Settings.from_env({"FEED_RECHECK_SECONDS": bad})
