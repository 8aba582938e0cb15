"""The seam where a committed-with-the-write side effect plugs in (issue 6: NOTIFY, webhook outbox).

:func:`after_changes` runs inside the write's transaction, after its revisions and changes are
recorded, for every write (HTTP and loader). Whatever it writes commits or rolls back with the
write: `pg_notify` is delivered only on commit, and outbox rows inserted here exist only if the
change does. It must stay constant in statements per call (the loader passes whole batches).
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from api.queries.revisions import Recorded
from api.webhooks import outbox as webhook_outbox

FEED_CHANNEL = "timeline_changes"
"""The LISTEN/NOTIFY channel every process's feed-head listener follows (see `api.feed_head`)."""

NOTIFY_CHANGES = f"SELECT pg_notify('{FEED_CHANNEL}', '')"
"""PostgreSQL delivers it at commit, once per transaction however often it is sent (same payload)."""


async def after_changes(conn: asyncpg.Connection, recorded: Sequence[Recorded]) -> None:
    """Tell every API process that the feed moved (delivered at commit, dropped on rollback), and queue the
    webhook deliveries of these changes (an outbox: they exist only if the changes commit)."""
    if not recorded:
        return
    await conn.execute(NOTIFY_CHANGES)
    await webhook_outbox.enqueue(conn, recorded)
