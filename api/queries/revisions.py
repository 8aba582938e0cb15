"""SQL the write path runs beside every write: revisions, changes, tombstones, locks and reference checks.

The state a revision stores comes from the `resource_documents` view (migration 0005): the row as
the tables hold it, in the write shape, read in the same statement that records the revision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

LOCK_RESOURCE = "SELECT pg_advisory_xact_lock(hashtextextended('timeline.write:' || $1 || '/' || $2, 0))"

CURRENT_VERSION = """
SELECT (SELECT d.version FROM resource_documents AS d WHERE d.resource_type = $1 AND d.id = $2) AS version,
       (SELECT t.version FROM tombstones AS t WHERE t.resource_type = $1 AND t.resource_id = $2) AS deleted_version
"""

GET_DOCUMENT = "SELECT version, doc FROM resource_documents WHERE resource_type = $1 AND id = $2"

EXISTING_IDS = """
SELECT x.resource_type, x.id FROM unnest($1::text[], $2::text[]) AS x(resource_type, id)
WHERE EXISTS (SELECT 1 FROM resource_documents AS d WHERE d.resource_type = x.resource_type AND d.id = x.id)
"""

# One statement records every upsert of a batch: the revision (full state) and the change.
RECORD_UPSERTS = """
WITH written AS (
    SELECT d.id, d.version, d.doc, d.actor_ids, x.operation
    FROM unnest($2::text[], $3::text[]) AS x(id, operation)
    JOIN resource_documents AS d ON d.resource_type = $1 AND d.id = x.id
), revision AS (
    INSERT INTO revisions (resource_type, resource_id, version, operation, key_name, state)
    SELECT $1, id, version, operation, $4, doc FROM written ORDER BY id
), change AS (
    INSERT INTO changes (resource_type, resource_id, operation, version, actor_ids)
    SELECT $1, id, 'upsert', version, actor_ids FROM written ORDER BY id
    RETURNING id
), forgotten AS (
    DELETE FROM tombstones WHERE resource_type = $1 AND resource_id IN (SELECT id FROM written)
)
SELECT id, version, doc, now() AS at FROM written ORDER BY id
"""

# One statement deletes a batch: revision, tombstone and change recorded from the state before.
DELETE_RESOURCES = """
WITH gone AS (
    SELECT d.id, d.version + 1 AS version, d.actor_ids
    FROM resource_documents AS d WHERE d.resource_type = $1 AND d.id = ANY($2::text[])
), revision AS (
    INSERT INTO revisions (resource_type, resource_id, version, operation, key_name, state)
    SELECT $1, id, version, 'delete', $3, NULL FROM gone ORDER BY id
), tombstone AS (
    INSERT INTO tombstones (resource_type, resource_id, version) SELECT $1, id, version FROM gone
    ON CONFLICT (resource_type, resource_id) DO UPDATE SET version = EXCLUDED.version, deleted_at = now()
), change AS (
    INSERT INTO changes (resource_type, resource_id, operation, version, actor_ids)
    SELECT $1, id, 'delete', version, actor_ids FROM gone ORDER BY id
), removed AS (
    DELETE FROM {table} WHERE id IN (SELECT id FROM gone)
)
SELECT id, version, now() AS at FROM gone ORDER BY id
"""

OWNED_CITATIONS = "SELECT id FROM citations WHERE {column} = ANY($1::text[]) ORDER BY id"

# What still points at resources about to be deleted: (type, id, field) of each referrer.
REFERRERS: dict[str, str] = {
    "actors": """
        SELECT 'claims' AS resource_type, id::text, 'claimant' AS field FROM claims WHERE claimant_id = ANY($1)
        UNION SELECT 'claims', claim_id, 'reported_via' FROM claim_reporting WHERE actor_id = ANY($1)
        UNION SELECT 'events', event_id, 'participants' FROM event_participants WHERE actor_id = ANY($1)
        UNION SELECT 'sources', id, 'outlet' FROM sources WHERE outlet_id = ANY($1)
        UNION SELECT 'actors', actor_id, 'affiliations' FROM actor_affiliations
            WHERE target_id = ANY($1) AND NOT actor_id = ANY($1)
        UNION SELECT 'actors', id, 'affiliated_state' FROM actors
            WHERE affiliated_state_id = ANY($1) AND NOT id = ANY($1)
    """,
    "places": "SELECT 'events' AS resource_type, id::text, 'place' AS field FROM events WHERE place_id = ANY($1)",
    "sources": "SELECT 'citations' AS resource_type, id, 'source' AS field FROM citations WHERE source_id = ANY($1)",
    "propositions": """
        SELECT 'claims' AS resource_type, claim_id::text AS id, 'stances' AS field
        FROM claim_stances WHERE proposition_id = ANY($1)
    """,
    "events": """
        SELECT 'claims' AS resource_type, claim_id::text AS id, 'events' AS field
        FROM claim_events WHERE event_id = ANY($1)
    """,
    "claims": """
        SELECT 'claims' AS resource_type, claim_id::text AS id, 'links' AS field
        FROM claim_links WHERE target_id = ANY($1) AND NOT claim_id = ANY($1)
    """,
}
REFERRERS_LIMIT = 50

LIST_HISTORY = """
SELECT version, operation, key_name, at, state FROM revisions
WHERE resource_type = $1 AND resource_id = $2 AND ($3::integer IS NULL OR version < $3)
ORDER BY version DESC LIMIT $4
"""

HAS_HISTORY = "SELECT EXISTS (SELECT 1 FROM revisions WHERE resource_type = $1 AND resource_id = $2)"


class Recorded(msgspec.Struct, frozen=True):
    """One resource as a write left it: its new version and state (None once deleted)."""

    resource_type: str
    id: str
    version: int
    state: dict[str, Any] | None
    at: datetime


class VersionState(msgspec.Struct, frozen=True):
    """The resource's live version, or the version its tombstone records (both None: never existed)."""

    version: int | None
    deleted_version: int | None


class Referrer(msgspec.Struct, frozen=True):
    resource_type: str
    id: str
    field: str


class RevisionRow(msgspec.Struct, frozen=True):
    version: int
    operation: str
    key_name: str
    at: datetime
    state: dict[str, Any] | None


async def lock_resource(conn: asyncpg.Connection, resource_type: str, resource_id: str) -> None:
    """Serialise the writes of one resource id until the transaction ends (creates included)."""
    await conn.execute(LOCK_RESOURCE, resource_type, resource_id)


async def current_version(conn: asyncpg.Connection, resource_type: str, resource_id: str) -> VersionState:
    row = await conn.fetchrow(CURRENT_VERSION, resource_type, resource_id)
    assert row is not None  # a SELECT without FROM always yields one row
    return VersionState(row["version"], row["deleted_version"])


async def get_document(conn: asyncpg.Connection, resource_type: str, resource_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(GET_DOCUMENT, resource_type, resource_id)
    return None if row is None else dict(row["doc"])


async def existing_ids(conn: asyncpg.Connection, wanted: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """Which of the `wanted` ids (per resource type) exist."""
    pairs = [(kind, item_id) for kind, ids in wanted.items() for item_id in sorted(ids)]
    found: dict[str, set[str]] = {kind: set() for kind in wanted}
    if not pairs:
        return found
    rows = await conn.fetch(EXISTING_IDS, [p[0] for p in pairs], [p[1] for p in pairs])
    for row in rows:
        found[row["resource_type"]].add(row["id"])
    return found


async def record_upserts(
    conn: asyncpg.Connection, resource_type: str, operations: Mapping[str, str], key_name: str
) -> list[Recorded]:
    """Record a revision and a change for each written id (`operations`: id → create | update)."""
    if not operations:
        return []
    ids = list(operations)
    rows = await conn.fetch(RECORD_UPSERTS, resource_type, ids, [operations[i] for i in ids], key_name)
    return [Recorded(resource_type, r["id"], r["version"], r["doc"], r["at"]) for r in rows]


async def delete_resources(
    conn: asyncpg.Connection, resource_type: str, ids: Sequence[str], key_name: str, table: str
) -> list[Recorded]:
    """Hard-delete the rows, leaving a tombstone, a `delete` revision and a change for each."""
    if not ids:
        return []
    rows = await conn.fetch(DELETE_RESOURCES.format(table=table), resource_type, list(ids), key_name)
    return [Recorded(resource_type, r["id"], r["version"], None, r["at"]) for r in rows]


async def owned_citations(conn: asyncpg.Connection, owner_type: str, owner_ids: Sequence[str]) -> list[str]:
    column = {"events": "event_id", "claims": "claim_id"}[owner_type]
    return [r["id"] for r in await conn.fetch(OWNED_CITATIONS.format(column=column), list(owner_ids))]


async def list_referrers(conn: asyncpg.Connection, resource_type: str, ids: Sequence[str]) -> list[Referrer]:
    sql = REFERRERS.get(resource_type)
    if sql is None:
        return []
    query = f"SELECT * FROM ({sql}) AS r ORDER BY 1, 2, 3 LIMIT {REFERRERS_LIMIT}"
    return [Referrer(r["resource_type"], r["id"], r["field"]) for r in await conn.fetch(query, list(ids))]


async def list_history(
    conn: asyncpg.Connection | asyncpg.Pool, resource_type: str, resource_id: str, before: int | None, limit: int
) -> list[RevisionRow]:
    rows = await conn.fetch(LIST_HISTORY, resource_type, resource_id, before, limit)
    return [RevisionRow(r["version"], r["operation"], r["key_name"], r["at"], r["state"]) for r in rows]


async def has_history(conn: asyncpg.Connection, resource_type: str, resource_id: str) -> bool:
    found: bool = await conn.fetchval(HAS_HISTORY, resource_type, resource_id)
    return found


TOMBSTONE_VERSION = "SELECT version FROM tombstones WHERE resource_type = $1 AND resource_id = $2"


async def tombstone_version(
    conn: asyncpg.Connection | asyncpg.Pool, resource_type: str, resource_id: str
) -> int | None:
    """The version a deleted resource's tombstone records; None when the id is not deleted."""
    version: int | None = await conn.fetchval(TOMBSTONE_VERSION, resource_type, resource_id)
    return version
