"""The story model: actors, places, sources, propositions, events, claims, citations.

The closed lists are written out here rather than imported from schema.vocab so that
this migration stays what it was when it ran; tests/test_schema_vocab.py fails when the
database's CHECK lists and schema.vocab disagree.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLUG = r"'^[a-z0-9]+(-[a-z0-9]+)*$'"
LANG = r"'^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'"
EDTF = r"'^[0-9X.?~%/\[\]{},:+ETYS-]{4,64}$'"

UPGRADE = f"""
CREATE DOMAIN slug AS text CHECK (VALUE ~ {SLUG} AND length(VALUE) <= 120);
CREATE DOMAIN lang_tag AS text CHECK (VALUE ~ {LANG});
CREATE DOMAIN edtf AS text CHECK (VALUE ~ {EDTF});
CREATE DOMAIN country_code AS text CHECK (VALUE ~ '^[A-Z]{{2}}$');
CREATE DOMAIN lang_map AS jsonb CHECK (jsonb_typeof(VALUE) = 'object');

CREATE TABLE actors (
    id slug PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN (
        'person', 'organisation', 'government_body', 'state', 'media_outlet', 'military_unit',
        'anonymous_group', 'company', 'international_organisation')),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    labels lang_map NOT NULL DEFAULT '{{}}',
    aliases text[] NOT NULL DEFAULT '{{}}',
    description lang_map NOT NULL DEFAULT '{{}}',
    country country_code,
    affiliated_state_id slug REFERENCES actors (id),
    wikidata text CHECK (wikidata ~ '^Q[1-9][0-9]*$'),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX actors_kind_idx ON actors (kind, id);
CREATE INDEX actors_affiliated_state_idx ON actors (affiliated_state_id);

CREATE TABLE actor_affiliations (
    actor_id slug NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    position smallint NOT NULL CHECK (position >= 0),
    target_id slug NOT NULL REFERENCES actors (id),
    role text NOT NULL CHECK (length(role) BETWEEN 1 AND 300),
    start_edtf edtf,
    start_earliest date,
    end_edtf edtf,
    end_latest date,
    PRIMARY KEY (actor_id, position),
    CHECK (actor_id <> target_id),
    CHECK ((start_edtf IS NULL) = (start_earliest IS NULL)),
    CHECK ((end_edtf IS NULL) = (end_latest IS NULL)),
    CHECK (start_earliest IS NULL OR end_latest IS NULL OR start_earliest <= end_latest)
);
CREATE INDEX actor_affiliations_target_idx ON actor_affiliations (target_id);

CREATE TABLE places (
    id slug PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    labels lang_map NOT NULL DEFAULT '{{}}',
    country country_code,
    latitude double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude double precision CHECK (longitude BETWEEN -180 AND 180),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);

CREATE TABLE sources (
    id slug PRIMARY KEY,
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    outlet_id slug REFERENCES actors (id),
    language lang_tag NOT NULL,
    published_edtf edtf,
    published_earliest date,
    published_latest date,
    url text CHECK (url ~ '^https?://'),
    document text CHECK (length(document) BETWEEN 1 AND 300),
    sha256 text CHECK (sha256 ~ '^[0-9a-f]{{64}}$'),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((published_edtf IS NULL) = (published_earliest IS NULL)),
    CHECK ((published_edtf IS NULL) = (published_latest IS NULL)),
    CHECK (published_earliest <= published_latest)
);
CREATE INDEX sources_outlet_idx ON sources (outlet_id);

CREATE TABLE propositions (
    id slug PRIMARY KEY,
    text lang_map NOT NULL CHECK (text <> '{{}}'),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
    id slug PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN (
        'report', 'statement', 'meeting', 'visit', 'attack', 'deployment', 'agreement', 'sanction',
        'training', 'decree', 'press_conference', 'delivery', 'warning', 'intelligence_disclosure')),
    when_edtf edtf NOT NULL,
    earliest date NOT NULL,
    latest date NOT NULL,
    title lang_map NOT NULL CHECK (title <> '{{}}'),
    summary lang_map NOT NULL DEFAULT '{{}}',
    place_id slug REFERENCES places (id),
    tags text[] NOT NULL DEFAULT '{{}}',
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (earliest <= latest)
);
CREATE INDEX events_time_idx ON events (earliest, id);
CREATE INDEX events_latest_idx ON events (latest);
CREATE INDEX events_kind_idx ON events (kind, earliest, id);
CREATE INDEX events_place_idx ON events (place_id);
CREATE INDEX events_tags_idx ON events USING gin (tags);

CREATE TABLE event_participants (
    event_id slug NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    actor_id slug NOT NULL REFERENCES actors (id),
    role text NOT NULL CHECK (role IN (
        'actor', 'target', 'host', 'visitor', 'delegation_leader', 'delegation_member', 'reporter',
        'source', 'speaker', 'signatory', 'subject')),
    position smallint NOT NULL CHECK (position >= 0),
    PRIMARY KEY (event_id, actor_id, role)
);
CREATE INDEX event_participants_actor_idx ON event_participants (actor_id, event_id);

CREATE TABLE claims (
    id slug PRIMARY KEY,
    claimant_id slug NOT NULL REFERENCES actors (id),
    kind text NOT NULL CHECK (kind IN (
        'assertion', 'denial', 'accusation', 'admission', 'warning', 'report', 'reaction',
        'refusal_to_comment', 'announcement', 'appeal', 'condemnation')),
    when_edtf edtf NOT NULL,
    earliest date NOT NULL,
    latest date NOT NULL,
    words text NOT NULL CHECK (length(words) BETWEEN 1 AND 4000),
    language lang_tag NOT NULL,
    said_in lang_tag,
    translations lang_map NOT NULL DEFAULT '{{}}',
    quote_type text NOT NULL CHECK (quote_type IN ('direct', 'paraphrase')),
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (earliest <= latest)
);
CREATE INDEX claims_time_idx ON claims (earliest, id);
CREATE INDEX claims_claimant_idx ON claims (claimant_id, earliest, id);
CREATE INDEX claims_kind_idx ON claims (kind, earliest, id);

CREATE TABLE claim_reporting (
    claim_id slug NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    position smallint NOT NULL CHECK (position >= 0),
    actor_id slug NOT NULL REFERENCES actors (id),
    when_edtf edtf,
    earliest date,
    latest date,
    PRIMARY KEY (claim_id, position),
    CHECK ((when_edtf IS NULL) = (earliest IS NULL)),
    CHECK ((when_edtf IS NULL) = (latest IS NULL)),
    CHECK (earliest <= latest)
);
CREATE INDEX claim_reporting_actor_idx ON claim_reporting (actor_id, claim_id);

CREATE TABLE claim_events (
    claim_id slug NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    event_id slug NOT NULL REFERENCES events (id),
    PRIMARY KEY (claim_id, event_id)
);
CREATE INDEX claim_events_event_idx ON claim_events (event_id, claim_id);

CREATE TABLE claim_stances (
    claim_id slug NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    proposition_id slug NOT NULL REFERENCES propositions (id),
    stance text NOT NULL CHECK (stance IN ('supports', 'opposes')),
    PRIMARY KEY (claim_id, proposition_id)
);
CREATE INDEX claim_stances_proposition_idx ON claim_stances (proposition_id, claim_id);

CREATE TABLE claim_links (
    claim_id slug NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    target_id slug NOT NULL REFERENCES claims (id),
    relation text NOT NULL CHECK (relation IN ('responds_to', 'denies', 'confirms', 'repeats', 'contradicts')),
    PRIMARY KEY (claim_id, target_id, relation),
    CHECK (claim_id <> target_id)
);
CREATE INDEX claim_links_target_idx ON claim_links (target_id, claim_id);

CREATE TABLE citations (
    id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 250),
    source_id slug NOT NULL REFERENCES sources (id),
    claim_id slug REFERENCES claims (id) ON DELETE CASCADE,
    event_id slug REFERENCES events (id) ON DELETE CASCADE,
    quote text NOT NULL CHECK (length(quote) BETWEEN 1 AND 300),
    start_offset integer NOT NULL CHECK (start_offset >= 0),
    end_offset integer NOT NULL,
    version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (end_offset > start_offset),
    CHECK (num_nonnulls(claim_id, event_id) = 1),
    UNIQUE (source_id, claim_id),
    UNIQUE (source_id, event_id)
);
CREATE INDEX citations_claim_idx ON citations (claim_id);
CREATE INDEX citations_event_idx ON citations (event_id);

-- Which dataset file owns which item, and the hash of the item as the file last gave
-- it: the loader's memory, so a reload updates only what changed and removes only
-- what that file no longer holds. Items written any other way have no row here.
CREATE TABLE dataset_items (
    dataset slug NOT NULL,
    item_type text NOT NULL CHECK (item_type IN (
        'actors', 'places', 'sources', 'propositions', 'events', 'claims', 'citations')),
    item_id text NOT NULL,
    content_hash text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{{64}}$'),
    PRIMARY KEY (dataset, item_type, item_id),
    UNIQUE (item_type, item_id)
);
"""

DOWNGRADE = """
DROP TABLE dataset_items;
DROP TABLE citations;
DROP TABLE claim_links;
DROP TABLE claim_stances;
DROP TABLE claim_events;
DROP TABLE claim_reporting;
DROP TABLE claims;
DROP TABLE event_participants;
DROP TABLE events;
DROP TABLE propositions;
DROP TABLE sources;
DROP TABLE places;
DROP TABLE actor_affiliations;
DROP TABLE actors;
DROP DOMAIN lang_map;
DROP DOMAIN country_code;
DROP DOMAIN edtf;
DROP DOMAIN lang_tag;
DROP DOMAIN slug;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
