"""Small plain functions that build story datasets (as raw mappings, the way YAML gives them)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

DOCUMENT = "Le porte-parole a démenti. « Nous avons nos propres programmes », a-t-il dit dimanche."


def actor(actor_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": actor_id, "kind": "person", "name": actor_id.replace("-", " ").title(), **fields}


def event(event_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": event_id, "kind": "statement", "when": "2023-02-06", "title": {"en": event_id}, **fields}


def claim(claim_id: str, claimant: str, **fields: Any) -> dict[str, Any]:
    base = {
        "id": claim_id,
        "claimant": claimant,
        "kind": "denial",
        "when": "2023-02-06",
        "words": "Nous avons nos propres programmes",
        "language": "fr",
        "quote_type": "direct",
    }
    return {**base, **fields}


def citation(source: str, quote: str, document: str = DOCUMENT) -> dict[str, Any]:
    start = document.index(quote)
    return {"source": source, "quote": quote, "start": start, "end": start + len(quote)}


def small_dataset(name: str = "test-story") -> dict[str, Any]:
    """Three actors, a place, a source, a proposition, two events and three claims, all cross-referenced."""
    return copy.deepcopy(
        {
            "dataset": name,
            "title": "A small story",
            "actors": [
                actor("kremlin", kind="government_body", country="RU"),
                actor(
                    "dmitry-peskov",
                    aliases=["Dmitri Peskov"],
                    labels={"fr": "Dmitri Peskov", "en": "Dmitry Peskov"},
                    affiliations=[{"actor": "kremlin", "role": "spokesman", "start": "2012"}],
                ),
                actor("news-outlet", kind="media_outlet"),
            ],
            "places": [{"id": "moscow", "name": "Moscow", "country": "RU", "latitude": 55.75, "longitude": 37.62}],
            "sources": [{"id": "doc-1", "title": "A document", "outlet": "news-outlet", "language": "fr"}],
            "propositions": [{"id": "own-programme", "text": {"en": "Russia has its own drone programme"}}],
            "events": [
                event(
                    "press-briefing",
                    place="moscow",
                    participants=[{"actor": "dmitry-peskov", "role": "speaker"}],
                    tags=["drones"],
                    citations=[citation("doc-1", "Le porte-parole a démenti.")],
                ),
                event("decree", kind="decree", when="2022-12~", title={"en": "Decree", "fr": "Décret"}),
            ],
            "claims": [
                claim(
                    "peskov-own-programmes",
                    "dmitry-peskov",
                    events=["press-briefing"],
                    stances=[{"proposition": "own-programme", "stance": "supports"}],
                    reported_via=[{"actor": "news-outlet", "when": "2023-02"}],
                    citations=[citation("doc-1", "« Nous avons nos propres programmes »")],
                ),
                claim("kremlin-statement", "kremlin", kind="assertion", when="2022-12"),
                claim(
                    "kremlin-repeats",
                    "kremlin",
                    kind="assertion",
                    when="2023",
                    links=[{"claim": "kremlin-statement", "relation": "repeats"}],
                ),
            ],
        }
    )


def write_dataset(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
