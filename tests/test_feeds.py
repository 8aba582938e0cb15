"""`/v1/feeds/claims.atom` and `/v1/feeds/events.atom`: valid Atom 1.0 read back with feedparser."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import feedparser
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.atom import TAG_AUTHORITY
from api.loader import load_dataset_file
from api.settings import project_root
from tests.querycount import QueryCounter
from tests.write_helpers import bearer, make_key

Client = AsyncTestClient[Litestar]
STORY = project_root() / "data" / "drone-story.yaml"
BASE = "http://testserver.local"


@pytest.fixture
async def story(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await load_dataset_file(conn, STORY)


async def parsed(client: Client, path: str, **params: Any) -> Any:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    document = feedparser.parse(response.content)
    assert document.bozo == 0, document.get("bozo_exception")
    assert document.version == "atom10"
    return document


async def json_ids(client: Client, path: str, **params: Any) -> list[str]:
    response = await client.get(path, params={**params, "order": "desc", "limit": 200})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def alternate(entry: Any) -> str:
    """The entry's `rel="alternate"` link (feedparser's `entry.link` only takes HTML ones)."""
    (href,) = [link.href for link in entry.links if link.rel == "alternate"]
    assert isinstance(href, str)
    return href


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def revision_stamps(pool: asyncpg.Pool, resource_type: str) -> dict[str, tuple[str, str]]:
    rows = await pool.fetch(
        "SELECT resource_id, min(at) AS first, max(at) AS last FROM revisions WHERE resource_type = $1 "
        "GROUP BY resource_id",
        resource_type,
    )
    return {row["resource_id"]: (stamp(row["first"]), stamp(row["last"])) for row in rows}


async def test_the_claims_feed_lists_every_claim_newest_said_first_with_ids_titles_times_and_links(
    client: Client, story: None, pool: asyncpg.Pool
) -> None:
    document = await parsed(client, "/v1/feeds/claims.atom", limit=200)

    expected = await json_ids(client, "/v1/claims")
    assert [entry.id for entry in document.entries] == [f"{TAG_AUTHORITY}claims/{i}" for i in expected]
    assert [alternate(entry) for entry in document.entries] == [f"{BASE}/v1/claims/{i}" for i in expected]
    stamps = await revision_stamps(pool, "claims")
    assert [(entry.published, entry.updated) for entry in document.entries] == [stamps[i] for i in expected]
    assert document.feed.updated == max(entry.updated for entry in document.entries)
    assert document.feed.id == f"{TAG_AUTHORITY}feeds/claims.atom"

    rows = {
        r["id"]: r for r in await pool.fetch("SELECT c.*, a.name FROM claims c JOIN actors a ON a.id = claimant_id")
    }
    first = document.entries[0]
    claim = rows[expected[0]]
    assert first.title.startswith(f"{claim['name']} ({claim['kind']}, {claim['when_edtf']}): ")
    assert first.author == claim["name"]
    assert [tag.term for tag in first.tags] == [claim["kind"]]
    links = {link.rel: link.href for link in document.feed.links}
    assert links["self"] == f"{BASE}/v1/feeds/claims.atom?limit=200"
    assert links["alternate"] == f"{BASE}/v1/claims?order=desc"
    assert "next" not in links


async def test_actor_filter_is_a_feed_of_what_that_actor_says(client: Client, story: None) -> None:
    document = await parsed(client, "/v1/feeds/claims.atom", actor="dmitry-peskov")

    peskov = await json_ids(client, "/v1/claims", actor="dmitry-peskov")
    assert len(peskov) >= 2
    assert [entry.id.rsplit("/", 1)[1] for entry in document.entries] == peskov
    assert {entry.author for entry in document.entries} == {"Dmitry Peskov"}
    assert document.feed.id == f"{TAG_AUTHORITY}feeds/claims.atom?actor=dmitry-peskov"
    assert "actor=dmitry-peskov" in document.feed.title


async def test_claim_filters_and_language_are_those_of_the_list(client: Client, story: None) -> None:
    params = {"kind": "denial", "from": "2023-02", "to": "2023-02", "lang": "en"}
    document = await parsed(client, "/v1/feeds/claims.atom", **params)

    expected = await json_ids(client, "/v1/claims", **params)
    assert expected
    assert [entry.id.rsplit("/", 1)[1] for entry in document.entries] == expected
    english = (await client.get("/v1/claims", params={**params, "order": "desc"})).json()["items"]
    assert [entry.summary.split(": ", 1)[1] for entry in document.entries] == [item["text"] for item in english]


async def test_next_links_page_back_in_time_without_overlap(client: Client, story: None) -> None:
    document = await parsed(client, "/v1/feeds/claims.atom", limit=20)
    seen = [entry.id for entry in document.entries]
    while next_links := [link.href for link in document.feed.links if link.rel == "next"]:
        response = await client.get(next_links[0].removeprefix(BASE))
        document = feedparser.parse(response.content)
        assert document.bozo == 0
        seen += [entry.id for entry in document.entries]
    expected = await json_ids(client, "/v1/claims")
    assert seen == [f"{TAG_AUTHORITY}claims/{i}" for i in expected]


async def test_an_edit_moves_the_entry_updated_time_and_the_feed_updated_time(
    client: Client, story: None, pool: asyncpg.Pool, database_url: str
) -> None:
    token = await make_key(database_url, "editor")
    before = await parsed(client, "/v1/feeds/claims.atom", actor="dmitry-peskov")
    target = before.entries[-1].id.rsplit("/", 1)[1]
    # Revision times have second precision in Atom: make the edit land in a later second than the load.
    await pool.execute("UPDATE revisions SET at = at - interval '1 hour'")

    patched = await client.patch(
        f"/v1/claims/{target}",
        json={"translations": {"de": "Eine neue Übersetzung."}},
        headers=bearer(token, **{"If-Match": "*", "Content-Type": "application/merge-patch+json"}),
    )
    assert patched.status_code == 200, patched.text

    after = await parsed(client, "/v1/feeds/claims.atom", actor="dmitry-peskov")
    entry = next(e for e in after.entries if e.id.endswith(f"/{target}"))
    assert entry.updated > entry.published
    assert after.feed.updated == entry.updated
    others = [e for e in after.entries if e is not entry]
    assert all(e.updated == e.published for e in others)


async def test_text_with_markup_and_control_characters_stays_valid_xml(
    client: Client, story: None, database_url: str
) -> None:
    token = await make_key(database_url, "editor")
    words = 'Peskov: <b>no</b> & "never" \x01\x1f drones </summary></entry>'
    body = {
        "id": "peskov-markup",
        "claimant": "dmitry-peskov",
        "kind": "denial",
        "when": "2023-03-01",
        "words": words,
        "language": "en",
        "quote_type": "paraphrase",
    }
    created = await client.post("/v1/claims", json=body, headers=bearer(token))
    assert created.status_code == 201, created.text

    document = await parsed(client, "/v1/feeds/claims.atom", actor="dmitry-peskov")
    entry = next(e for e in document.entries if e.id.endswith("/peskov-markup"))
    assert entry.summary.endswith('Peskov: <b>no</b> & "never"  drones </summary></entry>')


async def test_the_events_feed_lists_events_with_ids_titles_times_links_and_filters(
    client: Client, story: None, pool: asyncpg.Pool
) -> None:
    document = await parsed(client, "/v1/feeds/events.atom", limit=200, lang="en")

    expected = await json_ids(client, "/v1/events")
    assert [entry.id for entry in document.entries] == [f"{TAG_AUTHORITY}events/{i}" for i in expected]
    assert [alternate(entry) for entry in document.entries] == [f"{BASE}/v1/events/{i}" for i in expected]
    stamps = await revision_stamps(pool, "events")
    assert [(entry.published, entry.updated) for entry in document.entries] == [stamps[i] for i in expected]
    listed = (await client.get("/v1/events", params={"order": "desc", "limit": 200, "lang": "en"})).json()["items"]
    assert [entry.title for entry in document.entries] == [f"{item['label']} ({item['when']})" for item in listed]

    filtered = await parsed(client, "/v1/feeds/events.atom", actor="dmitry-peskov", kind="statement")
    wanted = await json_ids(client, "/v1/events", actor="dmitry-peskov", kind="statement")
    assert [entry.id.rsplit("/", 1)[1] for entry in filtered.entries] == wanted


async def test_an_empty_feed_is_still_valid(client: Client, story: None) -> None:
    document = await parsed(client, "/v1/feeds/claims.atom", actor="nobody-at-all")
    assert document.entries == []
    assert document.feed.updated == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize("path", ["/v1/feeds/claims.atom", "/v1/feeds/events.atom"])
async def test_two_statements_per_feed_whatever_its_length(
    client: Client, story: None, query_counter: QueryCounter, path: str
) -> None:
    for limit in (1, 10, 200):
        with query_counter.counting() as counted:
            response = await client.get(path, params={"limit": limit})
        assert response.status_code == 200
        assert counted.count == 2, counted.statements


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        ("/v1/feeds/claims.atom", {"kind": "rumour"}, "kind"),
        ("/v1/feeds/claims.atom", {"from": "not-a-date"}, "from"),
        ("/v1/feeds/claims.atom", {"cursor": "garbage"}, "cursor"),
        ("/v1/feeds/claims.atom", {"limit": "0"}, "limit"),
        ("/v1/feeds/events.atom", {"kind": "rumour"}, "kind"),
        ("/v1/feeds/events.atom", {"cursor": "garbage"}, "cursor"),
    ],
)
async def test_bad_parameters_are_400_problems_naming_the_field(
    client: Client, path: str, params: dict[str, str], name: str
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert name in response.text
