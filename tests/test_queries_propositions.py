"""The propositions SQL functions, called directly on a connection."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from api.queries import propositions as q
from api.queries.propositions import stance_timeline
from tests.factories_claims import DELIVERED, FACTORY, UNUSED, claims_dataset, insert_claim, load

EN = ("en", "fr")


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    await load(pool, claims_dataset())
    async with pool.acquire() as connection:
        yield connection


def stance(claim_id: str, claimant: str, side: str) -> dict[str, Any]:
    return {
        "stance": side,
        "claim": {
            "id": claim_id,
            "kind": "assertion",
            "claimant": {"id": claimant, "kind": "person", "name": claimant.title(), "labels": {}},
            "when": "2023",
            "earliest": "2023-01-01",
            "latest": "2023-12-31",
            "words": "w",
            "language": "en",
            "translations": {},
            "quote_type": "direct",
        },
    }


def test_stance_timeline_groups_by_actor_in_first_appearance_order() -> None:
    timeline = stance_timeline(
        [
            stance("b1", "bob", "opposes"),
            stance("a1", "alice", "supports"),
            stance("b2", "bob", "supports"),
            stance("b3", "bob", "opposes"),
            stance("a2", "alice", "supports"),
        ],
        EN,
    )
    assert [(t.actor.id, [s.claim.id for s in t.stances]) for t in timeline] == [
        ("bob", ["b1", "b2", "b3"]),
        ("alice", ["a1", "a2"]),
    ]
    # bob moved twice and ends where he started: he still changed position
    assert [(t.current_stance, t.changed_position) for t in timeline] == [("opposes", True), ("supports", False)]
    assert stance_timeline([], EN) == []


async def test_list_pages_by_id_with_counts(conn: asyncpg.Connection) -> None:
    first, key = await q.list_propositions(conn, q=None, order="asc", after=None, limit=2, languages=EN)
    assert [p.id for p in first] == sorted([DELIVERED, FACTORY, UNUSED])[:2]
    assert key == first[-1].id
    rest, key = await q.list_propositions(conn, q=None, order="asc", after=key, limit=2, languages=EN)
    assert [p.id for p in rest] == sorted([DELIVERED, FACTORY, UNUSED])[2:]
    assert key is None
    backwards, _ = await q.list_propositions(conn, q=None, order="desc", after=None, limit=5, languages=EN)
    assert [p.id for p in backwards] == sorted([DELIVERED, FACTORY, UNUSED], reverse=True)


async def test_actor_counts_follow_the_latest_stance(conn: asyncpg.Connection, pool: asyncpg.Pool) -> None:
    # the Kremlin later comes round to "supports": it leaves the opponents
    await insert_claim(pool, "kremlin-comes-round", "kremlin", "2023-03-01")
    await pool.execute(
        "INSERT INTO claim_stances (claim_id, proposition_id, stance) VALUES ($1, $2, 'supports')",
        "kremlin-comes-round",
        DELIVERED,
    )
    (item,), _ = await q.list_propositions(conn, q="delivered", order="asc", after=None, limit=5, languages=EN)
    assert (item.id, item.supporting_claims, item.opposing_claims) == (DELIVERED, 3, 2)
    assert (item.supporting_actors, item.opposing_actors) == (3, 0)
    detail = await q.get_proposition(conn, DELIVERED, EN)
    assert detail is not None
    assert [a.id for a in detail.supporters] == ["kremlin", "us-officials", "hossein-amir-abdollahian"]
    assert detail.opponents == []
    kremlin = detail.actors[0]
    assert [s.claim.id for s in kremlin.stances] == ["kremlin-own-drones", "kremlin-comes-round"]
    assert kremlin.changed_position


async def test_unknown_proposition_is_none(conn: asyncpg.Connection) -> None:
    assert await q.get_proposition(conn, "nothing-here", EN) is None


def relations(plan: dict[str, Any]) -> set[str]:
    """Every table a plan node reads."""
    found = {plan["Relation Name"]} if "Relation Name" in plan else set()
    for child in plan.get("Plans", []):
        found |= relations(child)
    return found


@pytest.mark.parametrize("sql", [q.LIST_PROPOSITIONS_ASC, q.LIST_PROPOSITIONS_DESC])
async def test_the_list_reads_the_tallies_not_the_stances(conn: asyncpg.Connection, sql: str) -> None:
    """The counts come from `proposition_tallies` (kept by triggers): no claim or stance is aggregated per request."""
    for args in ((None, None, 51), ("drones", "a", 51)):
        raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
        plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
        assert relations(plan) == {"propositions", "proposition_tallies"}
