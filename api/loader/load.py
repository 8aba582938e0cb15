"""Load a validated dataset in one transaction: create, update, remove, or leave alone.

Each item's content hash is kept in `dataset_items`; a reload writes only the items
whose hash changed, and removes the items this dataset owned that the file no longer
holds. Items that did not come from this file are never touched. Items are written through the API's
write path (`api.writes.store`), so every load leaves revisions and changes under the key `loader`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from api.loader import rows
from api.loader.errors import DatasetError
from api.loader.read import read_dataset
from api.loader.references import check_references
from api.queries import dataset as q
from api.writes import store
from schema.story import Dataset

LOADER_KEY = "loader"
"""The key name the loader's revisions are recorded under."""
ITEM_ORDER = ("actors", "places", "sources", "propositions", "events", "claims", "citations")


class KindCounts(msgspec.Struct):
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


class LoadReport(msgspec.Struct):
    dataset: str
    counts: dict[str, KindCounts]

    def lines(self) -> list[str]:
        return [
            f"{kind:<13} created {c.created:>4}  updated {c.updated:>4}  "
            f"removed {c.removed:>4}  unchanged {c.unchanged:>4}"
            for kind, c in self.counts.items()
        ]


class _Plan(msgspec.Struct):
    """For one item type: the items to write (created or changed) and the ids to remove."""

    write: list[Any]
    operations: dict[str, store.Operation]
    hashes: dict[str, str]
    removed: list[str]


def _plan(item_type: str, items: Sequence[Any], owned: dict[tuple[str, str], str], counts: KindCounts) -> _Plan:
    write: list[Any] = []
    operations: dict[str, store.Operation] = {}
    hashes: dict[str, str] = {}
    for item in items:
        digest = rows.content_hash(item.ref if isinstance(item, rows.CitationItem) else item)
        if isinstance(item, rows.CitationItem):
            digest = rows.content_hash([item.claim, item.event, digest])
        previous = owned.get((item_type, item.id))
        if previous == digest:
            counts.unchanged += 1
            continue
        if previous is None:
            counts.created += 1
        else:
            counts.updated += 1
        operations[item.id] = "create" if previous is None else "update"
        write.append(item)
        hashes[item.id] = digest
    in_file = {item.id for item in items}
    removed = sorted(item_id for (kind, item_id) in owned if kind == item_type and item_id not in in_file)
    counts.removed = len(removed)
    return _Plan(write, operations, hashes, removed)


async def _remove(conn: asyncpg.Connection, dataset: str, plans: dict[str, _Plan]) -> None:
    for item_type in reversed(ITEM_ORDER):
        removed = plans[item_type].removed
        if not removed:
            continue
        try:
            async with conn.transaction():
                await store.remove(conn, item_type, removed, LOADER_KEY)
        except store.ReferencedError as exc:
            raise DatasetError([f"{item_type}: cannot remove {', '.join(removed)}: {exc}"]) from exc
        except asyncpg.ForeignKeyViolationError as exc:
            raise DatasetError(
                [f"{item_type}: cannot remove {', '.join(removed)}: still referenced ({exc.detail or exc})"]
            ) from exc
        await q.forget_items(conn, dataset, item_type, removed)


async def load_dataset(conn: asyncpg.Connection, dataset: Dataset) -> LoadReport:
    """Check every reference against the file and the database, then apply the file; all or nothing."""
    async with conn.transaction():
        await q.lock_loader(conn)
        errors = check_references(dataset, await q.list_foreign_ids(conn, dataset.dataset))
        if errors:
            raise DatasetError(errors)
        owned = await q.list_owned_items(conn, dataset.dataset)
        items: dict[str, Sequence[Any]] = {kind: getattr(dataset, kind) for kind in ITEM_ORDER[:-1]}
        items["citations"] = rows.citation_items(dataset.events, dataset.claims)
        report = LoadReport(dataset.dataset, {kind: KindCounts() for kind in ITEM_ORDER})
        plans = {kind: _plan(kind, items[kind], owned, report.counts[kind]) for kind in ITEM_ORDER}
        for kind in ITEM_ORDER:
            await store.save(conn, kind, plans[kind].write, plans[kind].operations, LOADER_KEY)
        await _remove(conn, dataset.dataset, plans)
        for kind in ITEM_ORDER:
            await q.record_items(conn, dataset.dataset, kind, plans[kind].hashes)
    return report


async def load_dataset_file(conn: asyncpg.Connection, path: Path) -> LoadReport:
    return await load_dataset(conn, read_dataset(path))
