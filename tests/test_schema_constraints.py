"""The database itself refuses what the model forbids, whoever writes the SQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import pytest

from schema import vocab

SEED = """
INSERT INTO actors (id, kind, name) VALUES ('kremlin', 'government_body', 'Kremlin'), ('peskov', 'person', 'Peskov');
INSERT INTO sources (id, title, language) VALUES ('doc', 'Doc', 'fr');
INSERT INTO propositions (id, text) VALUES ('p', '{"en": "P"}');
INSERT INTO events (id, kind, when_edtf, earliest, latest, title)
    VALUES ('e', 'statement', '2023-02', '2023-02-01', '2023-02-28', '{"en": "E"}');
INSERT INTO claims (id, claimant_id, kind, when_edtf, earliest, latest, words, language, quote_type)
    VALUES ('c', 'peskov', 'denial', '2023-02-06', '2023-02-06', '2023-02-06', 'non', 'fr', 'direct'),
           ('c2', 'kremlin', 'assertion', '2023-02', '2023-02-01', '2023-02-28', 'oui', 'fr', 'paraphrase');
"""

CLAIM = "INSERT INTO claims (id, claimant_id, kind, when_edtf, earliest, latest, words, language, quote_type) VALUES "
CITATION = "INSERT INTO citations (id, source_id, claim_id, event_id, quote, start_offset, end_offset) VALUES "

REFUSED = {
    "unknown actor kind": "INSERT INTO actors (id, kind, name) VALUES ('x', 'alien', 'X')",
    "id that is not a slug": "INSERT INTO actors (id, kind, name) VALUES ('Not A Slug', 'person', 'X')",
    "duplicate id": "INSERT INTO actors (id, kind, name) VALUES ('peskov', 'person', 'Again')",
    "lower-case country": "INSERT INTO actors (id, kind, name, country) VALUES ('x', 'state', 'X', 'ru')",
    "wrong wikidata id": "INSERT INTO actors (id, kind, name, wikidata) VALUES ('x', 'person', 'X', 'P31')",
    "labels not an object": "INSERT INTO actors (id, kind, name, labels) VALUES ('x', 'person', 'X', '[]')",
    "self affiliation": "INSERT INTO actor_affiliations (actor_id, position, target_id, role) "
    "VALUES ('peskov', 0, 'peskov', 'self')",
    "unknown claimant": CLAIM + "('x', 'nobody', 'denial', '2023', '2023-01-01', '2023-12-31', 'w', 'fr', 'direct')",
    "unknown claim kind": CLAIM + "('x', 'peskov', 'rumour', '2023', '2023-01-01', '2023-12-31', 'w', 'fr', 'direct')",
    "not EDTF": CLAIM + "('x', 'peskov', 'denial', 'last week', '2023-01-01', '2023-12-31', 'w', 'fr', 'direct')",
    "bounds reversed": CLAIM + "('x', 'peskov', 'denial', '2023', '2023-12-31', '2023-01-01', 'w', 'fr', 'direct')",
    "missing bounds": CLAIM + "('x', 'peskov', 'denial', '2023', NULL, NULL, 'w', 'fr', 'direct')",
    "bad quote type": CLAIM + "('x', 'peskov', 'denial', '2023', '2023-01-01', '2023-12-31', 'w', 'fr', 'verbatim')",
    "bad language tag": CLAIM
    + "('x', 'peskov', 'denial', '2023', '2023-01-01', '2023-12-31', 'w', 'French', 'direct')",
    "empty event title": "INSERT INTO events (id, kind, when_edtf, earliest, latest, title) "
    "VALUES ('x', 'visit', '2023', '2023-01-01', '2023-12-31', '{}')",
    "unknown participant role": "INSERT INTO event_participants (event_id, actor_id, role, position) "
    "VALUES ('e', 'peskov', 'hero', 0)",
    "unknown stance": "INSERT INTO claim_stances (claim_id, proposition_id, stance) VALUES ('c', 'p', 'maybe')",
    "self link": "INSERT INTO claim_links (claim_id, target_id, relation) VALUES ('c', 'c', 'repeats')",
    "unknown relation": "INSERT INTO claim_links (claim_id, target_id, relation) VALUES ('c', 'c2', 'likes')",
    "citation of both": CITATION + "('x', 'doc', 'c', 'e', 'q', 0, 1)",
    "citation of nothing": CITATION + "('x', 'doc', NULL, NULL, 'q', 0, 1)",
    "quote too long": CITATION + f"('x', 'doc', 'c', NULL, '{'q' * 301}', 0, 301)",
    "offsets reversed": CITATION + "('x', 'doc', 'c', NULL, 'q', 5, 5)",
    "unknown source": CITATION + "('x', 'nowhere', 'c', NULL, 'q', 0, 1)",
    "second citation in one document": CITATION
    + "('x', 'doc', 'c', NULL, 'q', 0, 1), ('y', 'doc', 'c', NULL, 'r', 2, 3)",
    "latitude without longitude": "INSERT INTO places (id, name, latitude) VALUES ('x', 'X', 10)",
    "bad sha256": "INSERT INTO sources (id, title, language, sha256) VALUES ('x', 'X', 'fr', 'abc')",
}


@pytest.fixture
async def seeded(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    await conn.execute(SEED)
    yield conn
    await conn.close()


@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
async def test_database_refuses(seeded: asyncpg.Connection, statement: str) -> None:
    with pytest.raises(asyncpg.IntegrityConstraintViolationError):
        await seeded.execute(statement)


async def test_referenced_actor_cannot_be_deleted(seeded: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await seeded.execute("DELETE FROM actors WHERE id = 'peskov'")


async def test_the_seed_itself_is_accepted(seeded: asyncpg.Connection) -> None:
    await seeded.execute(CITATION + "('ok', 'doc', 'c', NULL, 'q', 0, 1)")
    assert await seeded.fetchval("SELECT count(*) FROM citations") == 1


CLOSED_LISTS = {
    ("actors", "kind"): vocab.ACTOR_KINDS,
    ("events", "kind"): vocab.EVENT_KINDS,
    ("claims", "kind"): vocab.CLAIM_KINDS,
    ("claims", "quote_type"): vocab.QUOTE_TYPES,
    ("event_participants", "role"): vocab.PARTICIPANT_ROLES,
    ("claim_stances", "stance"): vocab.STANCES,
    ("claim_links", "relation"): vocab.CLAIM_RELATIONS,
}

CHECK_OF_COLUMN = """
SELECT pg_get_constraintdef(c.oid)
FROM pg_constraint AS c
JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
WHERE c.contype = 'c' AND c.conrelid = $1::regclass AND a.attname = $2 AND cardinality(c.conkey) = 1
"""


@pytest.mark.parametrize(("table", "column"), CLOSED_LISTS.keys())
async def test_check_constraints_match_the_vocabulary(database_url: str, table: str, column: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        definitions = [r[0] for r in await conn.fetch(CHECK_OF_COLUMN, table, column)]
    finally:
        await conn.close()
    allowed = {value for definition in definitions for value in re.findall(r"'([a-z_0-9]+)'::text", definition)}
    assert allowed == set(CLOSED_LISTS[(table, column)])
