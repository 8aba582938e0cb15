"""Every list of the API, walked page by page over the story: each item exactly once, in the same order.

The lists are discovered from the OpenAPI document (GET paths under /v1 whose 200 body has `items`
and `next_cursor`), so a new list endpoint is walked without editing this file. Path ids come from
the story (the id whose sub-list is longest); required query parameters take their documented example.
"""

from __future__ import annotations

import json
import re
from itertools import count
from typing import Any
from urllib.parse import urlencode

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.loader import load_dataset, load_dataset_file
from api.loader.read import parse_dataset
from api.settings import Settings, project_root
from tests.story_factories import actor, citation, claim, event

Client = AsyncTestClient[Litestar]
STORY = project_root() / "data" / "drone-story.yaml"
PAGE = 3
INSERTING_PAGE = 10
MAX_PAGES = 500


def _spec() -> dict[str, Any]:
    app = create_app(Settings())
    document: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(app.openapi_schema.to_schema()))
    return document


SPEC = _spec()


def _is_list(operation: dict[str, Any]) -> bool:
    body = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    name = body.get("$ref", "").rsplit("/", 1)[-1]
    properties = SPEC["components"]["schemas"].get(name, {}).get("properties", {})
    return {"items", "next_cursor"} <= set(properties)


# Walked elsewhere: the changes feed never ends (its next_cursor is where to poll next, tests/test_writes.py and
# tests/test_write_concurrency.py), a resource's history holds one revision per write (tests/test_writes.py), and
# webhooks need an admin key (tests/test_webhooks.py).
_WALKED_ELSEWHERE = ("/v1/changes", "/v1/webhooks", "/v1/webhooks/{webhook_id}/deliveries")


def _walked_here(path: str) -> bool:
    return path not in _WALKED_ELSEWHERE and not path.endswith("/history")


LISTS = sorted(
    path
    for path, item in SPEC["paths"].items()
    if path.startswith("/v1/") and "get" in item and _is_list(item["get"]) and _walked_here(path)
)


def _required_query(path: str) -> dict[str, Any]:
    """Required query parameters, set to their documented example."""
    values: dict[str, Any] = {}
    for parameter in SPEC["paths"][path]["get"].get("parameters", []):
        if parameter["in"] == "query" and parameter.get("required"):
            examples = parameter.get("examples") or {}
            values[parameter["name"]] = next(iter(examples.values()))["value"] if examples else parameter["example"]
    return values


def _has_order(path: str) -> bool:
    return any(p["name"] == "order" for p in SPEC["paths"][path]["get"].get("parameters", []))


def key(item: dict[str, Any]) -> str:
    """An item's identity: its type and id when it has them, else all of it."""
    if "id" in item:
        return f"{item.get('type', '')}:{item['id']}"
    return json.dumps(item, sort_keys=True)


async def fetch(client: Client, url: str) -> tuple[dict[str, Any], str | None]:
    response = await client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"
    link = response.headers.get("link")
    next_url = None
    if link is not None:
        match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert match, f"{url}: malformed Link header {link!r}"
        next_url = match.group(1)
    body: dict[str, Any] = response.json()
    assert (body["next_cursor"] is None) == (next_url is None), f"{url}: next_cursor and Link disagree"
    return body, next_url


def with_query(path: str, query: dict[str, Any]) -> str:
    return f"{path}?{urlencode(query, doseq=True)}"


async def all_at_once(client: Client, path: str, query: dict[str, Any]) -> list[str]:
    """The reference: the whole list with the largest page (walked, should it exceed one page)."""
    keys: list[str] = []
    body, _ = await fetch(client, with_query(path, {**query, "limit": 200}))
    keys += [key(item) for item in body["items"]]
    while body["next_cursor"] is not None:
        body, _ = await fetch(client, with_query(path, {**query, "limit": 200, "cursor": body["next_cursor"]}))
        keys += [key(item) for item in body["items"]]
    return keys


async def walk_cursor(
    client: Client, path: str, query: dict[str, Any], between: Any = None, page: int = PAGE
) -> list[str]:
    keys: list[str] = []
    cursor = None
    for _ in range(MAX_PAGES):
        page_query = {**query, "limit": page} | ({"cursor": cursor} if cursor else {})
        body, _ = await fetch(client, with_query(path, page_query))
        assert len(body["items"]) <= page
        keys += [key(item) for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return keys
        if between is not None:
            await between()
    raise AssertionError(f"{path}: more than {MAX_PAGES} pages")


async def walk_links(client: Client, path: str, query: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    url: str | None = with_query(path, {**query, "limit": PAGE})
    for _ in range(MAX_PAGES):
        assert url is not None
        body, url = await fetch(client, url)
        keys += [key(item) for item in body["items"]]
        if url is None:
            return keys
    raise AssertionError(f"{path}: more than {MAX_PAGES} pages")


async def concrete_path(client: Client, path: str, query: dict[str, Any]) -> str:
    """`path` with its `{id}` replaced by the story id whose list is longest."""
    match = re.fullmatch(r"(/v1/[a-z_-]+)/\{[a-z_]+\}(/.*)?", path)
    if match is None:
        assert "{" not in path, f"cannot substitute the ids of {path}"
        return path
    parent, rest = match.group(1), match.group(2) or ""
    candidates = [item["id"] for item in (await client.get(f"{parent}?limit=200")).json()["items"]]
    assert candidates, f"{parent} is empty: nothing to substitute in {path}"
    sizes = {}
    for candidate in candidates:
        body = (await client.get(with_query(f"{parent}/{candidate}{rest}", {**query, "limit": 200}))).json()
        sizes[candidate] = len(body["items"])
    best = max(candidates, key=lambda c: sizes[c])
    return f"{parent}/{best}{rest}"


@pytest.fixture
async def story(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await load_dataset_file(conn, STORY)


def test_lists_are_discovered() -> None:
    for expected in ("/v1/sources", "/v1/citations"):
        assert expected in LISTS
    assert "/v1/sources/{source_id}" not in LISTS


@pytest.mark.usefixtures("story")
@pytest.mark.parametrize("path", LISTS)
async def test_walk_every_page_once(client: Client, path: str) -> None:
    query = _required_query(path)
    url = await concrete_path(client, path, query)
    reference = await all_at_once(client, url, query)
    assert len(reference) > PAGE, f"{url}: too few items ({len(reference)}) for the walk to mean anything"
    assert len(set(reference)) == len(reference), f"{url}: duplicates in one page"
    assert await walk_cursor(client, url, query) == reference
    assert await walk_links(client, url, query) == reference
    if _has_order(path):
        descending = {**query, "order": "desc"}
        reversed_reference = await all_at_once(client, url, descending)
        assert sorted(reversed_reference) == sorted(reference)
        assert await walk_cursor(client, url, descending) == reversed_reference


@pytest.mark.usefixtures("story")
@pytest.mark.parametrize("path", LISTS)
async def test_walk_while_rows_are_inserted(client: Client, pool: asyncpg.Pool, path: str) -> None:
    """New items landing before and after the cursor never make a page repeat or skip an existing item."""
    query = _required_query(path)
    url = await concrete_path(client, path, query)
    reference = await all_at_once(client, url, query)
    numbers = count()

    async def insert() -> None:
        n = next(numbers)
        when = "2022-07-01" if n % 2 else "2023-12-31"  # before and after most of the story
        async with pool.acquire() as conn:
            await load_dataset(conn, parse_dataset(_extra_dataset(n, when)))

    # At least three pages, so rows land between pages more than once.
    page = max(1, min(INSERTING_PAGE, len(reference) // 3))
    seen = await walk_cursor(client, url, query, between=insert, page=page)
    assert len(seen) == len(set(seen)), f"{url}: an item came twice"
    missing = set(reference) - set(seen)
    assert not missing, f"{url}: skipped {sorted(missing)[:5]}"
    assert next(numbers) > 0, "nothing was inserted"


def _extra_dataset(n: int, when: str) -> dict[str, Any]:
    """A new actor, source, event and claim (with citations), all matching the story's words."""
    source = f"walk-source-{n}"
    quote = "Le porte-parole a démenti."
    return {
        "dataset": f"walk-extra-{n}",
        "title": "Rows inserted while a client pages",
        "actors": [actor(f"walk-actor-{n}", name=f"Walk Drone {n}")],
        "sources": [{"id": source, "title": f"Drones {n}", "language": "fr", "published": when}],
        "events": [
            event(
                f"walk-event-{n}",
                when=when,
                title={"fr": f"Drones iraniens {n}", "en": f"Iranian drones {n}"},
                participants=[{"actor": f"walk-actor-{n}", "role": "speaker"}],
                citations=[citation(source, quote)],
            )
        ],
        "claims": [
            claim(
                f"walk-claim-{n}",
                f"walk-actor-{n}",
                when=when,
                words="Les drones iraniens et l'usine",
                events=[f"walk-event-{n}"],
                citations=[citation(source, quote)],
            )
        ],
    }
