"""The timeline SQL, called directly: the merged order, keyset continuation across types, filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest

from api.pagination import Order
from api.queries.events import Keyset
from api.queries.timeline import TimelineFilters, list_timeline
from schema.edtf import edtf_bounds
from schema.read_timeline import TimelineClaim, TimelineEvent
from tests.factories_events import events_dataset, load

LANGUAGES = ("en", "fr")
RANK = {"event": 0, "claim": 1}


@pytest.fixture
async def data(database_url: str, pool: asyncpg.Pool) -> AsyncIterator[dict[str, Any]]:
    dataset = events_dataset()
    await load(database_url, dataset)
    yield dataset


def merged_order(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(type, id) of every event and claim by (earliest day, events first, id), from the dataset."""
    keyed = [(edtf_bounds(e["when"]).earliest, RANK["event"], e["id"]) for e in data["events"]]
    keyed += [(edtf_bounds(c["when"]).earliest, RANK["claim"], c["id"]) for c in data["claims"]]
    names = {rank: name for name, rank in RANK.items()}
    return [(names[rank], item_id) for _, rank, item_id in sorted(keyed)]


async def stream(pool: asyncpg.Pool, filters: TimelineFilters, keyset: Keyset | None = None) -> list[tuple[str, str]]:
    page = await list_timeline(pool, filters, keyset or Keyset(limit=200), LANGUAGES)
    return [("event" if isinstance(item, TimelineEvent) else "claim", item.id) for item in page.items]


async def test_merges_events_and_claims_by_earliest_then_type_then_id(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    expected = merged_order(data)
    assert await stream(pool, TimelineFilters()) == expected
    assert await stream(pool, TimelineFilters(), Keyset(order="desc", limit=200)) == expected[::-1]
    # On 2023-02-05 the agreement (an event) comes before the claim made that day.
    assert expected.index(("event", "factory-deal")) + 1 == expected.index(("claim", "kremlin-confirms"))


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 2, 4])
async def test_keyset_continues_across_types(
    pool: asyncpg.Pool, data: dict[str, Any], order: Order, limit: int
) -> None:
    expected = merged_order(data)
    if order == "desc":
        expected.reverse()
    served: list[tuple[str, str]] = []
    after = None
    while True:
        page = await list_timeline(pool, TimelineFilters(), Keyset(order=order, limit=limit, after=after), LANGUAGES)
        served += [("event" if isinstance(i, TimelineEvent) else "claim", i.id) for i in page.items]
        if page.next_key is None:
            break
        assert page.next_key[1:] == served[-1]
        after = page.next_key
    assert served == expected


async def test_filters_apply_to_both_sides(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    assert await stream(pool, TimelineFilters(actors=["iran-mfa"])) == [
        ("event", "tehran-visit"),  # host
        ("claim", "iran-denial"),  # claimant
        ("event", "factory-deal"),  # signatory
    ]
    # Claims with a stance on it, and the events such claims are about.
    assert await stream(pool, TimelineFilters(propositions=["factory-in-russia"])) == [
        ("claim", "iran-denial"),
        ("event", "factory-deal"),
        ("claim", "kremlin-confirms"),
    ]
    # An actor's events come from its participant rows, joined to the events for their own filters.
    assert await stream(pool, TimelineFilters(actors=["iran-mfa"], propositions=["factory-in-russia"])) == [
        ("claim", "iran-denial"),
        ("event", "factory-deal"),
    ]
    assert await stream(pool, TimelineFilters(start=date(2022, 10, 1), end=date(2022, 10, 31))) == [
        ("event", "kyiv-attack"),
        ("claim", "kremlin-early"),
    ]
    # French stemming on claims' words and events' titles: "usines" finds both.
    assert await stream(pool, TimelineFilters(q="usines")) == [("event", "factory-deal"), ("claim", "kremlin-confirms")]
    assert await stream(pool, TimelineFilters(q="programmes", actors=["dmitry-peskov"])) == [("claim", "peskov-denial")]
    assert await stream(pool, TimelineFilters(actors=[])) == []


async def test_items_have_the_fields_of_their_kind(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    page = await list_timeline(pool, TimelineFilters(start=date(2023, 2, 6), end=date(2023, 2, 6)), Keyset(), ("en",))
    by_id = {item.id: item for item in page.items}
    claim = by_id["peskov-denial"]
    assert isinstance(claim, TimelineClaim)
    assert claim.text == "We have our own programmes" and claim.claimant.id == "dmitry-peskov"
    event = by_id["deployment"]
    assert isinstance(event, TimelineEvent)
    assert event.latest is None and [p.id for p in event.participants] == ["kremlin"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2022, 11, 1), date(2023, 2, 5)),
        (date(2023, 1, 15), None),
        (date(2023, 6, 1), date(2023, 2, 1)),  # inverted (refused by the route): no error, the items spanning it
    ],
)
async def test_a_window_keeps_the_overlapping_items_of_both_sides(
    pool: asyncpg.Pool, data: dict[str, Any], start: date, end: date | None
) -> None:
    def overlaps(when: str) -> bool:
        bounds = edtf_bounds(when)
        return bounds.latest >= start and (end is None or bounds.earliest <= end)

    kept = {("event", e["id"]) for e in data["events"] if overlaps(e["when"])}
    kept |= {("claim", c["id"]) for c in data["claims"] if overlaps(c["when"])}
    expected = [key for key in merged_order(data) if key in kept]
    assert await stream(pool, TimelineFilters(start=start, end=end)) == expected
    for actor_id in ("kremlin", "dmitry-peskov"):
        of_actor = await stream(pool, TimelineFilters(actors=[actor_id]))
        both = await stream(pool, TimelineFilters(actors=[actor_id], start=start, end=end))
        assert both == [key for key in expected if key in of_actor]
