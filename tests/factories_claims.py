"""A small who-said-what story for the claims and propositions tests, and helpers to load and extend it.

Iran's foreign minister first denies deliveries, then admits some (a change of position);
an anonymous group's report is relayed by two outlets; a claim has an open start; two
claims share a day (to pin the tie order); texts are in French and English.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.loader import load_dataset
from api.loader.read import parse_dataset
from schema.edtf import edtf_bounds
from tests.story_factories import actor, citation, claim, event

DELIVERED = "iran-delivered-drones"
FACTORY = "drone-factory-in-russia"
UNUSED = "unused-proposition"


def claims_dataset(name: str = "claims-story") -> dict[str, Any]:
    return {
        "dataset": name,
        "actors": [
            actor(
                "hossein-amir-abdollahian",
                name="Hossein Amir-Abdollahian",
                labels={"en": "Hossein Amir-Abdollahian", "fr": "Hossein Amir-Abdollahian (ministre)"},
            ),
            actor("dmitry-peskov", labels={"fr": "Dmitri Peskov", "en": "Dmitry Peskov"}),
            actor("kremlin", kind="government_body"),
            actor("volodymyr-zelensky"),
            actor("us-officials", kind="anonymous_group"),
            actor("silent-actor"),
            actor("wall-street-journal", kind="media_outlet"),
            actor("presstv", kind="media_outlet"),
        ],
        "sources": [
            {"id": "doc-fr", "title": "Un article", "outlet": "presstv", "language": "fr", "published": "2023-02"},
            {"id": "doc-en", "title": "An article", "outlet": "wall-street-journal", "language": "en"},
        ],
        "propositions": [
            {"id": DELIVERED, "text": {"en": "Iran has delivered drones to Russia", "fr": "L'Iran a livré des drones"}},
            {"id": FACTORY, "text": {"fr": "Une usine de drones est construite en Russie"}},
            {"id": UNUSED, "text": {"en": "Nobody takes a side on this"}},
        ],
        "events": [
            event("wsj-report", kind="report", when="2022-10-20", title={"en": "WSJ report", "fr": "Article du WSJ"}),
            event("fm-press-conference", kind="press_conference", when="2022-11-05", title={"fr": "Conférence"}),
            event("factory-report", kind="report", when="2023-02-05", title={"en": "Factory report"}),
        ],
        "claims": [
            claim(
                "kremlin-own-drones",
                "kremlin",
                kind="assertion",
                when="../2022-09",
                words="Russia uses its own drones",
                language="en",
                stances=[{"proposition": DELIVERED, "stance": "opposes"}],
            ),
            claim("peskov-no-comment", "dmitry-peskov", kind="refusal_to_comment", when="2022-10-18"),
            claim(
                "wsj-drones-shipped",
                "us-officials",
                kind="report",
                when="2022-10-20",
                words="Iran has shipped drones to Russia",
                language="en",
                translations={"fr": "L'Iran a expédié des drones en Russie"},
                quote_type="paraphrase",
                reported_via=[
                    {"actor": "wall-street-journal", "when": "2022-10-20"},
                    {"actor": "presstv", "when": "2022-10"},
                ],
                events=["wsj-report"],
                stances=[{"proposition": DELIVERED, "stance": "supports"}],
                citations=[citation("doc-en", "Le porte-parole a démenti."), citation("doc-fr", "dimanche")],
            ),
            claim(
                "fm-denies",
                "hossein-amir-abdollahian",
                kind="denial",
                when="2022-10-25",
                words="Nous n'avons livré aucun drone",
                said_in="fa",
                translations={"en": "We have delivered no drones"},
                stances=[{"proposition": DELIVERED, "stance": "opposes"}],
                links=[{"claim": "wsj-drones-shipped", "relation": "denies"}],
                citations=[citation("doc-fr", "« Nous avons nos propres programmes »")],
            ),
            claim(
                "fm-admits",
                "hossein-amir-abdollahian",
                kind="admission",
                when="2022-11-05",
                words="Nous avons livré un petit nombre de drones avant la guerre",
                translations={"en": "We delivered a small number of drones before the war"},
                events=["fm-press-conference"],
                stances=[{"proposition": DELIVERED, "stance": "supports"}],
                links=[
                    {"claim": "fm-denies", "relation": "contradicts"},
                    {"claim": "wsj-drones-shipped", "relation": "confirms"},
                ],
            ),
            claim("peskov-same-day-b", "dmitry-peskov", kind="assertion", when="2023-01-10"),
            claim("peskov-same-day-a", "dmitry-peskov", kind="denial", when="2023-01-10"),
            claim(
                "zelensky-factory",
                "volodymyr-zelensky",
                kind="accusation",
                when="2023-02-05",
                words="L'Iran aide la Russie à bâtir une usine de drones à Elabouga",
                reported_via=[{"actor": "presstv"}],
                events=["factory-report"],
                stances=[{"proposition": FACTORY, "stance": "supports"}],
            ),
        ],
    }


def claim_ids_in_time_order(data: dict[str, Any], *, reverse: bool = False) -> list[str]:
    """The claims of a dataset ordered as the API documents: earliest day, then id (both reversed for desc)."""
    keyed = sorted(((edtf_bounds(c["when"]).earliest, c["id"]) for c in data["claims"]), reverse=reverse)
    return [claim_id for _, claim_id in keyed]


async def load(pool: asyncpg.Pool, data: dict[str, Any]) -> None:
    async with pool.acquire() as conn:
        await load_dataset(conn, parse_dataset(data))


async def insert_claim(pool: asyncpg.Pool, claim_id: str, claimant: str, when: str) -> None:
    """A claim written straight into the database (as another writer would while a client pages)."""
    bounds = edtf_bounds(when)
    await pool.execute(
        """INSERT INTO claims (id, claimant_id, kind, when_edtf, earliest, latest, words, language, quote_type)
           VALUES ($1, $2, 'assertion', $3, $4, $5, 'inserted while paging', 'en', 'direct')""",
        claim_id,
        claimant,
        when,
        bounds.earliest,
        bounds.latest,
    )


async def walk(client: AsyncTestClient[Litestar], path: str, between_pages: Any = None, **params: Any) -> list[str]:
    """Every id of every page, following `next_cursor` and checking the `Link` header agrees with it."""
    seen: list[str] = []
    cursor = None
    page = 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            return seen
        assert f"cursor={quote(cursor)}" in response.headers["link"] and 'rel="next"' in response.headers["link"]
        if between_pages is not None:
            await between_pages(page)
        page += 1
