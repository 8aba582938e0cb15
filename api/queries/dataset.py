"""SQL of the dataset loader: ownership bookkeeping, upserts per item type, removals.

Every upsert bumps `version` and `updated_at` only when a row really changes: the loader
sends only the items whose content hash differs from the one stored in `dataset_items`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

ITEM_TABLES: dict[str, str] = {
    "actors": "actors",
    "places": "places",
    "sources": "sources",
    "propositions": "propositions",
    "events": "events",
    "claims": "claims",
    "citations": "citations",
}

LOCK_LOADER = "SELECT pg_advisory_xact_lock(hashtext('timeline.dataset-loader'))"

LIST_OWNED_ITEMS = """
SELECT item_type, item_id, content_hash FROM dataset_items WHERE dataset = $1
"""

# Ids present in the database but not owned by the dataset being loaded.
LIST_FOREIGN_IDS = """
SELECT '{item_type}' AS item_type, t.id
FROM {table} AS t
WHERE NOT EXISTS (
    SELECT 1 FROM dataset_items AS d
    WHERE d.dataset = $1 AND d.item_type = '{item_type}' AND d.item_id = t.id
)
"""

UPSERT_DATASET_ITEM = """
INSERT INTO dataset_items (dataset, item_type, item_id, content_hash) VALUES ($1, $2, $3, $4)
ON CONFLICT (dataset, item_type, item_id) DO UPDATE SET content_hash = EXCLUDED.content_hash
"""

DELETE_DATASET_ITEMS = """
DELETE FROM dataset_items WHERE dataset = $1 AND item_type = $2 AND item_id = ANY($3::text[])
"""

_BUMP = "version = {t}.version + 1, updated_at = now()"

UPSERT_ACTOR = f"""
INSERT INTO actors (id, kind, name, labels, aliases, description, country, wikidata)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET
    kind = EXCLUDED.kind, name = EXCLUDED.name, labels = EXCLUDED.labels, aliases = EXCLUDED.aliases,
    description = EXCLUDED.description, country = EXCLUDED.country, wikidata = EXCLUDED.wikidata,
    affiliated_state_id = NULL, {_BUMP.format(t="actors")}
"""
SET_ACTOR_STATE = "UPDATE actors SET affiliated_state_id = $2 WHERE id = $1"
DELETE_AFFILIATIONS = "DELETE FROM actor_affiliations WHERE actor_id = ANY($1::text[])"
INSERT_AFFILIATION = """
INSERT INTO actor_affiliations
    (actor_id, position, target_id, role, start_edtf, start_earliest, end_edtf, end_latest)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
"""

UPSERT_PLACE = f"""
INSERT INTO places (id, name, labels, country, latitude, longitude) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE SET
    name = EXCLUDED.name, labels = EXCLUDED.labels, country = EXCLUDED.country,
    latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude, {_BUMP.format(t="places")}
"""

UPSERT_SOURCE = f"""
INSERT INTO sources
    (id, title, outlet_id, language, published_edtf, published_earliest, published_latest, url, document, sha256)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (id) DO UPDATE SET
    title = EXCLUDED.title, outlet_id = EXCLUDED.outlet_id, language = EXCLUDED.language,
    published_edtf = EXCLUDED.published_edtf, published_earliest = EXCLUDED.published_earliest,
    published_latest = EXCLUDED.published_latest, url = EXCLUDED.url, document = EXCLUDED.document,
    sha256 = EXCLUDED.sha256, {_BUMP.format(t="sources")}
"""

UPSERT_PROPOSITION = f"""
INSERT INTO propositions (id, text) VALUES ($1, $2)
ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, {_BUMP.format(t="propositions")}
"""

UPSERT_EVENT = f"""
INSERT INTO events (id, kind, when_edtf, earliest, latest, title, summary, place_id, tags)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET
    kind = EXCLUDED.kind, when_edtf = EXCLUDED.when_edtf, earliest = EXCLUDED.earliest,
    latest = EXCLUDED.latest, title = EXCLUDED.title, summary = EXCLUDED.summary,
    place_id = EXCLUDED.place_id, tags = EXCLUDED.tags, {_BUMP.format(t="events")}
"""
DELETE_PARTICIPANTS = "DELETE FROM event_participants WHERE event_id = ANY($1::text[])"
INSERT_PARTICIPANT = "INSERT INTO event_participants (event_id, actor_id, role, position) VALUES ($1, $2, $3, $4)"

UPSERT_CLAIM = f"""
INSERT INTO claims
    (id, claimant_id, kind, when_edtf, earliest, latest, words, language, said_in, translations, quote_type)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (id) DO UPDATE SET
    claimant_id = EXCLUDED.claimant_id, kind = EXCLUDED.kind, when_edtf = EXCLUDED.when_edtf,
    earliest = EXCLUDED.earliest, latest = EXCLUDED.latest, words = EXCLUDED.words,
    language = EXCLUDED.language, said_in = EXCLUDED.said_in, translations = EXCLUDED.translations,
    quote_type = EXCLUDED.quote_type, {_BUMP.format(t="claims")}
"""
DELETE_CLAIM_CHILDREN = (
    "DELETE FROM claim_reporting WHERE claim_id = ANY($1::text[])",
    "DELETE FROM claim_events WHERE claim_id = ANY($1::text[])",
    "DELETE FROM claim_stances WHERE claim_id = ANY($1::text[])",
    "DELETE FROM claim_links WHERE claim_id = ANY($1::text[])",
)
INSERT_REPORTING = """
INSERT INTO claim_reporting (claim_id, position, actor_id, when_edtf, earliest, latest)
VALUES ($1, $2, $3, $4, $5, $6)
"""
INSERT_CLAIM_EVENT = "INSERT INTO claim_events (claim_id, event_id) VALUES ($1, $2)"
INSERT_STANCE = "INSERT INTO claim_stances (claim_id, proposition_id, stance) VALUES ($1, $2, $3)"
INSERT_LINK = "INSERT INTO claim_links (claim_id, target_id, relation) VALUES ($1, $2, $3)"

UPSERT_CITATION = f"""
INSERT INTO citations (id, source_id, claim_id, event_id, quote, start_offset, end_offset)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO UPDATE SET
    source_id = EXCLUDED.source_id, claim_id = EXCLUDED.claim_id, event_id = EXCLUDED.event_id,
    quote = EXCLUDED.quote, start_offset = EXCLUDED.start_offset, end_offset = EXCLUDED.end_offset,
    {_BUMP.format(t="citations")}
"""

DELETE_ITEMS = "DELETE FROM {table} WHERE id = ANY($1::text[])"

COUNT_STORY_ROWS = (
    "SELECT (SELECT count(*) FROM actors) + (SELECT count(*) FROM events) + (SELECT count(*) FROM claims)"
)


async def lock_loader(conn: asyncpg.Connection) -> None:
    await conn.execute(LOCK_LOADER)


async def list_owned_items(conn: asyncpg.Connection, dataset: str) -> dict[tuple[str, str], str]:
    rows = await conn.fetch(LIST_OWNED_ITEMS, dataset)
    return {(row["item_type"], row["item_id"]): row["content_hash"] for row in rows}


async def list_foreign_ids(conn: asyncpg.Connection, dataset: str) -> dict[str, set[str]]:
    union = " UNION ALL ".join(
        LIST_FOREIGN_IDS.format(item_type=item_type, table=table) for item_type, table in ITEM_TABLES.items()
    )
    found: dict[str, set[str]] = {item_type: set() for item_type in ITEM_TABLES}
    for row in await conn.fetch(union, dataset):
        found[row["item_type"]].add(row["id"])
    return found


async def record_items(conn: asyncpg.Connection, dataset: str, item_type: str, hashes: dict[str, str]) -> None:
    await conn.executemany(
        UPSERT_DATASET_ITEM, [(dataset, item_type, item_id, digest) for item_id, digest in hashes.items()]
    )


async def forget_items(conn: asyncpg.Connection, dataset: str, item_type: str, ids: Sequence[str]) -> None:
    await conn.execute(DELETE_DATASET_ITEMS, dataset, item_type, list(ids))


async def delete_items(conn: asyncpg.Connection, item_type: str, ids: Sequence[str]) -> None:
    await conn.execute(DELETE_ITEMS.format(table=ITEM_TABLES[item_type]), list(ids))


async def run_many(conn: asyncpg.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    batch = list(rows)
    if batch:
        await conn.executemany(sql, batch)


async def count_story_rows(conn: asyncpg.Connection) -> int:
    total: int = await conn.fetchval(COUNT_STORY_ROWS)
    return total
