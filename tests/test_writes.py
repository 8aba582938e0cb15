"""Writes over HTTP: every status, merge patches, history, tombstones, and the feed seeing each write at once."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.story_factories import claim, event
from tests.write_helpers import bearer, fetchval, load_small_story, make_key

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def token(database_url: str) -> str:
    await load_small_story(database_url)
    return await make_key(database_url, "editor")


async def revisions_of(url: str, resource_type: str, resource_id: str) -> int:
    sql = "SELECT count(*) FROM revisions WHERE resource_type = $1 AND resource_id = $2"
    count: int = await fetchval(url, sql, resource_type, resource_id)
    return count


async def feed(client: Client, **params: Any) -> list[dict[str, Any]]:
    """Every change the feed serves, walking it from the beginning."""
    items: list[dict[str, Any]] = []
    after = None
    while True:
        query = {**params, "limit": 200, **({"after": after} if after else {})}
        page = (await client.get("/v1/changes", params=query)).json()
        items += page["items"]
        after = page["next_cursor"]
        if not page["has_more"]:
            return items


async def test_post_answers_201_and_the_write_is_in_the_feed_and_the_read_api_at_once(
    client: Client, token: str
) -> None:
    body = event("new-visit", kind="visit", participants=[{"actor": "dmitry-peskov", "role": "visitor"}])
    response = await client.post("/v1/events", json=body, headers=bearer(token))

    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/v1/events/new-visit"
    assert response.headers["etag"] == '"v1"'
    state = response.json()
    assert state["participants"] == [{"actor": "dmitry-peskov", "role": "visitor"}]
    assert state["kind"] == "visit" and state["place"] is None

    read = await client.get("/v1/events/new-visit")
    assert read.status_code == 200, read.text
    assert read.json()["id"] == "new-visit"

    last = (await feed(client))[-1]
    assert (last["type"], last["id"], last["operation"], last["version"]) == ("events", "new-visit", "upsert", 1)
    assert last["state"] == state
    assert [c["id"] for c in await feed(client, types="events", actor="dmitry-peskov")][-1] == "new-visit"
    assert "new-visit" not in {c["id"] for c in await feed(client, types="claims")}


async def test_without_a_key_401_with_a_challenge_and_nothing_written(client: Client, token: str) -> None:
    body = event("anonymous-event")
    missing = await client.post("/v1/events", json=body)
    wrong = await client.post("/v1/events", json=body, headers=bearer("tl_not-a-token"))
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in wrong.headers["www-authenticate"]
    assert (await client.get("/v1/events/anonymous-event/history")).status_code == 404


async def test_a_revoked_key_stops_working(client: Client, token: str, database_url: str) -> None:
    await fetchval(database_url, "UPDATE api_keys SET revoked_at = now() WHERE name = 'editor'")
    response = await client.post("/v1/events", json=event("late"), headers=bearer(token))
    assert response.status_code == 401


async def test_a_read_key_gets_403(client: Client, token: str, database_url: str) -> None:
    reader = await make_key(database_url, "reader", scope="read")
    response = await client.post("/v1/events", json=event("not-allowed"), headers=bearer(reader))
    assert response.status_code == 403
    assert "'write'" in response.json()["detail"]
    admin = await make_key(database_url, "boss", scope="admin")
    assert (await client.post("/v1/events", json=event("allowed"), headers=bearer(admin))).status_code == 201


async def test_bodies_over_256_kib_get_413_before_parsing(client: Client, token: str) -> None:
    huge = b"{" + b" " * (300 * 1024)  # not even JSON: the size is refused first
    response = await client.post(
        "/v1/claims", content=huge, headers=bearer(token, **{"Content-Type": "application/json"})
    )
    assert response.status_code == 413
    ok = await client.post("/v1/claims", content=b"{", headers=bearer(token, **{"Content-Type": "application/json"}))
    assert ok.status_code == 400


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (claim("c1", "nobody"), "claimant: unknown actor 'nobody'"),
        (claim("c2", "kremlin", kind="rumour"), "kind: Invalid enum value 'rumour'"),
        (claim("c3", "kremlin", when="yesterday"), "when: "),
        (claim("c4", "kremlin", events=["no-such-event"]), "events[0]: unknown event 'no-such-event'"),
        ({"id": "c5", "claimant": "kremlin"}, "required field is missing"),
        ({**claim("c6", "kremlin"), "colour": "red"}, "colour: unknown field"),
        (claim("c7", "kremlin", words="x" * 4001), "words: Expected `str` of length <= 4000"),
    ],
)
async def test_invalid_writes_get_422_naming_the_field_and_change_nothing(
    client: Client, token: str, database_url: str, body: dict[str, Any], detail: str
) -> None:
    changes_before = await fetchval(database_url, "SELECT count(*) FROM changes")
    response = await client.post("/v1/claims", json=body, headers=bearer(token))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert detail in problem["detail"]
    assert problem["errors"][0]["source"] == "body"
    assert await fetchval(database_url, "SELECT count(*) FROM claims WHERE id = $1", body["id"]) == 0
    assert await fetchval(database_url, "SELECT count(*) FROM changes") == changes_before


@pytest.mark.parametrize("url", ["\u001f$OU\t3", "ftp://example.org/a", "https://with space.org"])
async def test_a_source_url_must_be_http_or_https(client: Client, token: str, database_url: str, url: str) -> None:
    body = {"id": "bad-url", "title": "T", "language": "fr", "url": url}
    response = await client.post("/v1/sources", json=body, headers=bearer(token))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["name"] == "url"
    assert await fetchval(database_url, "SELECT count(*) FROM sources WHERE id = 'bad-url'") == 0


async def test_creating_an_existing_id_is_409(client: Client, token: str) -> None:
    response = await client.post(
        "/v1/actors", json={"id": "kremlin", "kind": "state", "name": "K"}, headers=bearer(token)
    )
    assert response.status_code == 409
    assert response.headers["location"] == "/v1/actors/kremlin"


async def test_patch_merges_and_needs_the_current_etag(client: Client, token: str, database_url: str) -> None:
    url = "/v1/events/press-briefing"
    merge = {"Content-Type": "application/merge-patch+json"}
    no_if_match = await client.patch(url, json={"summary": {"en": "x"}}, headers=bearer(token, **merge))
    assert no_if_match.status_code == 428

    response = await client.patch(
        url,
        json={"summary": {"en": "Peskov speaks"}, "place": None},
        headers=bearer(token, **merge, **{"If-Match": '"v1"'}),
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"v2"'
    assert response.json()["summary"] == {"en": "Peskov speaks"}
    assert response.json()["place"] is None
    assert response.json()["participants"] == [{"actor": "dmitry-peskov", "role": "speaker"}]

    stale = await client.patch(url, json={"tags": []}, headers=bearer(token, **merge, **{"If-Match": '"v1"'}))
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == '"v2"'
    # A GET detail ETag carrying the version ("v2.<hash>") is accepted as well.
    fresh = await client.patch(url, json={"tags": []}, headers=bearer(token, **merge, **{"If-Match": '"v2.0a1b"'}))
    assert fresh.status_code == 200 and fresh.headers["etag"] == '"v3"'
    assert await revisions_of(database_url, "events", "press-briefing") == 3


async def test_a_patched_date_moves_the_event_in_its_actors_timeline(client: Client, token: str) -> None:
    """Participants carry their event's dates (migration 0012): a write of the date moves them too."""
    window = {"actor": "dmitry-peskov", "from": "2031-03-01", "to": "2031-03-31"}
    assert (await client.get("/v1/timeline", params=window)).json()["items"] == []
    response = await client.patch(
        "/v1/events/press-briefing",
        json={"when": "2030/2031-03"},
        headers=bearer(token, **{"Content-Type": "application/merge-patch+json", "If-Match": '"v1"'}),
    )
    assert response.status_code == 200, response.text
    items = (await client.get("/v1/timeline", params=window)).json()["items"]
    assert [(item["type"], item["id"]) for item in items] == [("event", "press-briefing")]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"id": "renamed"}, "id"),
        ({"kind": "party"}, "kind"),
        ({"place": "atlantis"}, "place"),
        ({"citations": []}, "citations"),
    ],
)
async def test_an_invalid_patch_is_422_and_changes_nothing(
    client: Client, token: str, database_url: str, patch: dict[str, Any], field: str
) -> None:
    response = await client.patch(
        "/v1/events/press-briefing", json=patch, headers=bearer(token, **{"If-Match": '"v1"'})
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["name"] == field
    assert await fetchval(database_url, "SELECT version FROM events WHERE id = 'press-briefing'") == 1


async def test_patch_takes_only_json_bodies(client: Client, token: str) -> None:
    response = await client.patch(
        "/v1/events/press-briefing",
        content=b"summary=x",
        headers=bearer(token, **{"If-Match": '"v1"', "Content-Type": "application/x-www-form-urlencoded"}),
    )
    assert response.status_code == 415


async def test_deleting_a_referenced_actor_is_409_naming_the_references(client: Client, token: str) -> None:
    response = await client.delete("/v1/actors/dmitry-peskov", headers=bearer(token, **{"If-Match": '"v1"'}))
    assert response.status_code == 409
    problem = response.json()
    assert "claims 'peskov-own-programmes' (claimant)" in problem["detail"]
    assert {"type": "events", "id": "press-briefing", "field": "participants"} in problem["references"]
    assert (await client.get("/v1/actors/dmitry-peskov/history")).json()["items"][0]["operation"] == "create"


async def test_deleted_resources_answer_410_keep_their_history_and_feed_the_deletion(
    client: Client, token: str, database_url: str
) -> None:
    assert (await client.delete("/v1/claims/kremlin-repeats")).status_code == 401
    assert (await client.delete("/v1/claims/kremlin-repeats", headers=bearer(token))).status_code == 428
    stale = await client.delete("/v1/claims/kremlin-repeats", headers=bearer(token, **{"If-Match": '"v7"'}))
    assert stale.status_code == 412
    response = await client.delete("/v1/claims/kremlin-repeats", headers=bearer(token, **{"If-Match": "*"}))
    assert response.status_code == 204

    assert (await client.get("/v1/claims/kremlin-repeats")).status_code == 410
    again = await client.patch("/v1/claims/kremlin-repeats", json={}, headers=bearer(token, **{"If-Match": "*"}))
    assert again.status_code == 410
    history = (await client.get("/v1/claims/kremlin-repeats/history")).json()["items"]
    assert [(r["version"], r["operation"], r["state"] is None) for r in history] == [
        (2, "delete", True),
        (1, "create", False),
    ]
    last = (await feed(client))[-1]
    assert (last["id"], last["operation"], last["version"], last["state"]) == ("kremlin-repeats", "delete", 2, None)
    assert (await client.get("/v1/claims/no-such-claim")).status_code == 404

    recreated = await client.post("/v1/claims", json=claim("kremlin-repeats", "kremlin"), headers=bearer(token))
    assert recreated.status_code == 201 and recreated.headers["etag"] == '"v3"'
    assert await fetchval(database_url, "SELECT count(*) FROM tombstones") == 0


async def test_deleting_a_claim_deletes_its_citations_through_the_write_path(client: Client, token: str) -> None:
    response = await client.delete("/v1/claims/peskov-own-programmes", headers=bearer(token, **{"If-Match": '"v1"'}))
    assert response.status_code == 204
    deleted = [(c["type"], c["id"]) for c in await feed(client) if c["operation"] == "delete"]
    assert deleted == [("citations", "peskov-own-programmes@doc-1"), ("claims", "peskov-own-programmes")]
    assert (await client.get("/v1/citations/peskov-own-programmes@doc-1/history")).json()["items"][0]["key"] == "editor"


async def test_citations_are_written_on_their_own_or_nested(client: Client, token: str) -> None:
    quote = {"source": "doc-1", "quote": "Le porte-parole", "start": 0, "end": 15}
    nested = await client.post(
        "/v1/claims", json=claim("new-claim", "kremlin", citations=[quote]), headers=bearer(token)
    )
    assert nested.status_code == 201, nested.text
    assert "citations" not in nested.json()  # citations are resources of their own
    alone = await client.post("/v1/citations", json={**quote, "event": "decree"}, headers=bearer(token))
    assert alone.status_code == 201, alone.text
    assert alone.headers["location"] == "/v1/citations/decree@doc-1"
    moved = await client.patch(
        "/v1/citations/decree@doc-1", json={"event": "press-briefing"}, headers=bearer(token, **{"If-Match": '"v1"'})
    )
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["name"] == "event"
    requoted = await client.patch(
        "/v1/citations/decree@doc-1",
        json={"event": "decree", "quote": "Le porte", "end": 8},
        headers=bearer(token, **{"If-Match": '"v1"'}),
    )
    assert requoted.status_code == 200, requoted.text
    assert requoted.json() == {**quote, "quote": "Le porte", "end": 8, "event": "decree", "claim": None}
    unknown = await client.post("/v1/citations", json={**quote, "claim": "nope"}, headers=bearer(token))
    assert unknown.status_code == 422 and unknown.json()["detail"] == "claim: unknown claim 'nope'"
    ids = [(c["type"], c["id"], c["version"]) for c in await feed(client)][-4:]
    assert ids == [
        ("claims", "new-claim", 1),
        ("citations", "new-claim@doc-1", 1),
        ("citations", "decree@doc-1", 1),
        ("citations", "decree@doc-1", 2),
    ]


async def test_history_is_newest_first_and_paginated(client: Client, token: str) -> None:
    for version in (1, 2, 3):
        response = await client.patch(
            "/v1/propositions/own-programme",
            json={"text": {"en": f"Text {version}"}},
            headers=bearer(token, **{"If-Match": f'"v{version}"'}),
        )
        assert response.status_code == 200
    first = await client.get("/v1/propositions/own-programme/history", params={"limit": 3})
    page = first.json()
    assert [r["version"] for r in page["items"]] == [4, 3, 2]
    assert page["items"][0]["state"] == {"id": "own-programme", "text": {"en": "Text 3"}}
    assert page["items"][0]["key"] == "editor" and page["items"][0]["etag"] == '"v4"'
    assert 'rel="next"' in first.headers["link"]
    rest = (await client.get(first.headers["link"].split(";")[0].strip("<>"))).json()
    assert [(r["version"], r["key"]) for r in rest["items"]] == [(1, "loader")]
    assert rest["next_cursor"] is None
    bad = await client.get("/v1/propositions/own-programme/history", params={"cursor": page["next_cursor"][:-2]})
    assert bad.status_code == 400
    other = await client.get("/v1/events/decree/history", params={"cursor": page["next_cursor"]})
    assert other.status_code == 400


async def test_the_feed_rejects_bad_parameters(client: Client) -> None:
    assert (await client.get("/v1/changes", params={"after": "nope"})).status_code == 400
    assert (await client.get("/v1/changes", params={"cursor": "nope"})).status_code == 400
    assert (await client.get("/v1/changes", params={"types": "events,rumours"})).status_code == 400
    assert (await client.get("/v1/changes", params={"actor": "Not An Id"})).status_code == 400
    empty = (await client.get("/v1/changes")).json()
    assert empty == {"items": [], "next_cursor": None, "has_more": False}
