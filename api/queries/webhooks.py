"""SQL of webhooks: subscriptions, the outbox insert the write path runs, and what the delivery workers run.

Transaction ids travel as bigint (`xid8::text::bigint`), as in :mod:`api.queries.changes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

# One statement per write batch, whatever the number of webhooks: each change this transaction recorded for the
# batch (the last ones it inserted: the feed index reads just those), times each webhook whose filters it matches;
# without any webhook it reads nothing at all. A claim matches a proposition filter when its state at this
# version or the one before (so an update that drops the stance, or a deletion, still reaches the subscriber)
# takes a stance on one of the propositions.
ENQUEUE_DELIVERIES = """
INSERT INTO webhook_deliveries (webhook_id, change_id, change_txid, event, payload)
SELECT w.id, c.id, c.txid, c.resource_type || '.' || c.operation,
       jsonb_build_object('type', c.resource_type, 'id', c.resource_id, 'operation', c.operation,
                          'version', c.version, 'at', c.at, 'state', r.state)
FROM unnest($1::text[], $2::text[], $3::integer[]) AS x(resource_type, resource_id, version)
JOIN (
    SELECT * FROM changes WHERE txid = pg_current_xact_id() AND EXISTS (SELECT 1 FROM webhooks)
    ORDER BY id DESC LIMIT cardinality($1::text[])
) AS c ON c.resource_type = x.resource_type AND c.resource_id = x.resource_id AND c.version = x.version
LEFT JOIN revisions AS r
    ON c.operation = 'upsert'
    AND r.resource_type = c.resource_type AND r.resource_id = c.resource_id AND r.version = c.version
JOIN webhooks AS w
    ON (cardinality(w.types) = 0 OR c.resource_type = ANY(w.types))
    AND (cardinality(w.actors) = 0 OR c.actor_ids && w.actors)
    AND (cardinality(w.propositions) = 0
        OR (c.resource_type = 'propositions' AND c.resource_id = ANY(w.propositions))
        OR (c.resource_type = 'claims' AND EXISTS (
            SELECT 1 FROM revisions AS s, jsonb_array_elements(s.state -> 'stances') AS stance
            WHERE s.resource_type = 'claims' AND s.resource_id = c.resource_id
              AND s.version IN (c.version, c.version - 1)
              AND stance ->> 'proposition' = ANY(w.propositions))))
ORDER BY c.id, w.id
"""

INSERT_WEBHOOK = """
INSERT INTO webhooks (url, secret, types, actors, propositions, description, key_name)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, url, secret, types, actors, propositions, description, key_name, created_at
"""

_WEBHOOK_COLUMNS = "id, url, secret, types, actors, propositions, description, key_name, created_at"
GET_WEBHOOK = f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
LIST_WEBHOOKS = f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE ($1::bigint IS NULL OR id > $1) ORDER BY id LIMIT $2"
# Its deliveries go with it (ON DELETE CASCADE): pending ones are cancelled.
DELETE_WEBHOOK = "DELETE FROM webhooks WHERE id = $1 RETURNING id"

KNOWN_IDS = """
SELECT 'actors' AS kind, id::text FROM actors WHERE id = ANY($1::text[])
UNION ALL
SELECT 'propositions', id::text FROM propositions WHERE id = ANY($2::text[])
"""

# One statement tells an unknown webhook (no row) from one without deliveries (a row of nulls), newest first.
LIST_DELIVERIES = """
SELECT w.id AS webhook_id, d.id, d.change_id, d.change_txid::text::bigint AS change_txid, d.event, d.status,
       d.payload, d.created_at, d.attempts, d.next_attempt_at
FROM webhooks AS w
LEFT JOIN LATERAL (
    SELECT * FROM webhook_deliveries AS d
    WHERE d.webhook_id = w.id
      AND ($2::bigint IS NULL OR (d.change_txid, d.change_id) < ($2::bigint::text::xid8, $3::bigint))
      AND ($4::text IS NULL OR d.status = $4)
    ORDER BY d.change_txid DESC, d.change_id DESC
    LIMIT $5
) AS d ON true
WHERE w.id = $1
ORDER BY d.change_txid DESC, d.change_id DESC
"""

# Take up to $1 due deliveries no other worker holds, and lease them: each row's next_attempt_at moves ahead by
# (its place in its webhook's queue + 1) * the request timeout, the longest the worker can take to reach and send
# it. A worker that dies leaves rows that come due again when the lease runs out.
CLAIM_DUE = """
WITH due AS (
    SELECT d.id, d.webhook_id, d.change_txid, d.change_id FROM webhook_deliveries AS d
    WHERE d.status = 'pending' AND d.next_attempt_at <= now()
    ORDER BY d.next_attempt_at, d.change_txid, d.change_id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
), ranked AS (
    SELECT id, row_number() OVER (PARTITION BY webhook_id ORDER BY change_txid, change_id) AS place FROM due
), leased AS (
    UPDATE webhook_deliveries AS d
    SET next_attempt_at = now() + make_interval(secs => $2::double precision * (r.place + 1))
    FROM ranked AS r WHERE d.id = r.id
    RETURNING d.id, d.webhook_id, d.change_id, d.change_txid, d.event, d.payload, d.first_attempt_at,
              jsonb_array_length(d.attempts) AS attempts, r.place
)
SELECT l.id::text, l.webhook_id, l.change_id, l.change_txid::text::bigint AS change_txid, l.event, l.payload,
       l.first_attempt_at, l.attempts, w.url, w.secret
FROM leased AS l JOIN webhooks AS w ON w.id = l.webhook_id
ORDER BY l.webhook_id, l.place
"""

RECORD_ATTEMPT = """
UPDATE webhook_deliveries
SET attempts = attempts || jsonb_build_array($2::jsonb), status = $3, next_attempt_at = $4,
    first_attempt_at = coalesce(first_attempt_at, $5)
WHERE id = $1::uuid AND status = 'pending'
"""


class WebhookRow(msgspec.Struct, frozen=True):
    id: int
    url: str
    secret: str
    types: list[str]
    actors: list[str]
    propositions: list[str]
    description: str | None
    key_name: str
    created_at: datetime


class NewWebhook(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    secret: str
    types: Sequence[str]
    actors: Sequence[str]
    propositions: Sequence[str]
    description: str | None
    key_name: str


class DeliveryRow(msgspec.Struct, frozen=True):
    id: str
    change_id: int
    change_txid: int
    event: str
    status: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: list[dict[str, Any]]
    next_attempt_at: datetime | None


class DueDelivery(msgspec.Struct, frozen=True):
    """A leased delivery, with what sending it needs."""

    id: str
    webhook_id: int
    change_id: int
    change_txid: int
    event: str
    payload: dict[str, Any]
    first_attempt_at: datetime | None
    attempts: int
    url: str
    secret: str


def _webhook(r: asyncpg.Record) -> WebhookRow:
    return WebhookRow(
        r["id"],
        r["url"],
        r["secret"],
        list(r["types"]),
        list(r["actors"]),
        list(r["propositions"]),
        r["description"],
        r["key_name"],
        r["created_at"],
    )


async def enqueue_deliveries(conn: asyncpg.Connection, changed: Sequence[tuple[str, str, int]]) -> None:
    """Queue a delivery per (change, matching webhook) of the (resource type, id, version) this transaction wrote."""
    await conn.execute(ENQUEUE_DELIVERIES, [c[0] for c in changed], [c[1] for c in changed], [c[2] for c in changed])


async def insert_webhook(conn: asyncpg.Connection | asyncpg.Pool, new: NewWebhook) -> WebhookRow:
    row = await conn.fetchrow(
        INSERT_WEBHOOK,
        new.url,
        new.secret,
        list(new.types),
        list(new.actors),
        list(new.propositions),
        new.description,
        new.key_name,
    )
    assert row is not None  # INSERT … RETURNING yields its row
    return _webhook(row)


async def get_webhook(conn: asyncpg.Connection | asyncpg.Pool, webhook_id: int) -> WebhookRow | None:
    row = await conn.fetchrow(GET_WEBHOOK, webhook_id)
    return None if row is None else _webhook(row)


async def list_webhooks(conn: asyncpg.Connection | asyncpg.Pool, after: int | None, limit: int) -> list[WebhookRow]:
    return [_webhook(r) for r in await conn.fetch(LIST_WEBHOOKS, after, limit)]


async def delete_webhook(conn: asyncpg.Connection | asyncpg.Pool, webhook_id: int) -> bool:
    return await conn.fetchval(DELETE_WEBHOOK, webhook_id) is not None


async def known_ids(
    conn: asyncpg.Connection | asyncpg.Pool, actors: Sequence[str], propositions: Sequence[str]
) -> dict[str, set[str]]:
    """Which of these actor and proposition ids exist."""
    found: dict[str, set[str]] = {"actors": set(), "propositions": set()}
    if not actors and not propositions:
        return found
    for row in await conn.fetch(KNOWN_IDS, list(actors), list(propositions)):
        found[row["kind"]].add(row["id"])
    return found


async def list_deliveries(
    conn: asyncpg.Connection | asyncpg.Pool,
    webhook_id: int,
    before: tuple[int, int] | None,
    status: str | None,
    limit: int,
) -> list[DeliveryRow] | None:
    """Up to `limit` deliveries of the webhook older than `before` = (txid, change id), newest first; None when
    there is no such webhook."""
    txid, change_id = before if before else (None, None)
    rows = await conn.fetch(LIST_DELIVERIES, webhook_id, txid, change_id, status, limit)
    if not rows:
        return None
    return [
        DeliveryRow(
            str(r["id"]),
            r["change_id"],
            r["change_txid"],
            r["event"],
            r["status"],
            r["payload"],
            r["created_at"],
            r["attempts"],
            r["next_attempt_at"],
        )
        for r in rows
        if r["id"] is not None
    ]


async def claim_due(conn: asyncpg.Connection | asyncpg.Pool, limit: int, lease_seconds: float) -> list[DueDelivery]:
    rows = await conn.fetch(CLAIM_DUE, limit, lease_seconds)
    return [
        DueDelivery(
            r["id"],
            r["webhook_id"],
            r["change_id"],
            r["change_txid"],
            r["event"],
            r["payload"],
            r["first_attempt_at"],
            r["attempts"],
            r["url"],
            r["secret"],
        )
        for r in rows
    ]


async def record_attempt(
    conn: asyncpg.Connection | asyncpg.Pool,
    delivery_id: str,
    attempt: Any,
    status: str,
    next_attempt_at: datetime | None,
    attempted_at: datetime,
) -> None:
    """Append the attempt (encoded as jsonb) and set the delivery's status and next attempt time."""
    await conn.execute(RECORD_ATTEMPT, delivery_id, attempt, status, next_attempt_at, attempted_at)
