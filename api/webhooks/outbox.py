"""The outbox: deliveries are rows written in the transaction of the change they carry.

A rolled-back write therefore queues nothing, and a committed change cannot be lost between the commit and the
send: the workers find its rows in PostgreSQL, whatever happened to the process that wrote it. The payload is fixed
at enqueue time (the change and the state its revision recorded, both immutable), so every retry sends the same
bytes (see :func:`api.webhooks.sender.delivery_body`).
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from api.queries import webhooks as queries
from api.queries.revisions import Recorded


async def enqueue(conn: asyncpg.Connection, recorded: Sequence[Recorded]) -> None:
    """Queue a delivery per recorded change and matching webhook: one statement, whatever the numbers of both."""
    if recorded:
        await queries.enqueue_deliveries(conn, [(r.resource_type, r.id, r.version) for r in recorded])
