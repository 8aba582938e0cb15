"""`/v1/events` over the shipped story: walks, details, filters and French search."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
import yaml
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories_events import (
    STORY,
    ids,
    load_story,
    walk,
)


@pytest.fixture
async def story(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    await load_story(database_url)
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


# --- the story ------------------------------------------------------------------------------------------------


def story_events() -> list[dict[str, Any]]:
    loader = yaml.SafeLoader
    return list(yaml.load(STORY.read_text(encoding="utf-8"), Loader=loader)["events"])


async def test_story_walk_and_details(client: AsyncTestClient[Litestar], story: asyncpg.Connection) -> None:
    rows = await story.fetch("SELECT id FROM events ORDER BY earliest, id")
    walked = await walk(client, "/v1/events", {"limit": 7})
    assert [i["id"] for i in walked] == [r["id"] for r in rows]
    claims_about = await story.fetch(
        "SELECT ce.event_id, array_agg(c.id ORDER BY c.earliest, c.id) AS claims"
        " FROM claim_events AS ce JOIN claims AS c ON c.id = ce.claim_id GROUP BY ce.event_id"
    )
    cited = dict(await story.fetch("SELECT event_id, count(*) FROM citations WHERE event_id IS NOT NULL GROUP BY 1"))
    for row in claims_about[:10]:
        detail = (await client.get(f"/v1/events/{row['event_id']}")).json()
        assert [c["id"] for c in detail["claims"]] == row["claims"]
        assert detail["claim_count"] == len(row["claims"])
        assert len(detail["citations"]) == detail["citation_count"] == cited.get(row["event_id"], 0)
        assert all(c["source"]["id"] and c["quote"] for c in detail["citations"])


async def test_story_filters(client: AsyncTestClient[Litestar], story: asyncpg.Connection) -> None:
    participant = await story.fetchval(
        "SELECT actor_id FROM event_participants GROUP BY actor_id ORDER BY count(*) DESC, actor_id LIMIT 1"
    )
    expected = await story.fetch(
        "SELECT DISTINCT e.id, e.earliest FROM events AS e JOIN event_participants AS p ON p.event_id = e.id"
        " WHERE p.actor_id = $1 ORDER BY e.earliest, e.id",
        participant,
    )
    assert await ids(client, actor=participant) == [r["id"] for r in expected]
    assert await ids(client, f"/v1/actors/{participant}/events") == [r["id"] for r in expected]
    walked = await walk(client, f"/v1/actors/{participant}/events", {"limit": 2, "order": "desc"})
    assert [i["id"] for i in walked] == [r["id"] for r in expected][::-1]
    proposition = await story.fetchval("SELECT proposition_id FROM claim_stances ORDER BY 1 LIMIT 1")
    about = await story.fetch(
        "SELECT DISTINCT ce.event_id FROM claim_events AS ce JOIN claim_stances AS cs USING (claim_id)"
        " WHERE cs.proposition_id = $1",
        proposition,
    )
    assert set(await ids(client, proposition=proposition)) == {r["event_id"] for r in about}
    january = await ids(client, **{"from": "2023-01", "to": "2023-01"})
    for item in (await client.get("/v1/events", params={"limit": 200})).json()["items"]:
        overlaps = (item["latest"] or "9999") >= "2023-01-01" and (item["earliest"] or "0000") <= "2023-01-31"
        assert (item["id"] in january) == overlaps


async def test_story_french_stemming_and_accents(client: AsyncTestClient[Litestar], story: asyncpg.Connection) -> None:
    events = story_events()

    def french_text(e: dict[str, Any]) -> str:
        return " ".join([e["title"].get("fr", ""), e.get("summary", {}).get("fr", "")])

    with_usine = {e["id"] for e in events if re.search(r"\busine\b", french_text(e))}
    with_teheran = {e["id"] for e in events if "Téhéran" in french_text(e)}
    assert with_usine and with_teheran, "the story mentions the factory and Tehran"
    assert with_usine <= set(await ids(client, q="usines"))
    assert with_teheran <= set(await ids(client, q="Teheran"))
