"""The timeline: events and claims merged into one chronological stream, in one statement.

Sort key: the earliest day, then the type (events before claims on the same day: what
happened, then what was said about it), then the id; `desc` reverses all three. Each side
takes at most one page past the cursor from its own (earliest, id) index; the two are
merged, ordered and cut to the page, and only the items served are built as jsonb.

An actor's events come from its participant rows, which carry their event's dates (migration 0012), so
they too are walked in time order. An actor's window is read as one range per date-span class
(`span_branches`), each walked in order and merged: on the benchmark corpus the former plan (the window's
range index ANDed with the actor's, every match read and sorted) took p50 56 ms and up to 560 ms, this
one p50 9 ms and at most 25 ms. A window without an actor keeps the range index: over all actors a class's
range (a year of year-long items) holds too many rows that end before the window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
from api.queries.spans import actor_is, span_branches
from schema.read_timeline import TimelineClaim, TimelineEvent, TimelineItem

TYPE_RANK = {"event": 0, "claim": 1}
RANK_TYPE = {rank: name for name, rank in TYPE_RANK.items()}

CLAIM_FILTERS = {
    "propositions": (
        "EXISTS (SELECT 1 FROM claim_stances AS cs WHERE cs.claim_id = c.id AND cs.proposition_id = ANY({0}::text[]))"
    ),
    "q": "c.search_vector @@ " + TEXT_QUERY,
}

# `{rank}` is the side's own type rank. The first comparison on `earliest` alone lets the
# (…, earliest, id) index start at the cursor; the row comparison places the cursor exactly.
AFTER = (
    "{earliest} {compare}= {day}::date AND ({earliest}, {rank}, {id}) {compare} "
    "({day}::date, {cursor_rank}::int, {cursor_id}::text)"
)

# One ordered range of an index: `{keys}` are (earliest, rank, id) of the side.
BRANCH = """(SELECT {distinct}{keys} FROM {source}
    WHERE {where}
    ORDER BY {earliest} {direction}, {id} {direction}
    LIMIT {limit})"""

TIMELINE = """
WITH event_keys AS (
    {event_keys}
), claim_keys AS (
    {claim_keys}
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
class Side:
    """Where one type's keys are read: its rows' alias, sort columns and source (table, or join)."""

    alias: str
    earliest: str
    id: str
    rank: int
    source: str
    distinct: bool = False
    """An event is listed once per participant (and role): the keys are made distinct."""


EVENTS = Side("e", "e.earliest", "e.id", 0, "events AS e")
CLAIMS = Side("c", "c.earliest", "c.id", 1, "claims AS c")
PARTICIPANTS = Side("p", "p.earliest", "p.event_id", 0, "event_participants AS p", distinct=True)
EVENTS_OF_PARTICIPANTS = Side(
    "p", "p.earliest", "p.event_id", 0, "event_participants AS p JOIN events AS e ON e.id = p.event_id", distinct=True
)


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


def _side_keys(
    side: Side, conditions: list[str], filters: TimelineFilters, keyset: Keyset, params: SqlParams, limit: str
) -> str:
    """The side's first keys past the cursor: one ordered range, or one per date-span class for an actor's window.

    An actor's window is read class by class (`span_branches`): a single walk of the actor's index from the
    window's start would miss the items that began before it, and the window's range index (GiST) gives its
    items in no order, so all of them were read and sorted.
    """
    sort, compare = direction(keyset.order)
    keys = f"{side.earliest} AS earliest, {side.rank} AS rank, {side.id} AS id"
    if keyset.after is not None:
        day, item_type, item_id = keyset.after
        conditions.append(
            AFTER.format(
                earliest=side.earliest,
                id=side.id,
                rank=side.rank,
                compare=compare,
                day=params.add(day),
                cursor_rank=params.add(TYPE_RANK[item_type]),
                cursor_id=params.add(item_id),
            )
        )
    if filters.start is not None and filters.actors is not None:
        start = params.add(filters.start)
        branches = [conditions + branch for branch in span_branches(side.alias, start)]
    else:
        branches = [conditions]
    return "\n    UNION ALL\n    ".join(
        BRANCH.format(
            distinct="DISTINCT " if side.distinct else "",
            keys=keys,
            source=side.source,
            where=" AND ".join(branch) or "TRUE",
            earliest=side.earliest,
            id=side.id,
            direction=sort,
            limit=limit,
        )
        for branch in branches
    )


def _window(alias: str, filters: TimelineFilters, params: SqlParams) -> list[str]:
    """The window's conditions on a side's rows; an actor's window starts in its branches (`_side_keys`)."""
    conditions = [f"{alias}.earliest <= {params.add(filters.end)}::date"] if filters.end is not None else []
    if filters.actors is None:
        if filters.start is not None:
            conditions.append(f"{alias}.latest >= {params.add(filters.start)}::date")
        conditions += period_overlap(alias, filters.start, filters.end, params)
    return conditions


def _statement(filters: TimelineFilters, keyset: Keyset) -> tuple[str, list[Any]]:
    params = SqlParams()
    limit = params.add(keyset.limit + 1)
    others = replace(filters, start=None, end=None)
    if filters.actors is None:
        event_side, event_where = EVENTS, where_clause(EVENT_FILTERS, others, params)
    else:
        # The actor's events in time order from its participant rows, which carry their event's dates.
        event_where = [actor_is("p.actor_id", filters.actors, params.add)]
        event_where += where_clause(EVENT_FILTERS, replace(others, actors=None), params)
        event_side = PARTICIPANTS if len(event_where) == 1 else EVENTS_OF_PARTICIPANTS
    claim_where = where_clause(CLAIM_FILTERS, replace(others, actors=None), params)
    if filters.actors is not None:
        claim_where.append(actor_is("c.claimant_id", filters.actors, params.add))
    event_where += _window(event_side.alias, filters, params)
    claim_where += _window("c", filters, params)
    sort, _ = direction(keyset.order)
    sql = TIMELINE.format(
        event_keys=_side_keys(event_side, event_where, filters, keyset, params, limit),
        claim_keys=_side_keys(CLAIMS, claim_where, filters, keyset, params, limit),
        direction=sort,
        limit=limit,
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
