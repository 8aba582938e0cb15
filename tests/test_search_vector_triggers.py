"""Migration 0010: search vectors kept by triggers hold what the generated columns held, and follow every write."""

from __future__ import annotations

import asyncpg

from api import migrate

STORY = """
INSERT INTO actors (id, kind, name) VALUES ('mfa', 'government_body', 'MFA');
INSERT INTO sources (id, title, language) VALUES ('le-monde', 'Le Monde', 'fr'), ('reuters', 'Reuters', 'en');
INSERT INTO events (id, kind, title, summary, tags, when_edtf, earliest, latest)
VALUES ('e1', 'report', '{"fr": "Usine de drones", "en": "Drone factory"}', '{"fr": "Les usines livrent"}',
        '{drones,air-defence}', '2022-10', '2022-10-01', '2022-10-31');
INSERT INTO claims (id, claimant_id, kind, when_edtf, earliest, latest, words, language, translations, quote_type)
VALUES ('c1', 'mfa', 'denial', '2022-10-18', '2022-10-18', '2022-10-18', 'Nous ne livrons pas de drones.', 'fr',
        '{"en": "We do not supply drones."}', 'direct');
INSERT INTO citations (id, source_id, claim_id, quote, start_offset, end_offset)
VALUES ('c1@le-monde', 'le-monde', 'c1', 'les usines', 0, 10);
"""
VECTORS = {
    "events": "SELECT search_vector::text FROM events WHERE id = 'e1'",
    "claims": "SELECT search_vector::text FROM claims WHERE id = 'c1'",
    "citations": "SELECT search_vector::text FROM citations WHERE id = 'c1@le-monde'",
}
EXPECTED = {
    "events": "SELECT timeline_events_search_vector(title, summary, tags)::text FROM events WHERE id = 'e1'",
    "claims": "SELECT timeline_claims_search_vector(words, language, translations)::text FROM claims WHERE id = 'c1'",
    "citations": "SELECT timeline_citations_search_vector(quote, language)::text FROM citations"
    " WHERE id = 'c1@le-monde'",
}


async def vectors(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        return {table: await conn.fetchval(sql) for table, sql in VECTORS.items()}
    finally:
        await conn.close()


async def test_vectors_stored_by_the_generated_columns_stay_and_are_what_the_triggers_compute(
    database_url: str,
) -> None:
    migrate.migrate_to(database_url, "0009")
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(STORY)
    finally:
        await conn.close()
    generated = await vectors(database_url)
    assert all(generated.values()), generated

    migrate.migrate_to(database_url, "head")
    assert await vectors(database_url) == generated
    conn = await asyncpg.connect(database_url)
    try:
        assert {t: await conn.fetchval(sql) for t, sql in EXPECTED.items()} == generated
        await conn.execute("UPDATE events SET kind = kind; UPDATE claims SET kind = kind; UPDATE citations SET id = id")
    finally:
        await conn.close()
    assert await vectors(database_url) == generated

    migrate.migrate_to(database_url, "0009")  # generated again, from the same texts
    assert await vectors(database_url) == generated


async def test_every_write_recomputes_the_vector(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(STORY)
        matches = "SELECT search_vector @@ websearch_to_tsquery('timeline_en', $1) FROM claims WHERE id = 'c1'"
        assert await conn.fetchval(matches, "supply")
        await conn.execute("UPDATE claims SET translations = '{\"en\": \"We never sent missiles.\"}' WHERE id = 'c1'")
        assert not await conn.fetchval(matches, "supply")
        assert await conn.fetchval(matches, "missiles")

        # A vector written directly is replaced by the one its texts give, as a generated column would refuse it.
        await conn.execute("UPDATE events SET search_vector = to_tsvector('simple', 'forged') WHERE id = 'e1'")
        assert "forged" not in await conn.fetchval(VECTORS["events"])
        assert await conn.fetchval(VECTORS["events"]) == await conn.fetchval(EXPECTED["events"])

        # Moving a citation to an English source changes its language (an earlier trigger), then its vector.
        french = await conn.fetchval(VECTORS["citations"])
        await conn.execute("UPDATE citations SET source_id = 'reuters' WHERE id = 'c1@le-monde'")
        assert await conn.fetchval("SELECT language FROM citations WHERE id = 'c1@le-monde'") == "en"
        english = await conn.fetchval(VECTORS["citations"])
        assert english != french
        assert english == await conn.fetchval("SELECT to_tsvector('timeline_en', 'les usines')::text")
    finally:
        await conn.close()
