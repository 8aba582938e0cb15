"""The events SQL, called directly: filters, time order, keyset continuation, one event's embeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest

from api.queries.events import EventFilters, Keyset, actor_exists, get_event, list_events
from schema.edtf import edtf_bounds
from tests.factories_events import events_dataset, load

LANGUAGES = ("en", "fr")


@pytest.fixture
async def data(database_url: str, pool: asyncpg.Pool) -> AsyncIterator[dict[str, Any]]:
    dataset = events_dataset()
    await load(database_url, dataset)
    yield dataset


def time_order(events: list[dict[str, Any]]) -> list[str]:
    """Event ids by (earliest day, id): the order the API promises, computed from the dataset."""
    return [e["id"] for e in sorted(events, key=lambda e: (edtf_bounds(e["when"]).earliest, e["id"]))]


async def ids(pool: asyncpg.Pool, filters: EventFilters, keyset: Keyset | None = None) -> list[str]:
    page = await list_events(pool, filters, keyset or Keyset(limit=200), LANGUAGES)
    return [item.id for item in page.items]


async def test_lists_every_event_by_earliest_day_then_id(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    expected = time_order(data["events"])
    assert await ids(pool, EventFilters()) == expected
    assert await ids(pool, EventFilters(), Keyset(order="desc", limit=200)) == expected[::-1]
    # "decree" (2023) and "deployment" (2023-01/..) both start on 2023-01-01: the id breaks the tie.
    assert expected.index("decree") + 1 == expected.index("deployment")


async def test_keyset_continues_after_the_last_key_in_both_directions(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    expected = time_order(data["events"])
    first = await list_events(pool, EventFilters(), Keyset(limit=2), LANGUAGES)
    assert [i.id for i in first.items] == expected[:2]
    assert first.next_key == (edtf_bounds(data["events"][1]["when"]).earliest, expected[1])
    rest = await ids(pool, EventFilters(), Keyset(limit=200, after=first.next_key))
    assert rest == expected[2:]
    newest = await list_events(pool, EventFilters(), Keyset(order="desc", limit=3), LANGUAGES)
    assert newest.next_key is not None
    assert await ids(pool, EventFilters(), Keyset(order="desc", limit=200, after=newest.next_key)) == expected[::-1][3:]
    last = await list_events(pool, EventFilters(), Keyset(limit=len(expected)), LANGUAGES)
    assert last.next_key is None


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2023, 2, 1), None, {"factory-deal", "decree", "deployment"}),
        (None, date(2022, 11, 30), {"kyiv-attack", "tehran-visit"}),
        (date(2022, 11, 15), date(2022, 11, 20), {"tehran-visit"}),
        (date(2030, 1, 1), None, {"deployment"}),  # open-ended: it may still be going on
        (date(2022, 10, 31), date(2022, 10, 31), {"kyiv-attack"}),
    ],
)
async def test_date_window_matches_overlapping_events(
    pool: asyncpg.Pool, data: dict[str, Any], start: date | None, end: date | None, expected: set[str]
) -> None:
    assert set(await ids(pool, EventFilters(start=start, end=end))) == expected


async def test_each_filter(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    events = data["events"]

    def participants(e: dict[str, Any]) -> set[str]:
        return {p["actor"] for p in e.get("participants", [])}

    assert set(await ids(pool, EventFilters(actors=["dmitry-peskov", "kremlin"]))) == {
        e["id"] for e in events if participants(e) & {"dmitry-peskov", "kremlin"}
    }
    assert set(await ids(pool, EventFilters(participant="iran-mfa"))) == {
        e["id"] for e in events if "iran-mfa" in participants(e)
    }
    assert set(await ids(pool, EventFilters(kinds=["visit", "decree"]))) == {"tehran-visit", "decree"}
    assert set(await ids(pool, EventFilters(places=["yelabuga"]))) == {"factory-deal"}
    assert set(await ids(pool, EventFilters(tags=["drones"]))) == {
        e["id"] for e in events if "drones" in e.get("tags", [])
    }
    # Claims about "factory-deal" take stances on both propositions; no other event has claims.
    assert await ids(pool, EventFilters(propositions=["factory-in-russia"])) == ["factory-deal"]
    assert await ids(pool, EventFilters(propositions=["own-programme"])) == ["factory-deal"]
    # Combined filters all apply.
    assert await ids(pool, EventFilters(tags=["drones"], kinds=["attack"])) == ["kyiv-attack"]
    assert await ids(pool, EventFilters(actors=["iran-mfa"], start=date(2023, 1, 1))) == ["factory-deal"]


async def test_empty_id_list_and_unknown_ids_match_nothing(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    assert await ids(pool, EventFilters(actors=[])) == []
    assert await ids(pool, EventFilters(places=["atlantis"])) == []
    assert await ids(pool, EventFilters(propositions=["no-such-proposition"])) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("usines", {"factory-deal"}),  # French stemming: the title says "usine"
        ("Teheran", {"tehran-visit"}),  # accents ignored: the title says "Téhéran"
        ("plants", {"factory-deal"}),  # English stemming on the English title
        ('"attack on Kyiv"', {"kyiv-attack"}),  # web search syntax: a phrase
        ("factory", {"factory-deal"}),  # a tag
    ],
)
async def test_full_text(pool: asyncpg.Pool, data: dict[str, Any], query: str, expected: set[str]) -> None:
    assert set(await ids(pool, EventFilters(q=query))) == expected


async def test_items_carry_labels_place_participants_and_counts(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    page = await list_events(pool, EventFilters(places=["yelabuga"]), Keyset(), ("fr",))
    (item,) = page.items
    source = next(e for e in data["events"] if e["id"] == "factory-deal")
    assert item.title == source["title"] and item.label == source["title"]["fr"]
    assert item.summary == source["summary"]
    assert item.place is not None and item.place.label == "Ielabouga" and item.place.latitude == 55.76
    assert [(p.id, p.role) for p in item.participants] == [(p["actor"], p["role"]) for p in source["participants"]]
    assert item.tags == source["tags"]
    assert item.citation_count == len(source["citations"])
    assert item.claim_count == sum("factory-deal" in c.get("events", []) for c in data["claims"])
    open_ended = (await list_events(pool, EventFilters(kinds=["deployment"]), Keyset(), LANGUAGES)).items[0]
    assert open_ended.earliest == date(2023, 1, 1) and open_ended.latest is None


async def test_get_event_embeds_citations_and_claims_in_time_order(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    detail = await get_event(pool, "factory-deal", ("en",))
    assert detail is not None
    # Dated source first, the undated one last.
    assert [c.source.id for c in detail.citations] == ["doc-fr", "doc-undated"]
    assert all(c.event == "factory-deal" and c.claim is None for c in detail.citations)
    assert detail.citations[0].source.published_earliest == date(2023, 2, 7)
    about = sorted(
        (edtf_bounds(c["when"]).earliest, c["id"]) for c in data["claims"] if "factory-deal" in c.get("events", [])
    )
    assert [c.id for c in detail.claims] == [claim_id for _, claim_id in about]
    denial = next(c for c in detail.claims if c.id == "peskov-denial")
    assert denial.text == "We have our own programmes" and denial.words == "Nous avons nos propres programmes"
    assert denial.claimant.id == "dmitry-peskov" and denial.claimant.label == "Dmitry Peskov"
    assert await get_event(pool, "no-such-event", LANGUAGES) is None


async def test_actor_exists(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    assert await actor_exists(pool, "kremlin")
    assert not await actor_exists(pool, "nobody")


def overlapping(events: list[dict[str, Any]], start: date | None, end: date | None) -> list[str]:
    """Ids of the events whose [earliest, latest] reaches `start` and starts by `end`, in time order."""
    kept = []
    for e in events:
        bounds = edtf_bounds(e["when"])
        if (start is None or bounds.latest >= start) and (end is None or bounds.earliest <= end):
            kept.append(e)
    return time_order(kept)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2022, 11, 1), date(2023, 2, 5)),
        (date(2023, 2, 5), date(2023, 2, 5)),
        (None, date(2022, 10, 1)),
        (date(2024, 1, 1), None),
        # Inverted (the routes refuse it; called directly): the events spanning the gap, and no error from the
        # range overlap the statement adds for the index.
        (date(2023, 6, 1), date(2023, 2, 1)),
    ],
)
async def test_a_window_with_an_actor_keeps_what_each_keeps(
    pool: asyncpg.Pool, data: dict[str, Any], start: date | None, end: date | None
) -> None:
    events = data["events"]
    in_window = overlapping(events, start, end)
    assert await ids(pool, EventFilters(start=start, end=end)) == in_window
    for actor_id in sorted({p["actor"] for e in events for p in e.get("participants", [])}):
        of_actor = await ids(pool, EventFilters(actors=[actor_id]))
        assert of_actor == await ids(pool, EventFilters(participant=actor_id))
        both = await ids(pool, EventFilters(actors=[actor_id], start=start, end=end))
        assert both == [event_id for event_id in in_window if event_id in of_actor]
