"""The one write path: write validated items of one resource type, and record what changed.

Both the HTTP writes (:mod:`api.writes.service`, one item at a time) and the dataset loader
(hundreds of items) come through :func:`save` and :func:`remove`. Each call runs a constant
number of statements whatever the batch size, inside the caller's transaction, and records in
that same transaction a revision (the full new state) and a change (for `/v1/changes`) per item,
then hands the changes to :func:`api.writes.hooks.after_changes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import asyncpg

from api.loader import rows
from api.queries import revisions as rq
from api.queries import store as q
from api.writes.hooks import after_changes

Operation = Literal["create", "update"]


class ReferencedError(Exception):
    """Resources cannot be deleted: other resources still point at them."""

    def __init__(self, resource_type: str, ids: Sequence[str], referrers: list[rq.Referrer]) -> None:
        self.resource_type = resource_type
        self.ids = list(ids)
        self.referrers = referrers
        names = ", ".join(f"{r.resource_type} '{r.id}' ({r.field})" for r in referrers)
        super().__init__(f"still referenced by {names}")


def _children(items: Iterable[Any], make: Callable[[Any], Iterator[rows.Row]]) -> Iterator[rows.Row]:
    for item in items:
        yield from make(item)


async def _write_rows(conn: asyncpg.Connection, resource_type: str, items: Sequence[Any]) -> None:
    ids = [item.id for item in items]
    if resource_type == "actors":
        await q.run_many(conn, q.UPSERT_ACTOR, map(rows.actor_row, items))
        await q.run_many(conn, q.SET_ACTOR_STATE, ((a.id, a.affiliated_state) for a in items if a.affiliated_state))
        await q.delete_all(conn, q.DELETE_AFFILIATIONS, ids)
        await q.run_many(conn, q.INSERT_AFFILIATION, _children(items, rows.affiliation_rows))
    elif resource_type == "places":
        await q.run_many(conn, q.UPSERT_PLACE, map(rows.place_row, items))
    elif resource_type == "sources":
        await q.run_many(conn, q.UPSERT_SOURCE, map(rows.source_row, items))
    elif resource_type == "propositions":
        await q.run_many(conn, q.UPSERT_PROPOSITION, map(rows.proposition_row, items))
    elif resource_type == "events":
        await q.run_many(conn, q.UPSERT_EVENT, map(rows.event_row, items))
        await q.delete_all(conn, q.DELETE_PARTICIPANTS, ids)
        await q.run_many(conn, q.INSERT_PARTICIPANT, _children(items, rows.participant_rows))
    elif resource_type == "claims":
        await q.run_many(conn, q.UPSERT_CLAIM, map(rows.claim_row, items))
        for sql in q.DELETE_CLAIM_CHILDREN:
            await q.delete_all(conn, sql, ids)
        await q.run_many(conn, q.INSERT_REPORTING, _children(items, rows.reporting_rows))
        await q.run_many(conn, q.INSERT_CLAIM_EVENT, _children(items, rows.claim_event_rows))
        await q.run_many(conn, q.INSERT_STANCE, _children(items, rows.stance_rows))
        await q.run_many(conn, q.INSERT_LINK, _children(items, rows.link_rows))
    elif resource_type == "citations":
        await q.run_many(conn, q.UPSERT_CITATION, (item.row() for item in items))
    else:  # pragma: no cover - the callers only pass known types
        raise ValueError(f"unknown resource type {resource_type!r}")


async def save(
    conn: asyncpg.Connection,
    resource_type: str,
    items: Sequence[Any],
    operations: Mapping[str, Operation],
    key_name: str,
) -> list[rq.Recorded]:
    """Write `items` (validated `schema.story` Structs; `rows.CitationItem` for citations) and record them.

    `operations` says, per id, whether the write creates or updates the resource (as its revision records it).
    References among the items of the batch (affiliations, claim links) may point at each other.
    """
    if not items:
        return []
    await _write_rows(conn, resource_type, items)
    recorded = await rq.record_upserts(conn, resource_type, operations, key_name)
    await after_changes(conn, recorded)
    return recorded


async def remove(conn: asyncpg.Connection, resource_type: str, ids: Sequence[str], key_name: str) -> list[rq.Recorded]:
    """Delete resources, leaving tombstones; the citations of deleted events and claims go with them.

    Raises :class:`ReferencedError` (and deletes nothing) when other resources still point at them.
    """
    if not ids:
        return []
    referrers = await rq.list_referrers(conn, resource_type, ids)
    if referrers:
        raise ReferencedError(resource_type, ids, referrers)
    recorded: list[rq.Recorded] = []
    if resource_type in ("events", "claims"):
        recorded += await remove(conn, "citations", await rq.owned_citations(conn, resource_type, ids), key_name)
    gone = await rq.delete_resources(conn, resource_type, ids, key_name, q.RESOURCE_TABLES[resource_type])
    await after_changes(conn, gone)
    return recorded + gone
