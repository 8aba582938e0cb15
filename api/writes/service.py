"""Create, patch and delete one resource: checks, optimistic concurrency, then :mod:`api.writes.store`.

Every function runs inside the caller's transaction (the route opens it, so that an idempotency
record commits or rolls back with the write) and raises :class:`~api.writes.errors.WriteError`
before writing anything when the write is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from api.loader import rows
from api.queries import revisions as rq
from api.writes import store
from api.writes.errors import WriteError, gone, invalid, not_found, singular
from api.writes.etag import IfMatch, version_etag
from api.writes.validate import check_item_references, item_id, merge_patch, require_object, to_item
from schema.story import CitationIn, ClaimIn, EventIn

WRITABLE = ("actors", "events", "claims", "citations", "sources", "propositions")
"""Resource types the HTTP API writes (places come only from dataset files)."""
_FIXED_CITATION_FIELDS = ("source", "claim", "event")
"""A citation's id is made of these: changing one would make it another citation."""


async def create(conn: asyncpg.Connection, resource_type: str, body: Any, key_name: str) -> list[rq.Recorded]:
    """Create a resource (and, for events and claims, the citations nested in it). The first item is the resource."""
    item = to_item(resource_type, body)
    resource_id = item_id(resource_type, item)
    await rq.lock_resource(conn, resource_type, resource_id)
    state = await rq.current_version(conn, resource_type, resource_id)
    if state.version is not None:
        raise WriteError(
            409,
            f"The {singular(resource_type)} {resource_id!r} already exists (version {state.version}): "
            "PATCH it instead.",
            headers={"Location": f"/v1/{resource_type}/{resource_id}"},
        )
    await check_item_references(conn, resource_type, item, creating=True)
    stored = _citation_item(item) if isinstance(item, CitationIn) else item
    recorded = await store.save(conn, resource_type, [stored], {resource_id: "create"}, key_name)
    if isinstance(item, EventIn | ClaimIn) and item.citations:
        citations = rows.citation_items([item], []) if isinstance(item, EventIn) else rows.citation_items([], [item])
        recorded += await store.save(conn, "citations", citations, {c.id: "create" for c in citations}, key_name)
    return recorded


async def update(
    conn: asyncpg.Connection, resource_type: str, resource_id: str, patch: Any, expected: IfMatch, key_name: str
) -> rq.Recorded:
    """Apply a JSON Merge Patch to the resource's write document, if it is still at an expected version."""
    version = await _lock_current(conn, resource_type, resource_id, expected)
    changes = require_object(patch)
    document = await rq.get_document(conn, resource_type, resource_id)
    assert document is not None  # locked and found above
    _check_fixed_fields(resource_type, resource_id, document, changes)
    merged = merge_patch(document, changes)
    if merged == document:
        return rq.Recorded(resource_type, resource_id, version, document, datetime.now(UTC))
    item = to_item(resource_type, merged)
    await check_item_references(conn, resource_type, item, creating=False)
    stored = _citation_item(item) if isinstance(item, CitationIn) else item
    recorded = await store.save(conn, resource_type, [stored], {resource_id: "update"}, key_name)
    return recorded[0]


async def delete(
    conn: asyncpg.Connection, resource_type: str, resource_id: str, expected: IfMatch, key_name: str
) -> list[rq.Recorded]:
    """Delete the resource (409 naming what still refers to it), leaving a tombstone and its history."""
    await _lock_current(conn, resource_type, resource_id, expected)
    try:
        return await store.remove(conn, resource_type, [resource_id], key_name)
    except store.ReferencedError as exc:
        references = [{"type": r.resource_type, "id": r.id, "field": r.field} for r in exc.referrers]
        raise WriteError(
            409,
            f"The {singular(resource_type)} {resource_id!r} is {exc}: change or delete those first.",
            extra={"references": references},
        ) from exc


async def _lock_current(conn: asyncpg.Connection, resource_type: str, resource_id: str, expected: IfMatch) -> int:
    """Lock the id for this transaction; its current version, or 404 / 410 / 412."""
    await rq.lock_resource(conn, resource_type, resource_id)
    state = await rq.current_version(conn, resource_type, resource_id)
    if state.version is None:
        if state.deleted_version is not None:
            raise gone(resource_type, resource_id, state.deleted_version)
        raise not_found(resource_type, resource_id)
    if not expected.matches(state.version):
        raise WriteError(
            412,
            f"The {singular(resource_type)} {resource_id!r} is at version {state.version}, not the one If-Match "
            "names: fetch it again, reapply your change, and send its current ETag.",
            extra={"current_etag": version_etag(state.version)},
        )
    return state.version


def _check_fixed_fields(resource_type: str, resource_id: str, document: dict[str, Any], patch: dict[str, Any]) -> None:
    if resource_type == "citations":
        fixed = [f for f in _FIXED_CITATION_FIELDS if f in patch and patch[f] != document.get(f)]
        if fixed:
            raise invalid(
                [(f, "cannot be changed: it is part of the citation's id (delete and create)") for f in fixed]
            )
        return
    if "id" in patch and patch["id"] != resource_id:
        raise invalid([("id", "cannot be changed")])
    if resource_type in ("events", "claims") and "citations" in patch:
        raise invalid([("citations", "edit citations through /v1/citations")])


def _citation_item(item: CitationIn) -> rows.CitationItem:
    return rows.CitationItem(item_id("citations", item), item.claim, item.event, item)
