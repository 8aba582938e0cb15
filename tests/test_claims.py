"""`/v1/claims`, `/v1/claims/{id}` and `/v1/actors/{id}/claims` over HTTP, on factories and the story."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.settings import project_root
from schema.edtf import edtf_bounds
from tests.factories_claims import (
    DELIVERED,
    FACTORY,
    claim_ids_in_time_order,
    claims_dataset,
    insert_claim,
    load,
    walk,
)
from tests.querycount import QueryCounter

Client = AsyncTestClient[Litestar]
STORY = project_root() / "data" / "drone-story.yaml"


@pytest.fixture
async def data(pool: asyncpg.Pool) -> dict[str, Any]:
    dataset = claims_dataset()
    await load(pool, dataset)
    return dataset


async def ids(client: Client, path: str, **params: Any) -> list[str]:
    response = await client.get(path, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in body["items"]}


# --- order and pagination ---------------------------------------------------------------------------------------


async def test_claims_come_in_the_order_they_were_said_ties_by_id(client: Client, data: dict[str, Any]) -> None:
    assert await ids(client, "/v1/claims") == claim_ids_in_time_order(data)
    assert await ids(client, "/v1/claims", order="desc") == claim_ids_in_time_order(data, reverse=True)
    ascending = await ids(client, "/v1/claims")
    assert ascending.index("peskov-same-day-a") + 1 == ascending.index("peskov-same-day-b")


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_a_walk_finds_every_claim_once_while_claims_are_inserted(
    client: Client, data: dict[str, Any], pool: asyncpg.Pool, order: str
) -> None:
    async def insert(page: int) -> None:
        # One claim long before and one long after every other: whichever the walk has passed, it must not
        # repeat or skip the claims that were there from the start.
        await insert_claim(pool, f"inserted-early-{page}", "kremlin", "1990-01-01")
        await insert_claim(pool, f"inserted-late-{page}", "kremlin", "2030-01-01")

    seen = await walk(client, "/v1/claims", insert, limit=2, order=order)
    assert len(seen) == len(set(seen))
    assert set(claim_ids_in_time_order(data)) <= set(seen)
    inserted_ahead = {s for s in seen if s.startswith("inserted-late" if order == "asc" else "inserted-early")}
    assert inserted_ahead, "claims inserted ahead of the cursor are served"
    assert not {s for s in seen if s.startswith("inserted-early" if order == "asc" else "inserted-late")}


async def test_statements_per_list_do_not_grow_with_the_page(
    client: Client, data: dict[str, Any], query_counter: QueryCounter
) -> None:
    counts = []
    for limit in (1, 200):
        with query_counter.counting() as counted:
            response = await client.get("/v1/claims", params={"limit": limit})
        assert response.status_code == 200
        counts.append(counted.count)
    assert counts == [1, 1], query_counter.statements
    for limit in (1, 200):
        with query_counter.counting() as counted:
            await client.get("/v1/actors/dmitry-peskov/claims", params={"limit": limit})
        assert counted.count == 1
    with query_counter.counting() as counted:
        await client.get("/v1/claims/fm-admits")
    assert counted.count == 1


# --- filters ----------------------------------------------------------------------------------------------------


async def test_actor_and_kind_are_repeatable(client: Client, data: dict[str, Any]) -> None:
    peskov = [c["id"] for c in data["claims"] if c["claimant"] == "dmitry-peskov"]
    assert sorted(await ids(client, "/v1/claims", actor="dmitry-peskov")) == sorted(peskov)
    both = await ids(client, "/v1/claims", actor=["dmitry-peskov", "kremlin"])
    assert sorted(both) == sorted([*peskov, "kremlin-own-drones"])
    denials = await ids(client, "/v1/claims", kind="denial")
    assert sorted(denials) == sorted(c["id"] for c in data["claims"] if c["kind"] == "denial")
    assert sorted(await ids(client, "/v1/claims", kind=["denial", "admission"])) == sorted([*denials, "fm-admits"])
    assert await ids(client, "/v1/claims", actor="nobody-at-all") == []


async def test_proposition_and_stance_together_and_apart(client: Client, data: dict[str, Any]) -> None:
    on_delivered = await ids(client, "/v1/claims", proposition=DELIVERED)
    assert sorted(on_delivered) == ["fm-admits", "fm-denies", "kremlin-own-drones", "wsj-drones-shipped"]
    opposing = await ids(client, "/v1/claims", proposition=DELIVERED, stance="opposes")
    assert sorted(opposing) == ["fm-denies", "kremlin-own-drones"]
    supporting_anything = await ids(client, "/v1/claims", stance="supports")
    assert sorted(supporting_anything) == ["fm-admits", "wsj-drones-shipped", "zelensky-factory"]
    assert await ids(client, "/v1/claims", proposition=FACTORY, stance="opposes") == []


async def test_event_reported_via_and_source(client: Client, data: dict[str, Any]) -> None:
    assert await ids(client, "/v1/claims", event="fm-press-conference") == ["fm-admits"]
    assert await ids(client, "/v1/claims", reported_via="wall-street-journal") == ["wsj-drones-shipped"]
    # presstv relays two claims, second in one chain and first in the other
    assert await ids(client, "/v1/claims", reported_via="presstv") == ["wsj-drones-shipped", "zelensky-factory"]
    assert await ids(client, "/v1/claims", source="doc-fr") == ["wsj-drones-shipped", "fm-denies"]
    assert await ids(client, "/v1/claims", source="doc-en") == ["wsj-drones-shipped"]


async def test_from_and_to_match_when_said_by_overlap(client: Client, data: dict[str, Any]) -> None:
    def overlapping(start: str, end: str) -> list[str]:
        lo, hi = edtf_bounds(start).earliest, edtf_bounds(end).latest
        return [
            c["id"]
            for c in data["claims"]
            if edtf_bounds(c["when"]).latest >= lo and edtf_bounds(c["when"]).earliest <= hi
        ]

    october = await ids(client, "/v1/claims", **{"from": "2022-10", "to": "2022-10"})
    assert (
        sorted(october)
        == sorted(overlapping("2022-10", "2022-10"))
        == ["fm-denies", "peskov-no-comment", "wsj-drones-shipped"]
    )
    # the open start of "../2022-09" reaches any early window
    assert await ids(client, "/v1/claims", to="1999") == ["kremlin-own-drones"]
    assert sorted(await ids(client, "/v1/claims", **{"from": "2023-01-10"})) == sorted(
        overlapping("2023-01-10", "9999")
    )


async def test_lang_resolves_text_and_keeps_claims_readable_in_it(client: Client, data: dict[str, Any]) -> None:
    english = by_id((await client.get("/v1/claims", params={"lang": "en", "limit": 200})).json())
    readable_in_en = {c["id"] for c in data["claims"] if c["language"] == "en" or "en" in c.get("translations", {})}
    assert set(english) == readable_in_en
    assert english["fm-denies"]["text"] == "We have delivered no drones"
    assert english["fm-denies"]["words"] == "Nous n'avons livré aucun drone"
    french = by_id((await client.get("/v1/claims", params={"lang": "fr", "limit": 200})).json())
    assert "kremlin-own-drones" not in french
    assert french["wsj-drones-shipped"]["text"] == "L'Iran a expédié des drones en Russie"
    assert french["fm-denies"]["text"] == "Nous n'avons livré aucun drone"
    # a regional tag reads the same language
    assert set(by_id((await client.get("/v1/claims", params={"lang": "fr-CA", "limit": 200})).json())) == set(french)


async def test_accept_language_resolves_text_without_filtering(client: Client, data: dict[str, Any]) -> None:
    response = await client.get("/v1/claims", params={"limit": 200}, headers={"Accept-Language": "fr;q=0.9, de"})
    items = by_id(response.json())
    assert set(items) == {c["id"] for c in data["claims"]}
    assert items["wsj-drones-shipped"]["text"] == "L'Iran a expédié des drones en Russie"
    assert items["peskov-no-comment"]["claimant"]["label"] == "Dmitri Peskov"
    # without any preference: English first, then French, then the words
    plain = by_id((await client.get("/v1/claims", params={"limit": 200})).json())
    assert plain["fm-denies"]["text"] == "We have delivered no drones"
    assert plain["peskov-no-comment"]["text"] == plain["peskov-no-comment"]["words"]
    assert plain["peskov-no-comment"]["claimant"]["label"] == "Dmitry Peskov"


async def test_q_stems_french_and_ignores_accents(client: Client, data: dict[str, Any]) -> None:
    assert await ids(client, "/v1/claims", q="usines") == ["zelensky-factory"]  # the words say "usine"
    assert await ids(client, "/v1/claims", q="livre") == ["fm-denies", "fm-admits"]  # "livré", accent dropped
    assert await ids(client, "/v1/claims", q="shipping") == ["wsj-drones-shipped"]  # English stemming
    assert await ids(client, "/v1/claims", q="expédiés") == ["wsj-drones-shipped"]  # a translation matches
    assert await ids(client, "/v1/claims", q='"petit nombre" -guerre') == []
    assert await ids(client, "/v1/claims", q="the") == []  # only stop words: nothing, not an error


async def test_filters_combine(client: Client, data: dict[str, Any]) -> None:
    found = await ids(
        client, "/v1/claims", actor="hossein-amir-abdollahian", proposition=DELIVERED, q="drones", lang="en"
    )
    assert found == ["fm-denies", "fm-admits"]
    assert await ids(client, "/v1/claims", actor="hossein-amir-abdollahian", kind="report") == []


# --- items ------------------------------------------------------------------------------------------------------


async def test_list_items_embed_claimant_relays_events_stances_and_counts(client: Client, data: dict[str, Any]) -> None:
    items = by_id((await client.get("/v1/claims", params={"limit": 200})).json())
    wsj = items["wsj-drones-shipped"]
    assert wsj["claimant"] == {
        "id": "us-officials",
        "kind": "anonymous_group",
        "name": "Us Officials",
        "label": "Us Officials",
        "labels": {},
    }
    assert [(r["actor"]["id"], r["when"], r["earliest"], r["latest"]) for r in wsj["reported_via"]] == [
        ("wall-street-journal", "2022-10-20", "2022-10-20", "2022-10-20"),
        ("presstv", "2022-10", "2022-10-01", "2022-10-31"),
    ]
    assert wsj["events"] == ["wsj-report"]
    assert wsj["stances"] == [{"proposition": DELIVERED, "stance": "supports"}]
    assert wsj["citation_count"] == 2
    assert (wsj["kind"], wsj["when"], wsj["earliest"], wsj["latest"]) == (
        "report",
        "2022-10-20",
        "2022-10-20",
        "2022-10-20",
    )
    assert (wsj["language"], wsj["quote_type"], wsj["said_in"]) == ("en", "paraphrase", None)
    assert wsj["translations"] == {"fr": "L'Iran a expédié des drones en Russie"}
    assert items["fm-denies"]["said_in"] == "fa"
    assert items["zelensky-factory"]["reported_via"][0]["when"] is None
    assert items["peskov-no-comment"]["citation_count"] == 0
    assert (items["peskov-no-comment"]["reported_via"], items["peskov-no-comment"]["stances"]) == ([], [])
    open_start = items["kremlin-own-drones"]
    assert (open_start["when"], open_start["earliest"], open_start["latest"]) == ("../2022-09", None, "2022-09-30")


# --- one claim --------------------------------------------------------------------------------------------------


async def test_a_claim_embeds_everything_around_it(client: Client, data: dict[str, Any]) -> None:
    response = await client.get("/v1/claims/wsj-drones-shipped", params={"lang": "fr"})
    assert response.status_code == 200
    body = response.json()
    assert body["claimant"]["id"] == "us-officials"
    assert body["text"] == "L'Iran a expédié des drones en Russie"
    assert [r["actor"]["id"] for r in body["reported_via"]] == ["wall-street-journal", "presstv"]
    assert body["events"] == [
        {
            "id": "wsj-report",
            "kind": "report",
            "title": {"en": "WSJ report", "fr": "Article du WSJ"},
            "label": "Article du WSJ",
            "when": "2022-10-20",
            "earliest": "2022-10-20",
            "latest": "2022-10-20",
        }
    ]
    assert body["stances"] == [
        {
            "proposition": DELIVERED,
            "stance": "supports",
            "text": {"en": "Iran has delivered drones to Russia", "fr": "L'Iran a livré des drones"},
            "label": "L'Iran a livré des drones",
        }
    ]
    citations = {c["source"]["id"]: c for c in body["citations"]}
    assert set(citations) == {"doc-en", "doc-fr"}
    assert [c["source"]["id"] for c in body["citations"]] == ["doc-fr", "doc-en"]  # dated sources first
    fr = citations["doc-fr"]
    assert (fr["id"], fr["quote"], fr["claim"], fr["event"], fr["language"]) == (
        "wsj-drones-shipped@doc-fr",
        "dimanche",
        "wsj-drones-shipped",
        None,
        "fr",
    )
    assert fr["end"] - fr["start"] == len("dimanche")
    assert fr["source"] == {
        "id": "doc-fr",
        "title": "Un article",
        "outlet": "presstv",
        "language": "fr",
        "published": "2023-02",
        "published_earliest": "2023-02-01",
        "published_latest": "2023-02-28",
        "url": None,
        "document": None,
    }
    assert body["links"] == []
    assert [(link["relation"], link["claim"]["id"]) for link in body["linked_from"]] == [
        ("denies", "fm-denies"),
        ("confirms", "fm-admits"),
    ]
    denial = body["linked_from"][0]["claim"]
    assert denial["claimant"]["label"] == "Hossein Amir-Abdollahian (ministre)"
    assert (denial["text"], denial["words"], denial["earliest"]) == (
        "Nous n'avons livré aucun drone",
        "Nous n'avons livré aucun drone",
        "2022-10-25",
    )


async def test_a_claim_lists_what_it_responds_to(client: Client, data: dict[str, Any]) -> None:
    body = (await client.get("/v1/claims/fm-admits")).json()
    assert [(link["relation"], link["claim"]["id"]) for link in body["links"]] == [
        ("confirms", "wsj-drones-shipped"),
        ("contradicts", "fm-denies"),
    ]
    assert body["links"][1]["claim"]["text"] == "We have delivered no drones"
    assert body["linked_from"] == []
    assert body["events"][0]["label"] == "Conférence"  # the only title there is
    assert body["citations"] == []
    middle = (await client.get("/v1/claims/fm-denies")).json()
    assert [link["claim"]["id"] for link in middle["links"]] == ["wsj-drones-shipped"]
    assert [link["claim"]["id"] for link in middle["linked_from"]] == ["fm-admits"]


@pytest.mark.parametrize("claim_id", ["no-such-claim", "Not A Slug", "x" * 500, "a%00b"])
async def test_an_unknown_claim_is_a_404_problem(client: Client, data: dict[str, Any], claim_id: str) -> None:
    response = await client.get(f"/v1/claims/{claim_id}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


# --- an actor's claims ------------------------------------------------------------------------------------------


async def test_an_actors_claims_in_order_with_the_same_filters(client: Client, data: dict[str, Any]) -> None:
    minister = "/v1/actors/hossein-amir-abdollahian/claims"
    assert await ids(client, minister) == ["fm-denies", "fm-admits"]
    assert await ids(client, minister, order="desc") == ["fm-admits", "fm-denies"]
    assert await ids(client, minister, stance="supports") == ["fm-admits"]
    assert await ids(client, minister, kind="denial", proposition=DELIVERED) == ["fm-denies"]
    assert await ids(client, minister, event="fm-press-conference", q="guerre") == ["fm-admits"]
    assert await ids(client, minister, source="doc-fr", **{"from": "2022-10"}) == ["fm-denies"]
    assert await ids(client, "/v1/actors/presstv/claims", reported_via="presstv") == []
    assert await ids(client, "/v1/actors/silent-actor/claims") == []
    assert await ids(client, "/v1/actors/dmitry-peskov/claims", lang="en") == []


async def test_a_walk_over_an_actors_claims_while_claims_are_inserted(
    client: Client, data: dict[str, Any], pool: asyncpg.Pool
) -> None:
    async def insert(page: int) -> None:
        await insert_claim(pool, f"peskov-late-{page}", "dmitry-peskov", "2030-01-01")
        await insert_claim(pool, f"kremlin-late-{page}", "kremlin", "2030-01-01")

    seen = await walk(client, "/v1/actors/dmitry-peskov/claims", insert, limit=1)
    peskov = [c["id"] for c in data["claims"] if c["claimant"] == "dmitry-peskov"]
    assert seen[: len(peskov)] == [i for i in claim_ids_in_time_order(data) if i in peskov]
    assert len(seen) == len(set(seen)) and all(s.startswith("peskov") for s in seen)
    assert len(seen) > len(peskov)


async def test_claims_of_an_unknown_actor_are_a_404(client: Client, data: dict[str, Any]) -> None:
    for path in ("/v1/actors/nobody/claims", "/v1/actors/NOT%20A%20SLUG/claims"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")
