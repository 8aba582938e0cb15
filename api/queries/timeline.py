"""The timeline: events and claims merged into one chronological stream, in one statement.

Sort key: the earliest day, then the type (events before claims on the same day: what
happened, then what was said about it), then the id; `desc` reverses all three. Each side
takes at most one page past the cursor from its own (earliest, id) index; the two are
merged, ordered and cut to the page, and only the items served are built as jsonb.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import msgspec

from api.queries import AnyConnection
from api.queries.events import (
    CLAIM_SUMMARY_JSON,
    EVENT_FILTERS,
    EVENT_JSON,
    TEXT_QUERY,
    Keyset,
    Languages,
    SqlParams,
    claim_summary,
    direction,
    event_item,
    period_overlap,
    where_clause,
)
from schema.read_timeline import TimelineClaim, TimelineEvent, TimelineItem

TYPE_RANK = {"event": 0, "claim": 1}
RANK_TYPE = {rank: name for name, rank in TYPE_RANK.items()}

CLAIM_FILTERS = {
    "start": "c.latest >= {0}::date",
    "end": "c.earliest <= {0}::date",
    "actors": "c.claimant_id = ANY({0}::text[])",
    "propositions": (
        "EXISTS (SELECT 1 FROM claim_stances AS cs WHERE cs.claim_id = c.id AND cs.proposition_id = ANY({0}::text[]))"
    ),
    "q": "c.search_vector @@ " + TEXT_QUERY,
}

# `{rank}` is the side's own type rank. The first comparison on `earliest` alone lets the
# (earliest, id) index start at the cursor; the row comparison places the cursor exactly.
AFTER = (
    "{alias}.earliest {compare}= {day}::date AND ({alias}.earliest, {rank}, {alias}.id) {compare} "
    "({day}::date, {cursor_rank}::int, {cursor_id}::text)"
)

TIMELINE = """
WITH event_keys AS (
    SELECT e.earliest, 0 AS rank, e.id FROM events AS e
    WHERE {event_where}
    ORDER BY e.earliest {direction}, e.id {direction}
    LIMIT {limit}
), claim_keys AS (
    SELECT c.earliest, 1 AS rank, c.id FROM claims AS c
    WHERE {claim_where}
    ORDER BY c.earliest {direction}, c.id {direction}
    LIMIT {limit}
), page AS (
    SELECT earliest, rank, id FROM event_keys
    UNION ALL
    SELECT earliest, rank, id FROM claim_keys
    ORDER BY earliest {direction}, rank {direction}, id {direction}
    LIMIT {limit}
)
SELECT page.earliest, page.rank, page.id,
    CASE page.rank
        WHEN 0 THEN (SELECT {event_json} FROM events AS e WHERE e.id = page.id)
        ELSE (SELECT {claim_json} FROM claims AS c WHERE c.id = page.id)
    END AS item
FROM page
ORDER BY page.earliest {direction}, page.rank {direction}, page.id {direction}
"""


@dataclass(frozen=True)
class TimelineFilters:
    """The filters events and claims share; id lists match any of their values."""

    start: date | None = None
    end: date | None = None
    actors: list[str] | None = None
    """Event participants, claim claimants."""
    propositions: list[str] | None = None
    """Claims taking a stance on it, and the events such claims are about."""
    q: str | None = None


@dataclass(frozen=True)
class TimelinePageRows:
    items: list[TimelineItem]
    next_key: tuple[date, str, str] | None
    """Sort key (earliest, type, id) of the last item when more follow."""


def _statement(filters: TimelineFilters, keyset: Keyset) -> tuple[str, list[Any]]:
    params = SqlParams()
    event_where = where_clause(EVENT_FILTERS, filters, params)
    event_where += period_overlap("e", filters.start, filters.end, params)
    claim_where = where_clause(CLAIM_FILTERS, filters, params)
    claim_where += period_overlap("c", filters.start, filters.end, params)
    sort, compare = direction(keyset.order)
    if keyset.after is not None:
        day, item_type, item_id = keyset.after
        placeholders = {
            "compare": compare,
            "day": params.add(day),
            "cursor_rank": params.add(TYPE_RANK[item_type]),
            "cursor_id": params.add(item_id),
        }
        event_where.append(AFTER.format(alias="e", rank=TYPE_RANK["event"], **placeholders))
        claim_where.append(AFTER.format(alias="c", rank=TYPE_RANK["claim"], **placeholders))
    sql = TIMELINE.format(
        event_where=" AND ".join(event_where) or "TRUE",
        claim_where=" AND ".join(claim_where) or "TRUE",
        direction=sort,
        limit=params.add(keyset.limit + 1),
        event_json=EVENT_JSON,
        claim_json=CLAIM_SUMMARY_JSON,
    )
    return sql, params.values


async def list_timeline(
    conn: asyncpg.Pool | AnyConnection, filters: TimelineFilters, keyset: Keyset, languages: Languages
) -> TimelinePageRows:
    """One page of the merged stream of events and claims."""
    sql, values = _statement(filters, keyset)
    rows = await conn.fetch(sql, *values)
    more = len(rows) > keyset.limit
    rows = rows[: keyset.limit]
    items: list[TimelineItem] = []
    for row in rows:
        if row["rank"] == TYPE_RANK["event"]:
            event = event_item(row["item"], languages)
            items.append(TimelineEvent(**msgspec.structs.asdict(event)))
        else:
            claim = claim_summary(row["item"], languages)
            items.append(TimelineClaim(**msgspec.structs.asdict(claim)))
    last = rows[-1] if rows else None
    next_key = (last["earliest"], RANK_TYPE[last["rank"]], last["id"]) if more and last is not None else None
    return TimelinePageRows(items, next_key)
