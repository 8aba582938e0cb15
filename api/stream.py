"""The live tail of the changes feed: one reader per process, fanned out to every stream client.

**One reader.** :class:`ChangeTail` waits on the feed head (`api.feed_head`: one LISTEN connection per
process), and each time the head moves it reads the changes after its own position with one unfiltered
feed query (`api.queries.stream`), paged, and offers each to every :class:`Subscription`. Stream clients
hold no database connection while idle: the tail borrows a pool connection per read, and a client only
borrows one while it catches up. Without a feed head (``FEED_LISTEN=0``) or while its connection is
down, the tail re-reads every ``recheck_seconds`` instead.

**No gap, no repeat.** A client subscribes *before* it catches up from its cursor in the database, then
takes tail items strictly after the last cursor it sent. Every change the tail read before the
subscription was already served, so the catch-up (which starts after it) sees it; every change the tail
reads after it lands in the queue. The feed order `(txid, id)` is total, so comparing positions as
tuples drops what the catch-up already sent. The tail updates its position and fans out without
yielding to the event loop, so a subscription never falls between the two.

**Slow clients.** Each subscription has a bounded queue; a client that falls `queue_size` changes
behind is marked overflowed and its stream ends. It reconnects with `Last-Event-ID` and catches up from
the database, which costs it nothing it has not already been promised.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec
import structlog
from litestar import Litestar

from api.queries.stream import TailRow, feed_end, tail_changes
from api.tasks import cancel_and_wait
from schema.writes import Change

Position = tuple[int, int]
"""A place in the feed: (txid, change id)."""
DEFAULT_QUEUE_SIZE = 1000
READ_PAGE = 500
log = structlog.get_logger("api.stream")


def change_of(row: Any) -> Change:
    """The feed item of a change row (a `TailRow` or an `api.queries.changes.ChangeRow`)."""
    # Imported here: api.routes imports this module's controller, which imports this module.
    from api.routes.changes import change_cursor

    return Change(
        cursor=change_cursor(row.txid, row.id),
        type=row.resource_type,
        id=row.resource_id,
        operation=row.operation,
        version=row.version,
        at=row.at,
        state=row.state,
    )


@dataclass(frozen=True)
class TailItem:
    position: Position
    cursor: str
    resource_type: str
    actor_ids: frozenset[str]
    data: str
    """The change as JSON, encoded once for every subscriber."""

    @classmethod
    def of(cls, row: TailRow) -> TailItem:
        change = change_of(row)
        return cls((row.txid, row.id), change.cursor, row.resource_type, frozenset(row.actor_ids), change_json(change))


def change_json(change: Change) -> str:
    return msgspec.json.encode(change).decode()


@dataclass(eq=False)
class Subscription:
    """One stream client's view of the tail: its filters and a bounded queue of matching changes."""

    types: frozenset[str] | None
    actor: str | None
    start: Position | None
    """The tail's position when it subscribed: everything after it reaches the queue."""
    queue: asyncio.Queue[TailItem] = field(default_factory=asyncio.Queue)
    overflowed: bool = False

    def wants(self, item: TailItem) -> bool:
        return (self.types is None or item.resource_type in self.types) and (
            self.actor is None or self.actor in item.actor_ids
        )

    def offer(self, item: TailItem) -> None:
        if self.overflowed or not self.wants(item):
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed = True


class ChangeTail:
    """Reads new changes once per process and hands them to every subscription (see the module docstring)."""

    def __init__(
        self,
        pool_of: Callable[[], asyncpg.Pool],
        head_of: Callable[[], Any],
        *,
        recheck_seconds: float = 5.0,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        self._pool_of = pool_of
        self._head_of = head_of
        self._recheck = recheck_seconds
        self._queue_size = queue_size
        self._subscribers: set[Subscription] = set()
        self._position: Position | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = asyncio.Lock()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def subscribe(self, types: frozenset[str] | None, actor: str | None) -> Subscription:
        """A new subscription; the tail starts reading at the first one (reading where the feed ends now)."""
        await self._ensure_started()
        subscription = Subscription(types, actor, self._position, asyncio.Queue(maxsize=self._queue_size))
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)
        self._subscribers.clear()

    async def _ensure_started(self) -> None:
        async with self._started:
            if self._task is None:
                self._position = await feed_end(self._pool_of())
                self._task = asyncio.create_task(self._run(), name="change-tail")

    async def _run(self) -> None:
        seen = None
        failures = 0
        while True:
            head = self._head_of()
            if head is not None and head.current is not None:
                moved = await head.wait_newer(seen, timeout=self._recheck)
                if moved is None and head.current is not None:
                    continue  # the head is alive and did not move: nothing new to read
                seen = moved
            else:
                # No head, or its connection is down: poll instead of trusting it.
                await asyncio.sleep(self._recheck if head is None else min(self._recheck, 1.0))
            try:
                await self._read_new()
                failures = 0
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                failures += 1
                log.warning("change tail read failed", error=f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(min(5.0, 0.1 * 2**failures))
            except Exception:  # a bug must not silence every stream for good: log it and read again later
                failures += 1
                log.exception("change tail failed")
                await asyncio.sleep(min(5.0, 0.1 * 2**failures))

    async def _read_new(self) -> None:
        while True:
            rows = await tail_changes(self._pool_of(), self._position, READ_PAGE)
            for row in rows:
                item = TailItem.of(row)
                self._position = item.position
                for subscription in self._subscribers:
                    subscription.offer(item)
            if len(rows) < READ_PAGE:
                return


def stream_lifespan(recheck_seconds: float) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Puts a :class:`ChangeTail` on `app.state.change_tail` (idle until a client subscribes) and stops it."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        tail = ChangeTail(
            lambda: app.state.pool,
            lambda: getattr(app.state, "feed_head", None),
            recheck_seconds=recheck_seconds,
        )
        app.state.change_tail = tail
        try:
            yield
        finally:
            await tail.stop()

    return lifespan
