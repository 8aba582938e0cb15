"""A small cast for the actors and search tests, and helpers to load it and walk pages.

States with their media outlets, people with accented, hyphenated and transliterated names,
ties with EDTF periods, claims and events in French and English (some with HTML-like
characters) so that every field of `/v1/actors` and `/v1/search` has something to show.
"""

from __future__ import annotations

from typing import Any, cast

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.loader import load_dataset, load_dataset_file
from api.loader.read import parse_dataset
from api.settings import project_root
from tests.story_factories import actor, citation, claim, event

STORY = project_root() / "data" / "drone-story.yaml"
ARTICLE = "Téhéran dément. L'usine de drones iraniens à Ielabouga n'existe pas, selon le ministère."


def actors_dataset() -> dict[str, Any]:
    return {
        "dataset": "actors-story",
        "actors": [
            actor(
                "iran",
                kind="state",
                name="Iran",
                labels={"en": "Iran", "fr": "Iran"},
                aliases=["Téhéran", "Tehran"],
                description={"en": "State", "fr": "État"},
                country="IR",
                wikidata="Q794",
            ),
            actor("russia", kind="state", name="Russia", labels={"en": "Russia", "fr": "Russie"}, country="RU"),
            actor(
                "kremlin",
                kind="government_body",
                name="Kremlin",
                country="RU",
                affiliations=[{"actor": "russia", "role": "presidency of"}],
            ),
            actor(
                "dmitry-peskov",
                name="Dmitry Peskov",
                labels={"en": "Dmitry Peskov", "fr": "Dmitri Peskov"},
                aliases=["Peskov", "Dmitri Peskov"],
                description={"en": "Kremlin spokesman", "fr": "Porte-parole du Kremlin"},
                country="RU",
                affiliations=[{"actor": "kremlin", "role": "spokesman", "start": "2012"}],
            ),
            actor(
                "iran-mfa",
                kind="government_body",
                name="Ministry of Foreign Affairs of Iran",
                labels={"fr": "ministère iranien des Affaires étrangères"},
                country="IR",
                affiliations=[{"actor": "iran", "role": "ministry of"}],
            ),
            actor(
                "hossein-amir-abdollahian",
                name="Hossein Amir-Abdollahian",
                description={"fr": "Ministre iranien des Affaires étrangères"},
                country="IR",
                affiliations=[
                    {"actor": "iran-mfa", "role": "foreign minister", "start": "2021-08-25", "end": "2024-05-19"},
                    {"actor": "iran", "role": "envoy", "start": "2011?", "end": "2016~"},
                ],
            ),
            actor(
                "iranian-officials",
                kind="anonymous_group",
                name="Iranian officials",
                country="IR",
                affiliations=[{"actor": "iran", "role": "officials of"}],
            ),
            actor(
                "rt", kind="media_outlet", name="RT", aliases=["Russia Today"], country="RU", affiliated_state="russia"
            ),
            actor("press-tv", kind="media_outlet", name="Press TV", country="IR", affiliated_state="iran"),
            actor("nour-news", kind="media_outlet", name="Nour News", country="IR", affiliated_state="iran"),
        ],
        "sources": [
            {"id": "article-fr", "title": "Un article sur l'usine", "outlet": "press-tv", "language": "fr"},
            {"id": "wire-en", "title": "A wire story", "language": "en", "published": "2023-02-07"},
        ],
        "events": [
            event(
                "factory-deal",
                kind="agreement",
                when="2023-02-05",
                title={"fr": "Accord sur une usine de drones iraniens", "en": "Deal on an Iranian drone factory"},
                summary={"en": "Moscow and Tehran agree on a <b>factory</b> & more."},
                participants=[
                    {"actor": "kremlin", "role": "signatory"},
                    {"actor": "iran-mfa", "role": "signatory"},
                ],
            ),
            event(
                "briefing",
                when="2023-02-06",
                title={"en": "Peskov briefing"},
                participants=[
                    {"actor": "dmitry-peskov", "role": "speaker"},
                    {"actor": "kremlin", "role": "host"},
                ],
            ),
        ],
        "claims": [
            claim(
                "peskov-no-factory",
                "dmitry-peskov",
                kind="denial",
                words="Il n'y a pas d'usine de drones iraniens en Russie",
                translations={"en": "There is no Iranian drone factory in Russia"},
                events=["factory-deal"],
                citations=[citation("article-fr", "L'usine de drones iraniens à Ielabouga n'existe pas", ARTICLE)],
            ),
            claim("peskov-programmes", "dmitry-peskov", kind="assertion", when="2023-02-07"),
            claim(
                "tehran-denies",
                "iran-mfa",
                kind="refusal_to_comment",
                when="2022-11",
                words="Téhéran ne commente pas",
                citations=[citation("wire-en", "Téhéran dément.", ARTICLE)],
            ),
        ],
    }


async def load(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    async with pool.acquire() as conn:
        await load_dataset(cast(asyncpg.Connection, conn), parse_dataset(data))


async def load_story(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await load_dataset_file(cast(asyncpg.Connection, conn), STORY)


async def fetch_page(client: AsyncTestClient[Litestar], url: str) -> dict[str, Any]:
    """One page, checked to be a 200 whose `Link` header agrees with its `next_cursor`."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    if page["next_cursor"] is None:
        assert "link" not in response.headers
    else:
        assert f"cursor={page['next_cursor']}" in response.headers["link"]
        assert response.headers["link"].endswith('rel="next"')
    return page


def with_cursor(url: str, cursor: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}cursor={cursor}"
