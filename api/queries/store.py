"""SQL of the write path: upserts per resource type, and what every write records beside them.

Each upsert bumps `version` and `updated_at` on an existing row; a new row starts at 1, or
one past its tombstone's version when the id was deleted before, so an id's versions never
repeat. Every statement takes whole batches (the loader sends hundreds of items, the API one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

RESOURCE_TABLES: dict[str, str] = {
    "actors": "actors",
    "places": "places",
    "sources": "sources",
    "propositions": "propositions",
    "events": "events",
    "claims": "claims",
    "citations": "citations",
}

_BUMP = "version = {t}.version + 1, updated_at = now()"
_FIRST_VERSION = (
    "coalesce((SELECT t.version FROM tombstones AS t WHERE t.resource_type = '{t}' AND t.resource_id = $1::{id}), 0)"
    " + 1"
)

UPSERT_ACTOR = f"""
INSERT INTO actors (id, kind, name, labels, aliases, description, country, wikidata, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {_FIRST_VERSION.format(t="actors", id="slug")})
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
INSERT INTO places (id, name, labels, country, latitude, longitude, version)
VALUES ($1, $2, $3, $4, $5, $6, {_FIRST_VERSION.format(t="places", id="slug")})
ON CONFLICT (id) DO UPDATE SET
    name = EXCLUDED.name, labels = EXCLUDED.labels, country = EXCLUDED.country,
    latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude, {_BUMP.format(t="places")}
"""

UPSERT_SOURCE = f"""
INSERT INTO sources
    (id, title, outlet_id, language, published_edtf, published_earliest, published_latest, url, document, sha256,
     version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, {_FIRST_VERSION.format(t="sources", id="slug")})
ON CONFLICT (id) DO UPDATE SET
    title = EXCLUDED.title, outlet_id = EXCLUDED.outlet_id, language = EXCLUDED.language,
    published_edtf = EXCLUDED.published_edtf, published_earliest = EXCLUDED.published_earliest,
    published_latest = EXCLUDED.published_latest, url = EXCLUDED.url, document = EXCLUDED.document,
    sha256 = EXCLUDED.sha256, {_BUMP.format(t="sources")}
"""

UPSERT_PROPOSITION = f"""
INSERT INTO propositions (id, text, version) VALUES ($1, $2, {_FIRST_VERSION.format(t="propositions", id="slug")})
ON CONFLICT (id) DO UPDATE SET text = EXCLUDED.text, {_BUMP.format(t="propositions")}
"""

UPSERT_EVENT = f"""
INSERT INTO events (id, kind, when_edtf, earliest, latest, title, summary, place_id, tags, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, {_FIRST_VERSION.format(t="events", id="slug")})
ON CONFLICT (id) DO UPDATE SET
    kind = EXCLUDED.kind, when_edtf = EXCLUDED.when_edtf, earliest = EXCLUDED.earliest,
    latest = EXCLUDED.latest, title = EXCLUDED.title, summary = EXCLUDED.summary,
    place_id = EXCLUDED.place_id, tags = EXCLUDED.tags, {_BUMP.format(t="events")}
"""
DELETE_PARTICIPANTS = "DELETE FROM event_participants WHERE event_id = ANY($1::text[])"
INSERT_PARTICIPANT = "INSERT INTO event_participants (event_id, actor_id, role, position) VALUES ($1, $2, $3, $4)"

UPSERT_CLAIM = f"""
INSERT INTO claims
    (id, claimant_id, kind, when_edtf, earliest, latest, words, language, said_in, translations, quote_type, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, {_FIRST_VERSION.format(t="claims", id="slug")})
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
INSERT INTO citations (id, source_id, claim_id, event_id, quote, start_offset, end_offset, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, {_FIRST_VERSION.format(t="citations", id="text")})
ON CONFLICT (id) DO UPDATE SET
    source_id = EXCLUDED.source_id, claim_id = EXCLUDED.claim_id, event_id = EXCLUDED.event_id,
    quote = EXCLUDED.quote, start_offset = EXCLUDED.start_offset, end_offset = EXCLUDED.end_offset,
    {_BUMP.format(t="citations")}
"""


async def run_many(conn: asyncpg.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """`executemany` of `sql` over `rows`; nothing when there are none."""
    batch = list(rows)
    if batch:
        await conn.executemany(sql, batch)


async def delete_all(conn: asyncpg.Connection, sql: str, ids: Sequence[str]) -> None:
    """Run a `… WHERE x = ANY($1::text[])` statement for `ids`."""
    await conn.execute(sql, list(ids))
