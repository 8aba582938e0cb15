"""Search: French and English full text with accents ignored, and fuzzy actor names.

- Text search configurations `timeline_fr`, `timeline_en` and `timeline_simple` map words
  through `unaccent` before stemming, so "Téhéran" and "Teheran" meet and "usines" finds
  "usine". Each text is indexed with the configuration of its own language.
- `timeline_normalise_name(text)`: lower case, no accents, hyphens and apostrophes dropped
  ("Amir-Abdollahian" = "Amirabdollahian"), other punctuation as spaces. Actor names,
  labels and aliases are stored normalised in `actors.search_names` with a trigram index.
- Citations carry the language of their source (kept in step by triggers) so their quotes
  are indexed in that language.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = r"""
CREATE TEXT SEARCH CONFIGURATION timeline_fr (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION timeline_fr
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
CREATE TEXT SEARCH CONFIGURATION timeline_en (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION timeline_en
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
CREATE TEXT SEARCH CONFIGURATION timeline_simple (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION timeline_simple
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;

-- The configuration for a language tag: French and English stem, anything else does not.
CREATE FUNCTION timeline_ts_config(lang text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE split_part(lang, '-', 1)
        WHEN 'fr' THEN 'timeline_fr'::regconfig
        WHEN 'en' THEN 'timeline_en'::regconfig
        ELSE 'timeline_simple'::regconfig END;

-- Every text of a {"fr": …, "en": …} map, each in its own language.
CREATE FUNCTION timeline_lang_map_tsvector(texts jsonb) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (SELECT coalesce(tsvector_agg, ''::tsvector) FROM (
        SELECT string_agg(to_tsvector(timeline_ts_config(key), value)::text, ' ')::tsvector AS tsvector_agg
        FROM jsonb_each_text(texts)) AS t);

CREATE FUNCTION timeline_lang_map_text(texts jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (SELECT coalesce(string_agg(value, ' '), '') FROM jsonb_each_text(texts));

-- array_to_string is only STABLE in general; for text[] it cannot change, and generated
-- columns need IMMUTABLE.
CREATE FUNCTION timeline_join_words(words text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(array_to_string(words, ' '), '');

CREATE FUNCTION timeline_unaccent(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN public.unaccent('public.unaccent'::regdictionary, value);

CREATE FUNCTION timeline_normalise_name(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN btrim(regexp_replace(
        regexp_replace(lower(timeline_unaccent(value)), '[-''\u2019]', '', 'g'),
        '[^a-z0-9]+', ' ', 'g'));

ALTER TABLE actors ADD COLUMN search_names text GENERATED ALWAYS AS (
    timeline_normalise_name(
        name || ' ' || timeline_join_words(aliases) || ' ' || timeline_lang_map_text(labels))
) STORED;
CREATE INDEX actors_search_names_trgm_idx ON actors USING gin (search_names gin_trgm_ops);
ALTER TABLE actors ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('timeline_simple', name || ' ' || timeline_join_words(aliases)
        || ' ' || timeline_lang_map_text(labels)), 'A')
    || setweight(timeline_lang_map_tsvector(description), 'C')
) STORED;
CREATE INDEX actors_search_vector_idx ON actors USING gin (search_vector);

ALTER TABLE events ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(timeline_lang_map_tsvector(title), 'A')
    || setweight(timeline_lang_map_tsvector(summary), 'B')
    || setweight(to_tsvector('timeline_simple', timeline_join_words(tags)), 'C')
) STORED;
CREATE INDEX events_search_vector_idx ON events USING gin (search_vector);

ALTER TABLE claims ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector(timeline_ts_config(language), words), 'A')
    || setweight(timeline_lang_map_tsvector(translations), 'B')
) STORED;
CREATE INDEX claims_search_vector_idx ON claims USING gin (search_vector);

ALTER TABLE propositions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    timeline_lang_map_tsvector(text)
) STORED;
CREATE INDEX propositions_search_vector_idx ON propositions USING gin (search_vector);

ALTER TABLE citations ADD COLUMN language lang_tag;
UPDATE citations SET language = s.language FROM sources AS s WHERE s.id = citations.source_id;
ALTER TABLE citations ALTER COLUMN language SET NOT NULL;
ALTER TABLE citations ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector(timeline_ts_config(language), quote)
) STORED;
CREATE INDEX citations_search_vector_idx ON citations USING gin (search_vector);
CREATE INDEX citations_source_idx ON citations (source_id, id);

CREATE FUNCTION citations_take_source_language() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT language INTO NEW.language FROM sources WHERE id = NEW.source_id;
    RETURN NEW;
END $$;
CREATE TRIGGER citations_source_language BEFORE INSERT OR UPDATE OF source_id ON citations
    FOR EACH ROW EXECUTE FUNCTION citations_take_source_language();

CREATE FUNCTION sources_pass_language_to_citations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE citations SET language = NEW.language WHERE source_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER sources_language_to_citations AFTER UPDATE OF language ON sources
    FOR EACH ROW WHEN (OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION sources_pass_language_to_citations();
"""

DOWNGRADE = r"""
DROP TRIGGER sources_language_to_citations ON sources;
DROP FUNCTION sources_pass_language_to_citations();
DROP TRIGGER citations_source_language ON citations;
DROP FUNCTION citations_take_source_language();
DROP INDEX citations_source_idx;
ALTER TABLE citations DROP COLUMN search_vector;
ALTER TABLE citations DROP COLUMN language;
ALTER TABLE propositions DROP COLUMN search_vector;
ALTER TABLE claims DROP COLUMN search_vector;
ALTER TABLE events DROP COLUMN search_vector;
ALTER TABLE actors DROP COLUMN search_vector;
ALTER TABLE actors DROP COLUMN search_names;
DROP FUNCTION timeline_normalise_name(text);
DROP FUNCTION timeline_unaccent(text);
DROP FUNCTION timeline_join_words(text[]);
DROP FUNCTION timeline_lang_map_text(jsonb);
DROP FUNCTION timeline_lang_map_tsvector(jsonb);
DROP FUNCTION timeline_ts_config(text);
DROP TEXT SEARCH CONFIGURATION timeline_simple;
DROP TEXT SEARCH CONFIGURATION timeline_en;
DROP TEXT SEARCH CONFIGURATION timeline_fr;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
