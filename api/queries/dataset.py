"""SQL of the dataset loader's bookkeeping: which file owns which item, and by which content hash.

The items themselves are written by the write path (`api.writes.store`, SQL in `api.queries.store`):
the loader sends it only the items whose content hash differs from the one stored in `dataset_items`.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from api.queries.store import RESOURCE_TABLES

LOCK_LOADER = "SELECT pg_advisory_xact_lock(hashtext('timeline.dataset-loader'))"

LIST_OWNED_ITEMS = """
SELECT item_type, item_id, content_hash FROM dataset_items WHERE dataset = $1
"""

_FOREIGN_IDS_OF_TABLE = """
SELECT '{item_type}' AS item_type, t.id
FROM {table} AS t
WHERE NOT EXISTS (
    SELECT 1 FROM dataset_items AS d
    WHERE d.dataset = $1 AND d.item_type = '{item_type}' AND d.item_id = t.id
)
"""
# Ids present in the database but not owned by the dataset being loaded, every resource table at once.
LIST_FOREIGN_IDS = " UNION ALL ".join(
    _FOREIGN_IDS_OF_TABLE.format(item_type=item_type, table=table) for item_type, table in RESOURCE_TABLES.items()
)

UPSERT_DATASET_ITEM = """
INSERT INTO dataset_items (dataset, item_type, item_id, content_hash) VALUES ($1, $2, $3, $4)
ON CONFLICT (dataset, item_type, item_id) DO UPDATE SET content_hash = EXCLUDED.content_hash
"""

DELETE_DATASET_ITEMS = """
DELETE FROM dataset_items WHERE dataset = $1 AND item_type = $2 AND item_id = ANY($3::text[])
"""

COUNT_STORY_ROWS = (
    "SELECT (SELECT count(*) FROM actors) + (SELECT count(*) FROM events) + (SELECT count(*) FROM claims)"
)


async def lock_loader(conn: asyncpg.Connection) -> None:
    await conn.execute(LOCK_LOADER)


async def list_owned_items(conn: asyncpg.Connection, dataset: str) -> dict[tuple[str, str], str]:
    rows = await conn.fetch(LIST_OWNED_ITEMS, dataset)
    return {(row["item_type"], row["item_id"]): row["content_hash"] for row in rows}


async def list_foreign_ids(conn: asyncpg.Connection, dataset: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {item_type: set() for item_type in RESOURCE_TABLES}
    for row in await conn.fetch(LIST_FOREIGN_IDS, dataset):
        found[row["item_type"]].add(row["id"])
    return found


async def record_items(conn: asyncpg.Connection, dataset: str, item_type: str, hashes: dict[str, str]) -> None:
    await conn.executemany(
        UPSERT_DATASET_ITEM, [(dataset, item_type, item_id, digest) for item_id, digest in hashes.items()]
    )


async def forget_items(conn: asyncpg.Connection, dataset: str, item_type: str, ids: Sequence[str]) -> None:
    await conn.execute(DELETE_DATASET_ITEMS, dataset, item_type, list(ids))


async def count_story_rows(conn: asyncpg.Connection) -> int:
    total: int = await conn.fetchval(COUNT_STORY_ROWS)
    return total
