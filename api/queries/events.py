"""Events: the filtered, keyset-paginated list and one event with everything that backs it.

Every request is one statement: participants, place, citations and claims are built as jsonb
by correlated subqueries in the same SELECT, never fetched per item. The WHERE clause is put
together from the fixed fragments below, with every value passed as a `$n` parameter.
Ordering is by the earliest day, then id, both in the requested direction, which the index
`events_time_idx (earliest, id)` serves for any page depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import asyncpg
import msgspec

from api.params import resolve_label
from api.queries import AnyConnection
from schema.read_common import ActorSummary, CitationView, ClaimSummary, SourceSummary, open_bound
from schema.read_events import EventDetail, EventItem, EventParticipant, PlaceView

Order = Literal["asc", "desc"]
Languages = tuple[str, ...]

# One event as a jsonb object (alias `e`), with its place, participants and counts.
EVENT_JSON = """jsonb_build_object(
    'id', e.id, 'kind', e.kind, 'when', e.when_edtf, 'earliest', e.earliest, 'latest', e.latest,
    'title', e.title, 'summary', e.summary, 'tags', e.tags,
    'place', (
        SELECT jsonb_build_object(
            'id', pl.id, 'name', pl.name, 'labels', pl.labels, 'country', pl.country,
            'latitude', pl.latitude, 'longitude', pl.longitude)
        FROM places AS pl WHERE pl.id = e.place_id),
    'participants', (
        SELECT coalesce(jsonb_agg(jsonb_build_object(
            'id', a.id, 'kind', a.kind, 'name', a.name, 'labels', a.labels, 'role', p.role)
            ORDER BY p.position, p.role), '[]'::jsonb)
        FROM event_participants AS p JOIN actors AS a ON a.id = p.actor_id
        WHERE p.event_id = e.id),
    'citation_count', (SELECT count(*) FROM citations AS ci WHERE ci.event_id = e.id),
    'claim_count', (SELECT count(*) FROM claim_events AS ce WHERE ce.event_id = e.id))"""

# One claim (alias `c`) as a ClaimSummary-shaped jsonb object, with its claimant.
CLAIM_SUMMARY_JSON = """jsonb_build_object(
    'id', c.id, 'kind', c.kind, 'when', c.when_edtf, 'earliest', c.earliest, 'latest', c.latest,
    'words', c.words, 'language', c.language, 'translations', c.translations, 'quote_type', c.quote_type,
    'claimant', (
        SELECT jsonb_build_object('id', a.id, 'kind', a.kind, 'name', a.name, 'labels', a.labels)
        FROM actors AS a WHERE a.id = c.claimant_id))"""

# One citation (alias `ci`) with its source (alias `s`).
CITATION_JSON = """jsonb_build_object(
    'id', ci.id, 'quote', ci.quote, 'language', ci.language, 'start', ci.start_offset, 'end', ci.end_offset,
    'claim', ci.claim_id, 'event', ci.event_id,
    'source', jsonb_build_object(
        'id', s.id, 'title', s.title, 'outlet', s.outlet_id, 'language', s.language,
        'published', s.published_edtf, 'published_earliest', s.published_earliest,
        'published_latest', s.published_latest, 'url', s.url, 'document', s.document))"""

# Search in French and English (stemmed) and without stemming, accents ignored by all three.
TEXT_QUERY = (
    "(websearch_to_tsquery('timeline_fr', {0}::text) || websearch_to_tsquery('timeline_en', {0}::text)"
    " || websearch_to_tsquery('timeline_simple', {0}::text))"
)

EVENT_FILTERS = {
    "start": "e.latest >= {0}::date",
    "end": "e.earliest <= {0}::date",
    # `e.id IN (…)` lets the planner start from the actor's rows of `event_participants_actor_idx`.
    "participant": "e.id IN (SELECT p.event_id FROM event_participants AS p WHERE p.actor_id = {0}::text)",
    "actors": "e.id IN (SELECT p.event_id FROM event_participants AS p WHERE p.actor_id = ANY({0}::text[]))",
    "kinds": "e.kind = ANY({0}::text[])",
    "places": "e.place_id = ANY({0}::text[])",
    "tags": "e.tags && {0}::text[]",
    "propositions": (
        "EXISTS (SELECT 1 FROM claim_events AS ce JOIN claim_stances AS cs ON cs.claim_id = ce.claim_id"
        " WHERE ce.event_id = e.id AND cs.proposition_id = ANY({0}::text[]))"
    ),
    "q": "e.search_vector @@ " + TEXT_QUERY,
}

LIST_EVENTS = """
SELECT e.earliest, e.id, {item} AS item
FROM events AS e
WHERE {where}
ORDER BY e.earliest {direction}, e.id {direction}
LIMIT {limit}
"""

GET_EVENT = f"""
SELECT {EVENT_JSON} AS item,
    (SELECT coalesce(jsonb_agg({CITATION_JSON}
            ORDER BY s.published_earliest NULLS LAST, ci.id), '[]'::jsonb)
        FROM citations AS ci JOIN sources AS s ON s.id = ci.source_id
        WHERE ci.event_id = e.id) AS citations,
    (SELECT coalesce(jsonb_agg({CLAIM_SUMMARY_JSON} ORDER BY c.earliest, c.id), '[]'::jsonb)
        FROM claim_events AS ce JOIN claims AS c ON c.id = ce.claim_id
        WHERE ce.event_id = e.id) AS claims
FROM events AS e
WHERE e.id = $1
"""

ACTOR_EXISTS = "SELECT EXISTS (SELECT 1 FROM actors WHERE id = $1)"


@dataclass(frozen=True)
class EventFilters:
    """What `/v1/events` can filter on; None means "no filter". Id lists match any of their values
    (an empty list matches nothing)."""

    start: date | None = None
    """Events whose last possible day is on or after this day."""
    end: date | None = None
    """Events whose first possible day is on or before this day."""
    participant: str | None = None
    """An actor who must have taken part (the `/v1/actors/{id}/events` path)."""
    actors: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    places: Sequence[str] | None = None
    tags: Sequence[str] | None = None
    propositions: Sequence[str] | None = None
    q: str | None = None


@dataclass(frozen=True)
class Keyset:
    """A page request: direction, how many items, and the sort key of the last item already served."""

    order: Order = "asc"
    limit: int = 50
    after: tuple[Any, ...] | None = None


@dataclass
class SqlParams:
    """Numbered parameters for a statement assembled from fragments."""

    values: list[Any] = field(default_factory=list)

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


@dataclass(frozen=True)
class EventsPage:
    items: list[EventItem]
    next_key: tuple[date, str] | None
    """Sort key (earliest, id) of the last item when more follow."""


def where_clause(fragments: dict[str, str], filters: object, params: SqlParams) -> list[str]:
    """The conditions for every filter that is set, each with its value as a new parameter."""
    conditions = []
    for name, fragment in fragments.items():
        value = getattr(filters, name, None)
        if value is None:
            continue
        if isinstance(value, Sequence) and not isinstance(value, str):
            value = list(value)
        conditions.append(fragment.format(params.add(value)))
    return conditions


def period_overlap(alias: str, start: date | None, end: date | None, params: SqlParams) -> list[str]:
    """The window again, as a range overlap that `<table>_period_idx` (GiST) answers; nothing without a window.

    It keeps the same rows as the two comparisons on `earliest` and `latest`. Its worth is to the planner: it has
    statistics on that range, none on how `earliest` and `latest` move together, so on the comparisons alone it
    takes a window to hold a quarter of the table and walks the time index from the first day (for an actor and a
    window: hundreds of thousands of rows read to serve a few). An inverted window (refused by the routes) adds
    nothing, since daterange would raise.
    """
    if (start is None and end is None) or (start is not None and end is not None and start > end):
        return []
    return [
        f"daterange({alias}.earliest, {alias}.latest, '[]') && daterange({params.add(start)}::date, "
        f"{params.add(end)}::date, '[]')"
    ]


def direction(order: Order) -> tuple[str, str]:
    """The ORDER BY direction and the keyset comparison for an order."""
    return ("ASC", ">") if order == "asc" else ("DESC", "<")


def _list_statement(filters: EventFilters, keyset: Keyset) -> tuple[str, list[Any]]:
    params = SqlParams()
    conditions = where_clause(EVENT_FILTERS, filters, params)
    conditions += period_overlap("e", filters.start, filters.end, params)
    sort, compare = direction(keyset.order)
    if keyset.after is not None:
        day, event_id = keyset.after
        conditions.append(f"(e.earliest, e.id) {compare} ({params.add(day)}::date, {params.add(event_id)}::text)")
    sql = LIST_EVENTS.format(
        item=EVENT_JSON,
        where=" AND ".join(conditions) or "TRUE",
        direction=sort,
        limit=params.add(keyset.limit + 1),
    )
    return sql, params.values


async def list_events(
    conn: asyncpg.Pool | AnyConnection, filters: EventFilters, keyset: Keyset, languages: Languages
) -> EventsPage:
    """One page of events matching every filter, in time order."""
    sql, values = _list_statement(filters, keyset)
    rows = await conn.fetch(sql, *values)
    more = len(rows) > keyset.limit
    rows = rows[: keyset.limit]
    next_key = (rows[-1]["earliest"], rows[-1]["id"]) if more else None
    return EventsPage([event_item(row["item"], languages) for row in rows], next_key)


async def get_event(conn: asyncpg.Pool | AnyConnection, event_id: str, languages: Languages) -> EventDetail | None:
    """One event with its citations and the claims about it; None when there is no such event."""
    row = await conn.fetchrow(GET_EVENT, event_id)
    if row is None:
        return None
    item = event_item(row["item"], languages)
    return EventDetail(
        **msgspec.structs.asdict(item),
        citations=[citation_view(c) for c in row["citations"]],
        claims=[claim_summary(c, languages) for c in row["claims"]],
    )


async def actor_exists(conn: asyncpg.Pool | AnyConnection, actor_id: str) -> bool:
    found: bool = await conn.fetchval(ACTOR_EXISTS, actor_id)
    return found


def json_day(value: str | None) -> date | None:
    """A date as jsonb writes it; ±infinity (an open end) is None."""
    if value is None or value.endswith("infinity"):
        return None
    return open_bound(date.fromisoformat(value))


def actor_summary(data: dict[str, Any], languages: Languages) -> ActorSummary:
    return ActorSummary(
        id=data["id"],
        kind=data["kind"],
        name=data["name"],
        label=resolve_label(data["labels"], languages, data["name"]),
        labels=data["labels"],
    )


def event_item(data: dict[str, Any], languages: Languages) -> EventItem:
    """An EventItem from the jsonb of EVENT_JSON, labels resolved to `languages`."""
    place = data["place"]
    return EventItem(
        id=data["id"],
        kind=data["kind"],
        when=data["when"],
        earliest=json_day(data["earliest"]),
        latest=json_day(data["latest"]),
        title=data["title"],
        label=resolve_label(data["title"], languages),
        summary=data["summary"],
        place=None
        if place is None
        else PlaceView(
            id=place["id"],
            name=place["name"],
            label=resolve_label(place["labels"], languages, place["name"]) or place["name"],
            labels=place["labels"],
            country=place["country"],
            latitude=place["latitude"],
            longitude=place["longitude"],
        ),
        participants=[
            EventParticipant(
                id=p["id"],
                kind=p["kind"],
                name=p["name"],
                label=resolve_label(p["labels"], languages, p["name"]),
                labels=p["labels"],
                role=p["role"],
            )
            for p in data["participants"]
        ],
        tags=data["tags"],
        citation_count=data["citation_count"],
        claim_count=data["claim_count"],
    )


def claim_summary(data: dict[str, Any], languages: Languages) -> ClaimSummary:
    """A ClaimSummary from the jsonb of CLAIM_SUMMARY_JSON; `text` is the words in the first preferred
    language they exist in (the recorded words count as their own language), else the recorded words."""
    texts = {**data["translations"], data["language"]: data["words"]}
    return ClaimSummary(
        id=data["id"],
        kind=data["kind"],
        claimant=actor_summary(data["claimant"], languages),
        when=data["when"],
        earliest=json_day(data["earliest"]),
        latest=json_day(data["latest"]),
        words=data["words"],
        language=data["language"],
        text=resolve_label(texts, languages, data["words"]) or data["words"],
        quote_type=data["quote_type"],
    )


def citation_view(data: dict[str, Any]) -> CitationView:
    source = data["source"]
    return CitationView(
        id=data["id"],
        quote=data["quote"],
        language=data["language"],
        start=data["start"],
        end=data["end"],
        claim=data["claim"],
        event=data["event"],
        source=SourceSummary(
            id=source["id"],
            title=source["title"],
            outlet=source["outlet"],
            language=source["language"],
            published=source["published"],
            published_earliest=json_day(source["published_earliest"]),
            published_latest=json_day(source["published_latest"]),
            url=source["url"],
            document=source["document"],
        ),
    )
