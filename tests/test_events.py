"""`/v1/events`, `/v1/events/{id}` and `/v1/actors/{id}/events` through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories_events import (
    PROBLEM_JSON,
    assert_bad_param,
    events_dataset,
    ids,
    load,
    time_order,
)


@pytest.fixture
async def data(database_url: str) -> dict[str, Any]:
    dataset = events_dataset()
    await load(database_url, dataset)
    return dataset


# --- the list -------------------------------------------------------------------------------------------------


async def test_list_item_has_every_field(client: AsyncTestClient[Litestar], data: dict[str, Any]) -> None:
    response = await client.get("/v1/events", params={"place": "yelabuga"})
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item == {
        "id": "factory-deal",
        "kind": "agreement",
        "when": "2023-02-05",
        "earliest": "2023-02-05",
        "latest": "2023-02-05",
        "title": {"fr": "Accord pour une usine de drones", "en": "Deal on a drone plant"},
        "label": "Deal on a drone plant",
        "summary": {"en": "Moscow and Tehran agree on a plant."},
        "place": {
            "id": "yelabuga",
            "name": "Yelabuga",
            "label": "Yelabuga",
            "labels": {"fr": "Ielabouga", "en": "Yelabuga"},
            "country": "RU",
            "latitude": 55.76,
            "longitude": 52.06,
        },
        "participants": [
            {
                "id": "kremlin",
                "kind": "government_body",
                "name": "Kremlin",
                "label": "Kremlin",
                "labels": {},
                "role": "signatory",
            },
            {
                "id": "iran-mfa",
                "kind": "government_body",
                "name": "Iran MFA",
                "label": "MAE iranien",
                "labels": {"fr": "MAE iranien"},
                "role": "signatory",
            },
        ],
        "tags": ["drones", "factory"],
        "citation_count": 2,
        "claim_count": 2,
    }
    assert response.json()["next_cursor"] is None and "link" not in response.headers


async def test_open_end_is_null_and_no_place_is_null(client: AsyncTestClient[Litestar], data: dict[str, Any]) -> None:
    (item,) = (await client.get("/v1/events", params={"kind": "deployment"})).json()["items"]
    assert (item["when"], item["earliest"], item["latest"], item["place"]) == ("2023-01/..", "2023-01-01", None, None)


async def test_labels_follow_lang_then_accept_language(client: AsyncTestClient[Litestar], data: dict[str, Any]) -> None:
    async def labels(**kwargs: Any) -> tuple[str, str]:
        response = await client.get("/v1/events", params={"place": "yelabuga", **kwargs.pop("params", {})}, **kwargs)
        item = response.json()["items"][0]
        return item["label"], item["place"]["label"]

    assert await labels(params={"lang": "fr"}) == ("Accord pour une usine de drones", "Ielabouga")
    assert await labels(headers={"Accept-Language": "fr, en;q=0.5"}) == (
        "Accord pour une usine de drones",
        "Ielabouga",
    )
    assert await labels(params={"lang": "en"}, headers={"Accept-Language": "fr"}) == (
        "Deal on a drone plant",
        "Yelabuga",
    )
    # No French title: the fallback (en, then fr) is used.
    (item,) = (await client.get("/v1/events", params={"kind": "attack", "lang": "fr"})).json()["items"]
    assert item["label"] == "Drone attack on Kyiv"


async def test_time_order_and_desc(client: AsyncTestClient[Litestar], data: dict[str, Any]) -> None:
    expected = time_order(data["events"])
    assert await ids(client) == expected
    assert await ids(client, order="desc") == expected[::-1]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"from": "2023-02"}, {"factory-deal", "decree", "deployment"}),
        ({"to": "2022-11"}, {"kyiv-attack", "tehran-visit"}),
        ({"from": "2022-11-15", "to": "2022-11-20"}, {"tehran-visit"}),
        ({"from": "2022-10~", "to": "2022-10"}, {"kyiv-attack"}),  # EDTF in the window
        ({"actor": "dmitry-peskov"}, {"tehran-visit"}),
        ({"actor": ["dmitry-peskov", "kremlin"]}, {"tehran-visit", "factory-deal", "deployment"}),
        ({"kind": ["visit", "decree"]}, {"tehran-visit", "decree"}),
        ({"place": "tehran"}, {"tehran-visit"}),
        ({"tag": "drones"}, {"factory-deal", "kyiv-attack"}),
        ({"tag": ["factory", "nothing"]}, {"factory-deal"}),
        ({"proposition": "factory-in-russia"}, {"factory-deal"}),
        ({"q": "usines"}, {"factory-deal"}),
        ({"q": "Teheran"}, {"tehran-visit"}),
        ({"q": "téhéran"}, {"tehran-visit"}),
        ({"actor": "nobody"}, set()),
        ({"actor": "Not An Id"}, set()),
        ({"tag": "drones", "from": "2023-01"}, {"factory-deal"}),
    ],
)
async def test_filters(
    client: AsyncTestClient[Litestar], data: dict[str, Any], params: dict[str, Any], expected: set[str]
) -> None:
    assert set(await ids(client, **params)) == expected


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"kind": "foo"}, "kind"),
        ({"kind": ["visit", "foo"]}, "kind"),
        ({"from": "last tuesday"}, "from"),
        ({"from": "0000"}, "from"),
        ({"to": "Y170000002"}, "to"),
        ({"from": "2023-02", "to": "2023-01"}, "to"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "W10"}, "cursor"),  # base64 of "[]"
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"order": "sideways"}, "order"),
        ({"lang": "not a language"}, "lang"),
        ({"q": "x" * 501}, "q"),
    ],
)
async def test_bad_parameters_are_400_naming_them(
    client: AsyncTestClient[Litestar], params: dict[str, Any], name: str
) -> None:
    assert_bad_param(await client.get("/v1/events", params=params), name)
    assert_bad_param(await client.get("/v1/actors/x/events", params=params), name)


async def test_cursor_of_another_list_or_order_is_400(client: AsyncTestClient[Litestar], data: dict[str, Any]) -> None:
    cursor = (await client.get("/v1/events", params={"limit": 1})).json()["next_cursor"]
    assert_bad_param(await client.get("/v1/events", params={"cursor": cursor, "order": "desc"}), "cursor")
    assert_bad_param(await client.get("/v1/timeline", params={"cursor": cursor}), "cursor")
    assert_bad_param(await client.get("/v1/actors/kremlin/events", params={"cursor": cursor}), "cursor")


@pytest.mark.parametrize(
    "query",
    [
        "q=usine%00s",
        "actor=krem%00lin",
        "place=%00&place=tehran",
        "tag=%FF",
        "q=%ED%A0%80",
        "q=%F0%9F%9A%81%20drone",
        "q=!!!%20%26%20|%20%3C-%3E",
        "q=%20%20%20",
        "q='",
        "proposition=" + "x" * 5000,
        "from=%00",
        "to=%FF",
        "from=2023-02-30",
        "lang=fr&lang=en",
        "limit=99999999999999999999999",
    ],
)
async def test_strange_input_is_never_a_server_error(
    client: AsyncTestClient[Litestar], data: dict[str, Any], query: str
) -> None:
    for path in ("/v1/events", "/v1/actors/kremlin/events", "/v1/timeline"):
        response = await client.get(f"{path}?{query}")
        assert response.status_code in (200, 400), response.text


async def test_nul_in_a_value_matches_nothing_rather_than_failing(
    client: AsyncTestClient[Litestar], data: dict[str, Any]
) -> None:
    assert await ids(client, actor="krem\x00lin") == []
    assert await ids(client, place=["\x00", "tehran"]) == ["tehran-visit"]
    assert await ids(client, q="Teh\x00eran") == []  # two words, neither in any title
    assert await ids(client, q="Teheran\x00") == ["tehran-visit"]


# --- one event ------------------------------------------------------------------------------------------------


async def test_event_detail_embeds_participants_citations_and_claims(
    client: AsyncTestClient[Litestar], data: dict[str, Any]
) -> None:
    listed = (await client.get("/v1/events", params={"place": "yelabuga", "lang": "fr"})).json()["items"][0]
    response = await client.get("/v1/events/factory-deal", params={"lang": "fr"})
    assert response.status_code == 200
    detail = response.json()
    assert {k: v for k, v in detail.items() if k not in ("citations", "claims")} == listed
    assert len(detail["citations"]) == 2
    assert detail["citations"][:1] == [
        {
            "id": "factory-deal@doc-fr",
            "quote": "Le porte-parole a démenti.",
            "language": "fr",
            "start": 0,
            "end": 26,
            "claim": None,
            "event": "factory-deal",
            "source": {
                "id": "doc-fr",
                "title": "Un article",
                "outlet": "news-outlet",
                "language": "fr",
                "published": "2023-02-07",
                "published_earliest": "2023-02-07",
                "published_latest": "2023-02-07",
                "url": None,
                "document": None,
            },
        },
    ]
    undated = detail["citations"][1]
    assert (undated["id"], undated["quote"], undated["language"], undated["start"], undated["end"]) == (
        "factory-deal@doc-undated",
        "« Nous avons nos propres programmes »",
        "en",
        27,
        64,
    )
    assert undated["source"]["published_earliest"] is None and undated["source"]["url"] == "https://example.org/relay"
    assert [c["id"] for c in detail["claims"]] == ["kremlin-confirms", "peskov-denial"]  # 5 then 6 February
    denial = detail["claims"][1]
    assert denial == {
        "id": "peskov-denial",
        "kind": "denial",
        "claimant": {
            "id": "dmitry-peskov",
            "kind": "person",
            "name": "Dmitry Peskov",
            "label": "Dmitri Peskov",
            "labels": {"fr": "Dmitri Peskov", "en": "Dmitry Peskov"},
        },
        "when": "2023-02-06",
        "earliest": "2023-02-06",
        "latest": "2023-02-06",
        "words": "Nous avons nos propres programmes",
        "language": "fr",
        "text": "Nous avons nos propres programmes",
        "quote_type": "direct",
    }
    english = (await client.get("/v1/events/factory-deal", params={"lang": "en"})).json()["claims"][1]
    assert english["text"] == "We have our own programmes"


async def test_event_without_citations_or_claims(client: AsyncTestClient[Litestar], data: dict[str, Any]) -> None:
    detail = (await client.get("/v1/events/decree")).json()
    assert (detail["citations"], detail["claims"], detail["participants"]) == ([], [], [])


@pytest.mark.parametrize("event_id", ["no-such-event", "Factory-Deal", "a%00b", "x" * 300])
async def test_unknown_event_is_404(client: AsyncTestClient[Litestar], data: dict[str, Any], event_id: str) -> None:
    response = await client.get(f"/v1/events/{event_id}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


# --- an actor's events ----------------------------------------------------------------------------------------


async def test_actor_events_with_filters(client: AsyncTestClient[Litestar], data: dict[str, Any]) -> None:
    path = "/v1/actors/kremlin/events"
    mine = [e for e in data["events"] if "kremlin" in {p["actor"] for p in e.get("participants", [])}]
    assert await ids(client, path) == time_order(mine)
    assert await ids(client, path, order="desc") == time_order(mine)[::-1]
    assert await ids(client, path, kind="deployment") == ["deployment"]
    assert await ids(client, path, **{"from": "2023-02-06"}) == ["deployment"]
    assert await ids(client, path, actor="iran-mfa") == ["factory-deal"]  # with another participant
    assert await ids(client, path, q="usine") == ["factory-deal"]
    assert await ids(client, "/v1/actors/news-outlet/events") == []


@pytest.mark.parametrize("actor_id", ["nobody", "Kremlin", "krem%00lin"])
async def test_actor_events_of_unknown_actor_is_404(
    client: AsyncTestClient[Litestar], data: dict[str, Any], actor_id: str
) -> None:
    response = await client.get(f"/v1/actors/{actor_id}/events")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


# --- pagination and cost --------------------------------------------------------------------------------------
