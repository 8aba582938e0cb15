"""The claims SQL functions, called directly on a connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest

from api.queries import claims as q
from api.queries.claims import ClaimFilters, claim_text
from tests.factories_claims import DELIVERED, claim_ids_in_time_order, claims_dataset, load

EN = ("en", "fr")


@pytest.fixture
async def data(pool: asyncpg.Pool) -> dict[str, Any]:
    dataset = claims_dataset()
    await load(pool, dataset)
    return dataset


@pytest.fixture
async def conn(pool: asyncpg.Pool, data: dict[str, Any]) -> AsyncIterator[asyncpg.Connection]:
    async with pool.acquire() as connection:
        yield connection


async def all_ids(conn: asyncpg.Connection, filters: ClaimFilters, order: str = "asc") -> list[str]:
    items, next_key = await q.list_claims(conn, filters, order=order, after=None, limit=200, languages=EN)
    assert next_key is None
    return [item.id for item in items]


def test_claim_text_prefers_the_first_language_it_exists_in() -> None:
    translations = {"en": "We have delivered no drones", "de-AT": "Wir haben keine Drohnen geliefert"}
    words = "Nous n'avons livré aucun drone"
    assert claim_text(words, "fr", translations, ("fr", "en")) == words
    assert claim_text(words, "fr", translations, ("en", "fr")) == translations["en"]
    assert claim_text(words, "fr", translations, ("fr-CA", "en")) == words  # same primary language
    assert claim_text(words, "fr", translations, ("de", "en")) == translations["de-AT"]
    assert claim_text(words, "fr", translations, ("it",)) == words  # nothing fits: the words as recorded
    assert claim_text(words, "fr", {}, ("en", "fr")) == words


async def test_pages_continue_after_an_open_start(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    expected = claim_ids_in_time_order(data)
    first, key = await q.list_claims(conn, ClaimFilters(), order="asc", after=None, limit=1, languages=EN)
    assert [c.id for c in first] == expected[:1] == ["kremlin-own-drones"]
    # "../2022-09" starts at -infinity: the key carries it as date.min and the next page continues after it
    assert key == (date.min, "kremlin-own-drones")
    assert first[0].earliest is None
    second, key = await q.list_claims(conn, ClaimFilters(), order="asc", after=key, limit=2, languages=EN)
    assert [c.id for c in second] == expected[1:3]
    assert key == (second[-1].earliest, second[-1].id)


async def test_descending_pages_mirror_ascending_ones(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    seen: list[str] = []
    key = None
    while True:
        items, key = await q.list_claims(conn, ClaimFilters(), order="desc", after=key, limit=3, languages=EN)
        seen += [c.id for c in items]
        if key is None:
            break
    assert seen == claim_ids_in_time_order(data, reverse=True)


async def test_each_filter_narrows_the_list(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    assert await all_ids(conn, ClaimFilters(claimants=["hossein-amir-abdollahian"])) == ["fm-denies", "fm-admits"]
    assert await all_ids(conn, ClaimFilters(kinds=["admission"])) == ["fm-admits"]
    assert await all_ids(conn, ClaimFilters(proposition=DELIVERED, stance="supports")) == [
        "wsj-drones-shipped",
        "fm-admits",
    ]
    assert await all_ids(conn, ClaimFilters(event="wsj-report")) == ["wsj-drones-shipped"]
    assert await all_ids(conn, ClaimFilters(start=date(2023, 1, 1), end=date(2023, 1, 31))) == [
        "peskov-same-day-a",
        "peskov-same-day-b",
    ]
    assert await all_ids(conn, ClaimFilters(reported_via="wall-street-journal")) == ["wsj-drones-shipped"]
    assert await all_ids(conn, ClaimFilters(source="doc-en")) == ["wsj-drones-shipped"]
    assert await all_ids(conn, ClaimFilters(language="fr-BE", q="drone")) == [
        "wsj-drones-shipped",
        "fm-denies",
        "fm-admits",
        "zelensky-factory",
    ]
    assert await all_ids(conn, ClaimFilters(q="Elabouga")) == ["zelensky-factory"]
    assert await all_ids(conn, ClaimFilters(claimants=[], kinds=[])) == claim_ids_in_time_order(data)


async def test_items_carry_their_embeds(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    items, _ = await q.list_claims(
        conn, ClaimFilters(event="wsj-report"), order="asc", after=None, limit=5, languages=("fr",)
    )
    (item,) = items
    assert item.text == "L'Iran a expédié des drones en Russie"
    assert [(r.actor.id, r.when) for r in item.reported_via] == [
        ("wall-street-journal", "2022-10-20"),
        ("presstv", "2022-10"),
    ]
    assert (item.events, item.citation_count) == (["wsj-report"], 2)
    assert [(s.proposition, s.stance) for s in item.stances] == [(DELIVERED, "supports")]


async def test_one_claim_or_none(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    assert await q.get_claim(conn, "no-such-claim", EN) is None
    detail = await q.get_claim(conn, "fm-denies", ("fr",))
    assert detail is not None
    assert detail.claimant.label == "Hossein Amir-Abdollahian (ministre)"
    assert [(link.relation, link.claim.id) for link in detail.links] == [("denies", "wsj-drones-shipped")]
    assert [(link.relation, link.claim.id) for link in detail.linked_from] == [("contradicts", "fm-admits")]
    assert [c.id for c in detail.citations] == ["fm-denies@doc-fr"]
    assert detail.citations[0].source.published_earliest == date(2023, 2, 1)
    assert [(s.proposition, s.label) for s in detail.stances] == [(DELIVERED, "L'Iran a livré des drones")]


async def test_actor_exists(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    assert await q.actor_exists(conn, "silent-actor")
    assert not await q.actor_exists(conn, "nobody")


SINGLE_FILTERS = {
    "claimants": ClaimFilters(claimants=["hossein-amir-abdollahian", "dmitry-peskov"]),
    "kinds": ClaimFilters(kinds=["denial", "admission", "assertion"]),
    "proposition": ClaimFilters(proposition=DELIVERED),
    "stance": ClaimFilters(stance="supports"),
    "event": ClaimFilters(event="wsj-report"),
    "window": ClaimFilters(start=date(2022, 10, 1), end=date(2023, 1, 31)),
    "reported_via": ClaimFilters(reported_via="wall-street-journal"),
    "source": ClaimFilters(source="doc-fr"),
    "language": ClaimFilters(language="fr"),
    "q": ClaimFilters(q="drone"),
}


def combined(a: ClaimFilters, b: ClaimFilters) -> ClaimFilters:
    """Both sets of filters at once (each sets fields the other leaves None)."""
    fields = {name: value for name, value in vars(a).items() if value is not None}
    fields.update({name: value for name, value in vars(b).items() if value is not None})
    return ClaimFilters(**fields)


async def test_two_filters_together_keep_what_both_keep(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    # The WHERE clause is assembled from the filters that are set, each with its own parameter number: any pair
    # must keep exactly the claims both keep alone, in the same order.
    alone = {name: await all_ids(conn, filters) for name, filters in SINGLE_FILTERS.items()}
    assert all(alone.values()), alone
    assert alone["stance"] != alone["proposition"]  # a stance alone is a filter of its own
    names = sorted(SINGLE_FILTERS)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            both = await all_ids(conn, combined(SINGLE_FILTERS[first], SINGLE_FILTERS[second]))
            expected = [claim_id for claim_id in alone[first] if claim_id in alone[second]]
            assert both == expected, (first, second)


async def test_a_stance_and_a_proposition_hold_on_the_same_stance(
    conn: asyncpg.Connection, data: dict[str, Any]
) -> None:
    supports = await all_ids(conn, ClaimFilters(proposition=DELIVERED, stance="supports"))
    opposes = await all_ids(conn, ClaimFilters(proposition=DELIVERED, stance="opposes"))
    assert supports and opposes
    assert not set(supports) & set(opposes)


async def test_filtered_pages_continue_with_the_cursor(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    filters = ClaimFilters(q="drone", kinds=["denial", "admission", "assertion", "report"])
    expected = await all_ids(conn, filters)
    for order, want in (("asc", expected), ("desc", expected[::-1])):
        seen: list[str] = []
        key = None
        while True:
            items, key = await q.list_claims(conn, filters, order=order, after=key, limit=1, languages=EN)
            seen += [c.id for c in items]
            if key is None:
                break
        assert seen == want
