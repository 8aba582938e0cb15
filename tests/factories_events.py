"""A small story for the events and timeline tests, and helpers to load it and walk pages.

Five events and four claims with every field the read API embeds: places with labels and
coordinates, participants with roles, tags, citations from two sources, claims about events
with stances on propositions, an open-ended event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.loader import load_dataset, load_dataset_file
from api.loader.read import parse_dataset
from api.pgcodecs import init_connection
from api.settings import project_root
from schema.edtf import edtf_bounds
from tests.story_factories import actor, citation, claim, event

STORY = project_root() / "data" / "drone-story.yaml"
PROBLEM_JSON = "application/problem+json"


def events_dataset() -> dict[str, Any]:
    return {
        "dataset": "events-story",
        "actors": [
            actor("dmitry-peskov", labels={"fr": "Dmitri Peskov", "en": "Dmitry Peskov"}),
            actor("kremlin", kind="government_body", country="RU"),
            actor("iran-mfa", kind="government_body", name="Iran MFA", labels={"fr": "MAE iranien"}),
            actor("news-outlet", kind="media_outlet"),
        ],
        "places": [
            {
                "id": "yelabuga",
                "name": "Yelabuga",
                "labels": {"fr": "Ielabouga", "en": "Yelabuga"},
                "country": "RU",
                "latitude": 55.76,
                "longitude": 52.06,
            },
            {"id": "tehran", "name": "Tehran", "labels": {"fr": "Téhéran"}, "country": "IR"},
        ],
        "sources": [
            {
                "id": "doc-fr",
                "title": "Un article",
                "outlet": "news-outlet",
                "language": "fr",
                "published": "2023-02-07",
            },
            {"id": "doc-undated", "title": "A relay", "language": "en", "url": "https://example.org/relay"},
        ],
        "propositions": [
            {"id": "factory-in-russia", "text": {"en": "Iran and Russia build a drone factory in Russia"}},
            {"id": "own-programme", "text": {"en": "Russia has its own drone programme"}},
        ],
        "events": [
            event(
                "factory-deal",
                kind="agreement",
                when="2023-02-05",
                title={"fr": "Accord pour une usine de drones", "en": "Deal on a drone plant"},
                summary={"en": "Moscow and Tehran agree on a plant."},
                place="yelabuga",
                participants=[
                    {"actor": "kremlin", "role": "signatory"},
                    {"actor": "iran-mfa", "role": "signatory"},
                ],
                tags=["drones", "factory"],
                citations=[
                    citation("doc-undated", "« Nous avons nos propres programmes »"),
                    citation("doc-fr", "Le porte-parole a démenti."),
                ],
            ),
            event(
                "tehran-visit",
                kind="visit",
                when="2022-11",
                title={"fr": "Visite à Téhéran"},
                place="tehran",
                participants=[
                    {"actor": "dmitry-peskov", "role": "visitor"},
                    {"actor": "iran-mfa", "role": "host"},
                ],
            ),
            event("kyiv-attack", kind="attack", when="2022-10~", title={"en": "Drone attack on Kyiv"}, tags=["drones"]),
            event("decree", kind="decree", when="2023", title={"fr": "Décret", "en": "Decree"}),
            event(
                "deployment",
                kind="deployment",
                when="2023-01/..",
                title={"en": "Open-ended deployment"},
                participants=[{"actor": "kremlin", "role": "actor"}],
            ),
        ],
        "claims": [
            claim(
                "peskov-denial",
                "dmitry-peskov",
                when="2023-02-06",
                translations={"en": "We have our own programmes"},
                events=["factory-deal"],
                stances=[{"proposition": "own-programme", "stance": "supports"}],
            ),
            claim(
                "kremlin-confirms",
                "kremlin",
                kind="assertion",
                when="2023-02-05",
                words="L'usine sera construite",
                events=["factory-deal"],
                stances=[{"proposition": "factory-in-russia", "stance": "supports"}],
            ),
            claim("kremlin-early", "kremlin", kind="assertion", when="2022-10-15", words="Rien à signaler"),
            claim(
                "iran-denial",
                "iran-mfa",
                when="2022-11",
                words="Aucun drone livré",
                stances=[{"proposition": "factory-in-russia", "stance": "opposes"}],
            ),
        ],
    }


async def load(database_url: str, data: dict[str, Any]) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await init_connection(conn)
        await load_dataset(conn, parse_dataset(data))
    finally:
        await conn.close()


async def load_story(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await init_connection(conn)
        await load_dataset_file(conn, STORY)
    finally:
        await conn.close()


async def insert_event(
    conn: asyncpg.Connection | asyncpg.Pool, event_id: str, day: date, participants: tuple[str, ...] = ()
) -> None:
    """An event written straight to the tables, as another writer would while a reader pages."""
    await conn.execute(
        "INSERT INTO events (id, kind, when_edtf, earliest, latest, title) VALUES ($1, 'statement', $2, $3, $3, $4)",
        event_id,
        day.isoformat(),
        day,
        {"en": event_id},
    )
    for position, actor_id in enumerate(participants):
        await conn.execute(
            "INSERT INTO event_participants (event_id, actor_id, role, position) VALUES ($1, $2, 'actor', $3)",
            event_id,
            actor_id,
            position,
        )


async def insert_claim(conn: asyncpg.Connection | asyncpg.Pool, claim_id: str, claimant: str, day: date) -> None:
    await conn.execute(
        "INSERT INTO claims (id, claimant_id, kind, when_edtf, earliest, latest, words, language, quote_type)"
        " VALUES ($1, $2, 'assertion', $3, $4, $4, 'mots', 'fr', 'direct')",
        claim_id,
        claimant,
        day.isoformat(),
        day,
    )


Between = Callable[[int], Awaitable[None]]


async def walk(
    client: AsyncTestClient[Litestar], path: str, params: dict[str, Any], between_pages: Between | None = None
) -> list[dict[str, Any]]:
    """Every item of a list, page by page, following `next_cursor` (and checking the Link header agrees)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for page_number in range(1000):
        response = await client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            return items
        assert 'rel="next"' in response.headers["link"] and cursor in response.headers["link"]
        if between_pages is not None:
            await between_pages(page_number)
    raise AssertionError("the walk never ended")


def time_order(events: list[dict[str, Any]]) -> list[str]:
    """Event ids by (earliest day, id), the order the API promises, computed from dataset entries."""
    return [e["id"] for e in sorted(events, key=lambda e: (edtf_bounds(e["when"]).earliest, e["id"]))]


async def ids(client: AsyncTestClient[Litestar], path: str = "/v1/events", **params: Any) -> list[str]:
    """The ids of the first page (up to 200 items) of a list."""
    response = await client.get(path, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def assert_bad_param(response: Any, name: str) -> None:
    """A 400 problem whose `errors` name the parameter."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert name in [error["name"] for error in response.json()["errors"]]
