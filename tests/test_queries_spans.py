"""An actor's window read class by class of date span (`api.queries.spans`, migration 0012) serves every item.

Items of every date span, open intervals included, begin before, at and after each window's start; the timeline
and the claims list of one actor or two, walked page by page in both orders, must be exactly the items that overlap
the window, in their order. Participants carry their event's dates: the triggers that keep them are checked here
too.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest

from api.pagination import Order
from api.queries.claims import ClaimFilters, list_claims
from api.queries.events import Keyset
from api.queries.spans import NARROW_SPAN, WIDE_CLASSES
from api.queries.timeline import TimelineFilters, list_timeline
from schema.edtf import edtf_bounds
from tests.factories_events import events_dataset, load

LANGUAGES = ("en", "fr")
ACTORS = ("kremlin", "dmitry-peskov", "iran-mfa")
# Spans on both sides of every class bound, and open intervals at either end.
SPANS: list[int | str] = [0, 1, NARROW_SPAN, NARROW_SPAN + 1, 92, 93, 366, 367, 3660, 3661, 40_000, "open-start"]
SPANS.append("open-end")
FIRST_DAY = date(2022, 1, 1)


@dataclass(frozen=True)
class Item:
    type: str
    id: str
    earliest: date
    latest: date
    actors: frozenset[str]

    def key(self) -> tuple[date, int, str]:
        return (self.earliest, 0 if self.type == "event" else 1, self.id)


def random_edtf(rng: random.Random) -> str:
    day = FIRST_DAY + timedelta(days=rng.randrange(730))
    span = rng.choice(SPANS)
    if span == "open-start":
        return f"../{day.isoformat()}"
    if span == "open-end":
        return f"{day.isoformat()}/.."
    assert isinstance(span, int)
    return day.isoformat() if span == 0 else f"{day.isoformat()}/{(day + timedelta(days=span)).isoformat()}"


@pytest.fixture
async def items(database_url: str, pool: asyncpg.Pool) -> AsyncIterator[list[Item]]:
    """The dataset's actors, and 240 events and 240 claims of random spans (some with an actor in two roles)."""
    await load(database_url, events_dataset())
    await pool.execute("DELETE FROM claims")
    await pool.execute("DELETE FROM events")
    rng = random.Random(12)
    made: list[Item] = []
    for n in range(240):
        when = random_edtf(rng)
        bounds = edtf_bounds(when)
        actors = rng.sample(ACTORS, rng.randint(1, 2))
        event_id = f"event-{n:03}"
        await pool.execute(
            "INSERT INTO events (id, kind, when_edtf, earliest, latest, title) VALUES ($1, 'meeting', $2, $3, $4, $5)",
            event_id,
            when,
            bounds.earliest,
            bounds.latest,
            {"en": event_id},
        )
        roles = [(actor, "actor") for actor in actors] + ([(actors[0], "host")] if n % 5 == 0 else [])
        for position, (actor, role) in enumerate(roles):
            await pool.execute(
                "INSERT INTO event_participants (event_id, actor_id, role, position) VALUES ($1, $2, $3, $4)",
                event_id,
                actor,
                role,
                position,
            )
        made.append(Item("event", event_id, bounds.earliest, bounds.latest, frozenset(actors)))
    for n in range(240):
        when = random_edtf(rng)
        bounds = edtf_bounds(when)
        claimant = rng.choice(ACTORS)
        claim_id = f"claim-{n:03}"
        await pool.execute(
            "INSERT INTO claims (id, claimant_id, kind, when_edtf, earliest, latest, words, language, quote_type)"
            " VALUES ($1, $2, 'assertion', $3, $4, $5, 'mots', 'fr', 'direct')",
            claim_id,
            claimant,
            when,
            bounds.earliest,
            bounds.latest,
        )
        made.append(Item("claim", claim_id, bounds.earliest, bounds.latest, frozenset([claimant])))
    yield made


def expected(items: list[Item], actors: list[str], start: date, end: date | None, order: Order) -> list[str]:
    kept = [
        item
        for item in items
        if item.actors & set(actors) and item.latest >= start and (end is None or item.earliest <= end)
    ]
    return [item.id for item in sorted(kept, key=Item.key, reverse=order == "desc")]


async def walk(pool: asyncpg.Pool, filters: TimelineFilters, order: Order) -> list[str]:
    served: list[str] = []
    after: tuple[Any, ...] | None = None
    for _ in range(200):
        page = await list_timeline(pool, filters, Keyset(order=order, limit=7, after=after), LANGUAGES)
        served += [item.id for item in page.items]
        if page.next_key is None:
            return served
        after = page.next_key
    raise AssertionError("the walk never ended")


def windows(items: list[Item], rng: random.Random) -> list[tuple[date, date | None]]:
    """Windows starting on the last day of an item of each type spanning a class's longest span exactly (the
    latest item that still overlaps), on any item's first or last day, or anywhere; open or closed."""
    bounds = {NARROW_SPAN, *(longest for longest in WIDE_CLASSES.values() if longest is not None)}
    starts = [
        min(item.latest for item in items if item.type == kind and span_of(item) == longest)
        for kind in ("event", "claim")
        for longest in sorted(bounds)
    ]
    days = [item.latest for item in items if item.latest < date.max] + [item.earliest for item in items]
    for n in range(10):
        starts.append(rng.choice(days) if n % 2 else FIRST_DAY + timedelta(days=rng.randrange(-400, 1100)))
    return [
        (start, None if n % 4 == 0 else start + timedelta(days=rng.choice([0, 6, 45, 400])))
        for n, start in enumerate(max(start, FIRST_DAY - timedelta(days=400)) for start in starts)
    ]


def span_of(item: Item) -> int | None:
    """Days from first to last, None for an open interval."""
    return None if item.earliest == date.min or item.latest == date.max else (item.latest - item.earliest).days


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_an_actors_window_serves_every_overlapping_item_in_order(
    pool: asyncpg.Pool, items: list[Item], order: Order
) -> None:
    rng = random.Random(5)
    for start, end in windows(items, rng):
        for actors in (["kremlin"], ["dmitry-peskov", "iran-mfa"]):
            served = await walk(pool, TimelineFilters(start=start, end=end, actors=actors), order)
            assert served == expected(items, actors, start, end, order), (start, end, actors)


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_a_claimants_window_lists_every_overlapping_claim_in_order(
    pool: asyncpg.Pool, items: list[Item], order: Order
) -> None:
    claims = [item for item in items if item.type == "claim"]
    rng = random.Random(6)
    for start, end in windows(items, rng):
        for actors in (["kremlin"], ["dmitry-peskov", "iran-mfa"]):
            filters = ClaimFilters(claimants=actors, start=start, end=end)
            served: list[str] = []
            after: tuple[Any, ...] | None = None
            async with pool.acquire() as conn:
                for _ in range(200):
                    page, after = await list_claims(
                        conn, filters, order=order, after=after, limit=7, languages=LANGUAGES
                    )
                    served += [claim.id for claim in page]
                    if after is None:
                        break
            assert served == expected(claims, actors, start, end, order), (start, end, actors)


async def test_the_windows_reach_items_of_every_span_class(items: list[Item]) -> None:
    """The data above holds straddlers of each class, so the test cannot pass with a class left out."""
    classes = {0, *WIDE_CLASSES}
    rng = random.Random(5)
    reached: set[int] = set()
    for start, _ in windows(items, rng):
        for item in items:
            if item.earliest < start - timedelta(days=NARROW_SPAN) and item.latest >= start:
                reached.add(span_class(item))
    assert reached == classes - {0}


def span_class(item: Item) -> int:
    span = span_of(item)
    if span is None:
        return 9
    if span <= NARROW_SPAN:
        return 0
    return min(k for k, longest in WIDE_CLASSES.items() if longest is None or span <= longest)


async def test_the_sql_span_class_is_the_one_the_timeline_reads(pool: asyncpg.Pool) -> None:
    day = date(2022, 10, 5)
    for span in [s for s in SPANS if isinstance(s, int)]:
        item = Item("event", "x", day, day + timedelta(days=span), frozenset())
        assert await pool.fetchval("SELECT timeline_span_class($1, $2)", item.earliest, item.latest) == span_class(
            item
        ), span
    for earliest, latest in ((date.min, day), (day, date.max)):
        assert await pool.fetchval("SELECT timeline_span_class($1, $2)", earliest, latest) == 9


async def test_participants_follow_their_events_dates(pool: asyncpg.Pool, items: list[Item]) -> None:
    mismatched = """SELECT count(*) FROM event_participants AS p JOIN events AS e ON e.id = p.event_id
        WHERE (p.earliest, p.latest) IS DISTINCT FROM (e.earliest, e.latest)"""
    assert await pool.fetchval("SELECT count(*) FROM event_participants") > 240
    assert await pool.fetchval(mismatched) == 0
    await pool.execute(
        "UPDATE events SET when_edtf = '2030-05', earliest = '2030-05-01', latest = '2030-05-31' WHERE id = 'event-007'"
    )
    await pool.execute("UPDATE event_participants SET latest = '1999-01-01' WHERE event_id = 'event-008'")
    assert await pool.fetchval(mismatched) == 0
    moved = [
        Item(item.type, item.id, date(2030, 5, 1), date(2030, 5, 31), item.actors) if item.id == "event-007" else item
        for item in items
    ]
    start, end = date(2030, 5, 20), date(2030, 6, 30)
    served = await walk(pool, TimelineFilters(start=start, end=end, actors=list(ACTORS)), "asc")
    assert "event-007" in served
    assert served == expected(moved, list(ACTORS), start, end, "asc")
