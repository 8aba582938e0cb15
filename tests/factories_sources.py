"""A small dataset about sources and citations, with the facts the tests of both check against.

Five sources cover every case of the publication sort: a month, an open-ended interval, two on
the same day (tie broken by id), and one with no date and no outlet. Citations come from events
and claims, at known offsets, so document order and what each citation backs can be checked.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from api.loader import load_dataset
from api.loader.read import parse_dataset
from tests.story_factories import actor, claim, event

DOCUMENT = "Le porte-parole a démenti. « Nous avons nos propres programmes », a-t-il dit dimanche."


def quote_at(source: str, quote: str) -> dict[str, Any]:
    start = DOCUMENT.index(quote)
    return {"source": source, "quote": quote, "start": start, "end": start + len(quote)}


FIRST = "Le porte-parole a démenti."
SECOND = "« Nous avons nos propres programmes »"
THIRD = "a-t-il dit dimanche."

# Publication order (asc): earliest possible day, then id; undated last.
SOURCES_IN_ORDER = ["src-early", "src-range", "src-mid-a", "src-mid-b", "src-undated"]


def sources_dataset(name: str = "sources-story") -> dict[str, Any]:
    return {
        "dataset": name,
        "title": "Sources and citations",
        "actors": [
            actor("outlet-a", kind="media_outlet", name="Outlet A", labels={"en": "Outlet A", "fr": "Média A"}),
            actor("outlet-b", kind="media_outlet", name="Outlet B"),
            actor("speaker", name="Spokes Person", labels={"en": "The spokesman", "fr": "Le porte-parole"}),
        ],
        "sources": [
            # Listed out of order on purpose: the API sorts, not the file.
            {"id": "src-undated", "title": "Undated", "language": "en"},
            {"id": "src-mid-b", "title": "Mid B", "outlet": "outlet-b", "language": "en", "published": "2023-02-05"},
            {
                "id": "src-mid-a",
                "title": "Mid A",
                "outlet": "outlet-a",
                "language": "fr",
                "published": "2023-02-05",
                "url": "https://example.org/mid-a",
                "document": "mid-a.txt",
                "sha256": "0" * 64,
            },
            {"id": "src-range", "title": "Range", "outlet": "outlet-a", "language": "fr-CA", "published": "2022-11/.."},
            {"id": "src-early", "title": "Early", "outlet": "outlet-a", "language": "fr", "published": "2022-10"},
        ],
        "events": [
            event(
                "ev-report",
                kind="report",
                when="2023-02-05",
                title={"en": "The report", "fr": "Le rapport"},
                citations=[quote_at("src-early", THIRD), quote_at("src-mid-a", FIRST)],
            ),
            event("ev-other", when="2022-10-17", title={"fr": "Autre"}),
        ],
        "claims": [
            claim(
                "cl-denial",
                "speaker",
                when="2023-02-06",
                words="Nous avons nos propres programmes",
                translations={"en": "We have our own programmes"},
                citations=[quote_at("src-early", SECOND), quote_at("src-mid-b", SECOND)],
            ),
            claim(
                "cl-long",
                "speaker",
                kind="assertion",
                when="2022-10",
                words="x" * 300,
                citations=[quote_at("src-early", FIRST)],
            ),
        ],
    }


async def load(pool: asyncpg.Pool, raw: dict[str, Any]) -> None:
    async with pool.acquire() as conn:
        await load_dataset(conn, parse_dataset(raw))
