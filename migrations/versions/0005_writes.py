"""Writes: API keys, revisions, tombstones, idempotency keys and the changes feed.

- `resource_documents` (a view) gives each resource's current state in its write shape
  (`schema.story`: what a POST sends), with the actors a change to it involves. The write
  path copies it into `revisions.state` in the same transaction as the write, so history
  and the changes feed always carry what the tables hold.
- `changes` rows are stamped with `pg_current_xact_id()`: the feed serves only changes of
  transactions below `pg_snapshot_xmin(pg_current_snapshot())` — every one of them has
  ended — ordered by `(txid, id)`, so no later commit can land behind a served cursor.
- Resource rows are hard-deleted; `tombstones` remembers the id (410 Gone) and the last
  version, so a re-created id continues its version sequence.
- Rows present before this migration get one `create` revision and one change each
  (key `migration`), so the feed starts with the whole story.

Revision ID: 0005
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESOURCE_TYPES = "'actors', 'places', 'sources', 'propositions', 'events', 'claims', 'citations'"

UPGRADE = f"""
CREATE TABLE api_keys (
    name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{{0,62}}$'),
    token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{{64}}$'),
    scope text NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE TABLE revisions (
    id bigserial PRIMARY KEY,
    resource_type text NOT NULL CHECK (resource_type IN ({RESOURCE_TYPES})),
    resource_id text NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    operation text NOT NULL CHECK (operation IN ('create', 'update', 'delete')),
    key_name text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    state jsonb,
    CHECK ((operation = 'delete') = (state IS NULL)),
    UNIQUE (resource_type, resource_id, version)
);

CREATE TABLE changes (
    id bigserial PRIMARY KEY,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    resource_type text NOT NULL CHECK (resource_type IN ({RESOURCE_TYPES})),
    resource_id text NOT NULL,
    operation text NOT NULL CHECK (operation IN ('upsert', 'delete')),
    version integer NOT NULL CHECK (version >= 1),
    at timestamptz NOT NULL DEFAULT now(),
    actor_ids text[] NOT NULL DEFAULT '{{}}'
);
CREATE INDEX changes_feed_idx ON changes (txid, id);
CREATE INDEX changes_actor_idx ON changes USING gin (actor_ids);

CREATE TABLE tombstones (
    resource_type text NOT NULL CHECK (resource_type IN ({RESOURCE_TYPES})),
    resource_id text NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    deleted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (resource_type, resource_id)
);

-- A POST's Idempotency-Key: the first request's fingerprint and response, kept 24 hours.
CREATE TABLE idempotency_keys (
    key_name text NOT NULL,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    fingerprint text NOT NULL,
    status smallint,
    headers jsonb,
    body bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key_name, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE VIEW resource_documents AS
SELECT 'actors'::text AS resource_type, a.id::text AS id, a.version, jsonb_build_object(
        'id', a.id, 'kind', a.kind, 'name', a.name, 'labels', a.labels, 'aliases', to_jsonb(a.aliases),
        'description', a.description, 'country', a.country, 'affiliated_state', a.affiliated_state_id,
        'wikidata', a.wikidata,
        'affiliations', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                'actor', f.target_id, 'role', f.role, 'start', f.start_edtf, 'end', f.end_edtf) ORDER BY f.position)
            FROM actor_affiliations AS f WHERE f.actor_id = a.id), '[]'::jsonb)
    ) AS doc, ARRAY[a.id]::text[] AS actor_ids
FROM actors AS a
UNION ALL
SELECT 'places', p.id, p.version, jsonb_build_object(
        'id', p.id, 'name', p.name, 'labels', p.labels, 'country', p.country,
        'latitude', p.latitude, 'longitude', p.longitude), '{{}}'::text[]
FROM places AS p
UNION ALL
SELECT 'sources', s.id, s.version, jsonb_build_object(
        'id', s.id, 'title', s.title, 'outlet', s.outlet_id, 'language', s.language,
        'published', s.published_edtf, 'url', s.url, 'document', s.document, 'sha256', s.sha256),
    array_remove(ARRAY[s.outlet_id]::text[], NULL)
FROM sources AS s
UNION ALL
SELECT 'propositions', p.id, p.version, jsonb_build_object('id', p.id, 'text', p.text), '{{}}'::text[]
FROM propositions AS p
UNION ALL
SELECT 'events', e.id, e.version, jsonb_build_object(
        'id', e.id, 'kind', e.kind, 'when', e.when_edtf, 'title', e.title, 'summary', e.summary,
        'place', e.place_id, 'tags', to_jsonb(e.tags),
        'participants', coalesce((
            SELECT jsonb_agg(jsonb_build_object('actor', ep.actor_id, 'role', ep.role) ORDER BY ep.position)
            FROM event_participants AS ep WHERE ep.event_id = e.id), '[]'::jsonb)),
    ARRAY(SELECT DISTINCT ep.actor_id::text FROM event_participants AS ep WHERE ep.event_id = e.id)
FROM events AS e
UNION ALL
SELECT 'claims', c.id, c.version, jsonb_build_object(
        'id', c.id, 'claimant', c.claimant_id, 'kind', c.kind, 'when', c.when_edtf, 'words', c.words,
        'language', c.language, 'said_in', c.said_in, 'translations', c.translations, 'quote_type', c.quote_type,
        'reported_via', coalesce((
            SELECT jsonb_agg(jsonb_build_object('actor', r.actor_id, 'when', r.when_edtf) ORDER BY r.position)
            FROM claim_reporting AS r WHERE r.claim_id = c.id), '[]'::jsonb),
        'events', coalesce((
            SELECT jsonb_agg(ce.event_id ORDER BY ce.event_id) FROM claim_events AS ce WHERE ce.claim_id = c.id),
            '[]'::jsonb),
        'stances', coalesce((
            SELECT jsonb_agg(jsonb_build_object('proposition', st.proposition_id, 'stance', st.stance)
                ORDER BY st.proposition_id)
            FROM claim_stances AS st WHERE st.claim_id = c.id), '[]'::jsonb),
        'links', coalesce((
            SELECT jsonb_agg(jsonb_build_object('claim', l.target_id, 'relation', l.relation)
                ORDER BY l.target_id, l.relation)
            FROM claim_links AS l WHERE l.claim_id = c.id), '[]'::jsonb)),
    ARRAY(SELECT c.claimant_id::text UNION SELECT r.actor_id FROM claim_reporting AS r WHERE r.claim_id = c.id)
FROM claims AS c
UNION ALL
SELECT 'citations', ci.id, ci.version, jsonb_build_object(
        'source', ci.source_id, 'quote', ci.quote, 'start', ci.start_offset, 'end', ci.end_offset,
        'claim', ci.claim_id, 'event', ci.event_id),
    ARRAY(
        SELECT c.claimant_id::text FROM claims AS c WHERE c.id = ci.claim_id
        UNION SELECT r.actor_id FROM claim_reporting AS r WHERE r.claim_id = ci.claim_id
        UNION SELECT ep.actor_id FROM event_participants AS ep WHERE ep.event_id = ci.event_id)
FROM citations AS ci;

INSERT INTO revisions (resource_type, resource_id, version, operation, key_name, state)
SELECT resource_type, id, version, 'create', 'migration', doc FROM resource_documents
ORDER BY array_position(ARRAY[{RESOURCE_TYPES}], resource_type), id;
INSERT INTO changes (resource_type, resource_id, operation, version, actor_ids)
SELECT resource_type, id, 'upsert', version, actor_ids FROM resource_documents
ORDER BY array_position(ARRAY[{RESOURCE_TYPES}], resource_type), id;
"""

DOWNGRADE = """
DROP VIEW resource_documents;
DROP TABLE idempotency_keys;
DROP TABLE tombstones;
DROP TABLE changes;
DROP TABLE revisions;
DROP TABLE api_keys;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
