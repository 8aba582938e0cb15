"""The feed head: each process's in-memory answer to "did any committed change become visible?", kept current by
PostgreSQL ``LISTEN/NOTIFY`` on one dedicated connection, so polls that find nothing new cost no SQL.

**What the head is.** The changes feed serves only changes with ``txid < pg_snapshot_xmin(pg_current_snapshot())``,
in ``(txid, id)`` order (see :mod:`api.queries.changes`). ``max(id)`` would not do: T1 takes id 10, T2 takes id 11
and commits, T1 commits later: T1's change became visible and ``max(id)`` did not move. The version used here is
the triple (the last served ``(txid, id)`` below ``xmin``, the number of committed changes at or above ``xmin``),
read in one statement (one snapshot). It moves whenever any committed change becomes visible, and never returns to
an earlier value:

- a change that commits with its txid still at or above ``xmin`` raises the count (committed rows are never
  deleted; if a retention job ever deletes changes, it must only delete below the head);
- a change whose txid falls below ``xmin`` by the time it is seen: it was running at the previous read, so its txid
  was at or above the previous ``xmin``, above the previous head; the head is now at or beyond it, so it moved;
- the head only grows (``xmin`` never goes back), and while it stays put the count only grows.

The token is a hash of the triple: the same string in every process for the same database state.

**Last-Modified.** HTTP dates have whole seconds, so "the time the process first saw the token" alone is not a
safe validator: two states first seen in the same second would share a date, and ``If-Modified-Since`` would 304
the older copy. Two times are kept per token, both from the database's clock: ``first_seen`` (``clock_timestamp()``
of the first read that saw it, taken after that read's snapshot, hence after every commit in it) and ``confirmed``
(``statement_timestamp()`` of the latest read that saw it, taken before that read's snapshot, so any change it did
not see committed later). :attr:`FeedHead.last_modified` — the date handed to clients — is ``ceil(first_seen)`` once
a read at or after that second confirmed the token, else ``floor(confirmed)``: either way every change missing from
the copy committed after it. :meth:`FeedHead.unmodified_since` answers 304 only when the client's date is at or
after ``first_seen`` — and a change missing from its copy committed after its date but before ``first_seen``, so a
stale copy can never be answered 304, whichever process served it (all times come from the one database clock).

**Lag.** A commit reaches the head when its notification arrives (milliseconds); a lost notification is caught by
the periodic re-read (``recheck_seconds``). While the listening connection is down, :attr:`FeedHead.current` is
``None`` and nothing is answered from the head.

**With a read replica** (``head_url``, from ``DATABASE_READ_URL``), the lists are read on the replica, so the head
must be read there too: a head read on the primary can be ahead of a lagging replica, and a poll would then store an
old body under a new token and be answered 304 until the next write. ``NOTIFY`` does not reach a standby, so the
process still listens on the primary, and each notification triggers reads on the replica until it shows the change
(a few quick retries, then the periodic re-read); the version a list is tagged with is never ahead of the server that
served the list.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec
import structlog

from api.database import CONNECTION_ERRORS
from api.queries.feed_head import HeadRow, read_feed_head
from api.tasks import cancel_and_wait
from api.writes.hooks import FEED_CHANNEL

APPLICATION_NAME = "timeline-feed-head"
"""`application_name` of the listening connection (find it in `pg_stat_activity`)."""
REPLICA_RETRIES = (0.05, 0.1, 0.25, 0.5, 1.0)
"""Seconds between re-reads of a replica's head after a notification it has not applied yet."""
log = structlog.get_logger("api.feed_head")


class FeedVersion(msgspec.Struct, frozen=True):
    """One visible state of the changes feed."""

    token: str
    """Opaque; the same string in every process for the same database state."""
    modified: datetime
    """When this process first saw the token, rounded up to the second (UTC); stable while the token is. Fine for a
    feed's `updated`; for an HTTP `Last-Modified` use :attr:`FeedHead.last_modified` (see the module docstring)."""


class FeedHead:
    """Keeps :attr:`current` up to date from one listening connection (not from the pool)."""

    def __init__(
        self,
        database_url: str,
        *,
        recheck_seconds: float = 5.0,
        read_timeout: float = 10.0,
        backoff_initial: float = 0.1,
        backoff_max: float = 5.0,
        head_url: str | None = None,
    ) -> None:
        self._url = database_url
        self._head_url = head_url
        self._recheck = recheck_seconds
        self._read_timeout = read_timeout
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._current: FeedVersion | None = None
        self._first_seen: datetime | None = None
        self._confirmed: datetime | None = None
        self._conn: asyncpg.Connection | None = None
        self._head_conn: asyncpg.Connection | None = None
        self._poke = asyncio.Event()
        self._moved = asyncio.Event()
        self._first_attempt = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def current(self) -> FeedVersion | None:
        """The head as last read; ``None`` before the first read and while the connection is down."""
        return self._current

    @property
    def last_modified(self) -> datetime | None:
        """The `Last-Modified` date for the current head (whole seconds, UTC), or ``None`` when unknown."""
        if self._current is None or self._first_seen is None or self._confirmed is None:
            return None
        settled = _ceil_second(self._first_seen)
        return settled if self._confirmed >= settled else _floor_second(self._confirmed)

    def unmodified_since(self, since: datetime) -> bool:
        """Whether a copy dated `since` (an `If-Modified-Since`) is known to be current."""
        return self._current is not None and self._first_seen is not None and since >= self._first_seen

    @property
    def backend_pid(self) -> int | None:
        """The server process of the listening connection (for operators and tests)."""
        return self._conn.get_server_pid() if self._conn is not None else None

    async def start(self) -> None:
        """Connect, listen and read the head once; returns after that first attempt even if it failed (the
        background task keeps retrying, and :attr:`current` stays ``None`` meanwhile)."""
        if self._task is not None:
            return
        self._task = asyncio.create_task(self._run(), name="feed-head")
        await self._first_attempt.wait()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)
        await self._disconnect()
        self._set_unknown()

    async def wait_newer(self, seen: FeedVersion | None, timeout: float) -> FeedVersion | None:
        """The head as soon as its token differs from `seen` (at once if it already does), or ``None`` after
        `timeout` seconds. While the head is unknown (connection down) it keeps waiting."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            moved = self._moved
            current = self._current
            if current is not None and (seen is None or current.token != seen.token):
                return current
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(moved.wait(), remaining)
            except TimeoutError:
                return None

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._connect()
                failures = 0
                await self._follow()
            except CONNECTION_ERRORS as exc:
                log.warning("feed head connection lost", error=f"{type(exc).__name__}: {exc}")
            except Exception:  # a bug must not stop the head for good: it is unknown until a read succeeds
                log.exception("feed head failed")
            self._set_unknown()
            self._first_attempt.set()
            await self._disconnect()
            await asyncio.sleep(min(self._backoff_max, self._backoff_initial * 2**failures))
            failures += 1

    async def _connect(self) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(
            self._url, timeout=self._read_timeout, server_settings={"application_name": APPLICATION_NAME}
        )
        self._conn = conn
        conn.add_termination_listener(self._on_terminated)
        if self._head_url is not None:
            head_conn: asyncpg.Connection = await asyncpg.connect(
                self._head_url, timeout=self._read_timeout, server_settings={"application_name": APPLICATION_NAME}
            )
            self._head_conn = head_conn
            head_conn.add_termination_listener(self._on_terminated)
        # Listen before the first read: a commit between the two is then either in the read or notified after it.
        await conn.add_listener(FEED_CHANNEL, self._on_notify)
        self._poke.set()

    async def _follow(self) -> None:
        """Re-read on each notification (a burst is one re-read) and every `recheck_seconds`."""
        retries: Iterator[float] = iter(())
        while True:
            wait = next(retries, self._recheck)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), wait)
            notified = self._poke.is_set()
            self._poke.clear()
            conn = self._conn if self._head_url is None else self._head_conn
            if conn is None or conn.is_closed() or self._conn is None or self._conn.is_closed():
                raise asyncpg.InterfaceError("the listening connection is closed")
            moved = self._observe(await read_feed_head(conn, timeout=self._read_timeout))
            self._first_attempt.set()
            if self._head_url is not None and notified and not moved:
                # The replica has not applied the notified commit yet: look again soon, not only at the recheck.
                retries = iter(REPLICA_RETRIES)

    def _observe(self, row: HeadRow) -> bool:
        """Record a read of the head; whether its token moved."""
        token = _token(row)
        if self._current is not None and self._current.token == token:
            self._confirmed = row.read_started
            return False
        self._first_seen, self._confirmed = row.read_finished, row.read_started
        self._current = FeedVersion(token=token, modified=_ceil_second(row.read_finished))
        self._wake_waiters()
        return True

    def _set_unknown(self) -> None:
        self._current = self._first_seen = self._confirmed = None

    def _wake_waiters(self) -> None:
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    def _on_notify(self, *_: Any) -> None:
        self._poke.set()

    def _on_terminated(self, _: Any) -> None:
        # Stop answering from the head at once; the follow loop finds the closed connection and reconnects.
        self._set_unknown()
        self._poke.set()

    async def _disconnect(self) -> None:
        conns = [conn for conn in (self._conn, self._head_conn) if conn is not None and not conn.is_closed()]
        self._conn = self._head_conn = None
        for conn in conns:
            conn.remove_termination_listener(self._on_terminated)
        try:
            for conn in conns:
                with contextlib.suppress(*CONNECTION_ERRORS):
                    await asyncio.wait_for(conn.close(), self._read_timeout)
        finally:
            # A close that failed, timed out or was cancelled (by `stop()`) drops the socket instead; the
            # cancellation itself goes on up: swallowed, it kept `_run` retrying and `stop()` waiting for ever.
            for conn in conns:
                if not conn.is_closed():
                    conn.terminate()


def _token(row: HeadRow) -> str:
    raw = f"{row.head_txid}.{row.head_id}.{row.pending}".encode()
    return hashlib.blake2b(raw, digest_size=10).hexdigest()


def _floor_second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _ceil_second(moment: datetime) -> datetime:
    floor = _floor_second(moment)
    return floor if moment.microsecond == 0 else floor + timedelta(seconds=1)
