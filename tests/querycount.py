"""Counting the SQL statements a piece of code runs, to assert that an endpoint does no N+1.

Usage in a test (the ``pool`` fixture, hence ``client``, is attached to ``query_counter``)::

    async def test_list_is_one_query(client, query_counter):
        with query_counter.counting() as counted:
            await client.get("/events")
        assert counted.count == 1, counted.statements
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from asyncpg.connection import LoggedQuery


class QueryCounter:
    """Records every statement run on the connections it is attached to (the pool's own reset excluded)."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.arguments: list[tuple[object, ...]] = []
        """Each statement's arguments, in the same order."""
        self._windows: list[QueryCounter] = []

    @property
    def count(self) -> int:
        """Number of statements recorded."""
        return len(self.statements)

    async def attach(self, conn: asyncpg.Connection) -> None:
        """Pool ``init`` hook: record this connection's statements here."""

        def record(query: LoggedQuery) -> None:
            # What the pool runs by itself when a connection is released is not the application's doing.
            if query.query != conn.get_reset_query():
                self.record(query.query, tuple(query.args or ()))

        conn.add_query_logger(record)

    def record(self, statement: str, arguments: tuple[object, ...] = ()) -> None:
        """Record one statement, here and in every open :meth:`counting` window."""
        self.statements.append(statement)
        self.arguments.append(arguments)
        for window in self._windows:
            window.record(statement, arguments)

    @contextmanager
    def counting(self) -> Iterator[QueryCounter]:
        """A fresh counter of only what runs inside the ``with`` block."""
        window = QueryCounter()
        self._windows.append(window)
        try:
            yield window
        finally:
            self._windows.remove(window)
