"""Actors: the filtered list (by id, or ranked by a name query) and one actor with its ties.

Each request is one statement: claim and event counts are correlated subqueries, the ties of
`/v1/actors/{id}` are jsonb aggregates in the same SELECT.

A name query `q` is normalised by `timeline_normalise_name` (lower case, no accents, no
hyphens or apostrophes) and matched against `actors.search_names` (name, aliases and labels,
normalised alike) three ways, all served by indexes:
- trigram word similarity (`<%`, the `actors_search_names_trgm_idx` GIN index) for small
  spelling differences ("Peskof", "Teheran");
- substring (`LIKE`, same index) for short or partial names ("US", "Pesk");
- full text on the names part (weight A) of `search_vector`, for words in any order.
Matches are ranked: an exact name, label or alias first, then a name that starts with the
query at a word boundary, then anything else; within a tier by trigram word similarity. The
rank is an integer (micro-units), so it compares exactly in the keyset cursor (rank, id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from api.params import resolve_label
from api.queries import AnyConnection
from schema.read_actors import ActorDetail, ActorItem, AffiliationView
from schema.read_common import ActorSummary

Languages = tuple[str, ...]

ACTOR_COLUMNS = """
    a.id, a.kind, a.name, a.labels, a.aliases, a.description, a.country,
    a.affiliated_state_id, a.wikidata,
    (SELECT count(*) FROM claims AS c WHERE c.claimant_id = a.id) AS claim_count,
    (SELECT count(DISTINCT p.event_id) FROM event_participants AS p WHERE p.actor_id = a.id) AS event_count"""

# $1 kinds, $2 country, $3 affiliated_with; NULL means "any".
ACTOR_FILTERS = """
    ($1::text[] IS NULL OR a.kind = ANY($1::text[]))
    AND ($2::text IS NULL OR a.country = $2::text)
    AND ($3::text IS NULL OR EXISTS (
        SELECT 1 FROM actor_affiliations AS af WHERE af.actor_id = a.id AND af.target_id = $3::text))"""

# Without a query: by id. $4 is the id after which the page starts (NULL for the first), $5 the row count.
LIST_ACTORS = f"""
SELECT {ACTOR_COLUMNS}
FROM actors AS a
WHERE {ACTOR_FILTERS}
    AND ($4::text IS NULL OR a.id > $4::text)
ORDER BY a.id
LIMIT $5"""

# The normalised query, inlined so the planner sees a constant for the trigram index.
NAME = "timeline_normalise_name($6::text)"

# With a query ($6): by rank descending, then id; $4/$7 are the (id, rank) of the last item served.
SEARCH_ACTORS = f"""
WITH matched AS (
    SELECT a.*, round((
        CASE
            WHEN EXISTS (
                SELECT 1 FROM unnest(a.name || a.aliases || ARRAY(SELECT value FROM jsonb_each_text(a.labels)))
                    AS n(value)
                WHERE timeline_normalise_name(n.value) = {NAME}) THEN 3
            WHEN ' ' || a.search_names LIKE '% ' || {NAME} || '%' THEN 2
            ELSE 1
        END + word_similarity({NAME}, a.search_names)) * 1000000)::bigint AS rank
    FROM actors AS a
    WHERE {NAME} <> ''
        AND ({NAME} <% a.search_names
            OR a.search_names LIKE '%' || {NAME} || '%'
            OR (a.search_vector @@ websearch_to_tsquery('timeline_simple', $6::text)
                AND ts_filter(a.search_vector, '{{a}}') @@ websearch_to_tsquery('timeline_simple', $6::text)))
)
SELECT {ACTOR_COLUMNS}, a.rank
FROM matched AS a
WHERE {ACTOR_FILTERS}
    AND ($7::bigint IS NULL OR a.rank < $7::bigint OR (a.rank = $7::bigint AND a.id > $4::text))
ORDER BY a.rank DESC, a.id
LIMIT $5"""

# A tie (alias `af`) with the actor at its other end (alias `t`), dates made null when open.
TIE_JSON = """jsonb_build_object(
    'id', t.id, 'kind', t.kind, 'name', t.name, 'labels', t.labels, 'role', af.role,
    'start', af.start_edtf, 'start_earliest', CASE WHEN isfinite(af.start_earliest) THEN af.start_earliest END,
    'end', af.end_edtf, 'end_latest', CASE WHEN isfinite(af.end_latest) THEN af.end_latest END)"""

GET_ACTOR = f"""
SELECT {ACTOR_COLUMNS},
    (SELECT coalesce(jsonb_agg({TIE_JSON} ORDER BY af.position), '[]'::jsonb)
        FROM actor_affiliations AS af JOIN actors AS t ON t.id = af.target_id
        WHERE af.actor_id = a.id) AS affiliations,
    (SELECT coalesce(jsonb_agg({TIE_JSON} ORDER BY t.id, af.position), '[]'::jsonb)
        FROM actor_affiliations AS af JOIN actors AS t ON t.id = af.actor_id
        WHERE af.target_id = a.id) AS affiliated_actors,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'id', o.id, 'kind', o.kind, 'name', o.name, 'labels', o.labels) ORDER BY o.id), '[]'::jsonb)
        FROM actors AS o WHERE o.affiliated_state_id = a.id) AS media_outlets
FROM actors AS a
WHERE a.id = $1::text"""


@dataclass(frozen=True)
class ActorFilters:
    """What `/v1/actors` narrows to; None means no restriction."""

    kinds: Sequence[str] | None = None
    country: str | None = None
    affiliated_with: str | None = None

    def args(self) -> tuple[Any, ...]:
        return (list(self.kinds) if self.kinds else None, self.country, self.affiliated_with)


@dataclass(frozen=True)
class RankedActor:
    """An actor matched by a name query, with the integer rank its cursor carries."""

    rank: int
    actor: ActorItem


async def list_actors(
    conn: asyncpg.Pool | AnyConnection,
    filters: ActorFilters,
    *,
    after_id: str | None,
    limit: int,
    languages: Languages,
) -> list[ActorItem]:
    """Up to `limit` actors by id, starting after `after_id`."""
    rows = await conn.fetch(LIST_ACTORS, *filters.args(), after_id, limit)
    return [actor_item(row, languages) for row in rows]


async def search_actors(
    conn: asyncpg.Pool | AnyConnection,
    filters: ActorFilters,
    query: str,
    *,
    after: tuple[int, str] | None,
    limit: int,
    languages: Languages,
) -> list[RankedActor]:
    """Up to `limit` actors whose names match `query`, best first, starting after the (rank, id) `after`."""
    after_rank, after_id = after if after is not None else (None, None)
    rows = await conn.fetch(SEARCH_ACTORS, *filters.args(), after_id, limit, query, after_rank)
    return [RankedActor(row["rank"], actor_item(row, languages)) for row in rows]


async def get_actor(conn: asyncpg.Pool | AnyConnection, actor_id: str, languages: Languages) -> ActorDetail | None:
    """One actor with its affiliations, the actors affiliated with it and its media outlets; None if unknown."""
    row = await conn.fetchrow(GET_ACTOR, actor_id)
    if row is None:
        return None
    item = actor_item(row, languages)
    return ActorDetail(
        **{field: getattr(item, field) for field in item.__struct_fields__},
        affiliations=[_tie(tie, languages) for tie in row["affiliations"]],
        affiliated_actors=[_tie(tie, languages) for tie in row["affiliated_actors"]],
        media_outlets=[actor_summary(outlet, languages) for outlet in row["media_outlets"]],
    )


def actor_item(row: asyncpg.Record, languages: Languages) -> ActorItem:
    description: dict[str, str] = row["description"]
    return ActorItem(
        id=row["id"],
        kind=row["kind"],
        name=row["name"],
        label=resolve_label(row["labels"], languages, row["name"]),
        labels=row["labels"],
        aliases=list(row["aliases"]),
        description=description,
        description_text=resolve_label(description, languages),
        country=row["country"],
        affiliated_state=row["affiliated_state_id"],
        wikidata=row["wikidata"],
        claim_count=row["claim_count"],
        event_count=row["event_count"],
    )


def actor_summary(value: dict[str, Any], languages: Languages) -> ActorSummary:
    return ActorSummary(
        id=value["id"],
        kind=value["kind"],
        name=value["name"],
        label=resolve_label(value["labels"], languages, value["name"]),
        labels=value["labels"],
    )


def _tie(value: dict[str, Any], languages: Languages) -> AffiliationView:
    return AffiliationView(
        actor=actor_summary(value, languages),
        role=value["role"],
        start=value["start"],
        start_earliest=_date(value["start_earliest"]),
        end=value["end"],
        end_latest=_date(value["end_latest"]),
    )


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
