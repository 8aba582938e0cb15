"""The seven scenarios of issue 7: what each request asks, drawn at random from the corpus' own values.

Each scenario is a list of request lines for `wrk/scenario.lua` (a path, or a path and the ETag to send in
`If-None-Match`). Scenarios 1 and 5 also keep the parameters they drew, so that the ceiling runs the very same
distribution through the query functions (`bench/ceiling.py`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from api.synth.words import WORDS
from bench.samples import Samples

LINES = 2_000
"""Distinct requests per scenario."""
WRITE_SHARE = 0.05
"""Scenario 7: the share of writes (half POST a claim, half PATCH one the run created)."""
SEARCH_WORDS = [fr for fr, _ in WORDS[40:] if " " not in fr and "'" not in fr and len(fr) > 3]
"""French content words of the synthetic texts (the first 40 are function words the French stemmer drops)."""
FEED_TYPES = ["", "claims", "events", "events,claims", "actors", "sources,citations"]


@dataclass
class Scenario:
    key: str
    title: str
    lines: list[str]
    params: list[dict[str, Any]] = field(default_factory=list)
    """What each line asks, for the ceiling (scenarios 1 and 5)."""
    write_share: float = 0.0
    etags: bool = False
    """Lines carry the ETag of their URL: filled in against the running API (scenario 6)."""
    connections: int | None = None
    """wrk's connections for this scenario when not the run's (`--connections`)."""


def _url(path: str, query: dict[str, Any]) -> str:
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path


def timeline_params(samples: Samples, rng: random.Random) -> dict[str, Any]:
    """A window of a week to a year somewhere in the corpus; a fifth also by actor, a tenth by actor alone."""
    span = (samples.last_day - samples.first_day).days
    start = samples.first_day + timedelta(days=rng.randrange(max(span, 1)))
    end = start + timedelta(days=rng.randint(7, 365))
    roll = rng.random()
    actor = rng.choice(samples.claimants) if roll >= 0.7 else None
    window = roll < 0.9
    return {
        "from": start.isoformat() if window else None,
        "to": end.isoformat() if window else None,
        "actor": actor,
    }


def build(samples: Samples, seed: int) -> dict[str, Scenario]:
    """Every scenario, keyed `1`, `2a`, `2b`, …; the same seed gives the same requests."""
    rng = random.Random(seed)
    langs = ["", "en", "fr"]
    timeline = [timeline_params(samples, rng) for _ in range(LINES)]
    claims = [{"id": rng.choice(samples.claim_ids), "lang": rng.choice(langs)} for _ in range(LINES)]
    span = max((samples.last_day - samples.first_day).days, 1)

    def some_day() -> str:
        return (samples.first_day + timedelta(days=rng.randrange(span))).isoformat()

    def words() -> str:
        return " ".join(rng.sample(SEARCH_WORDS, rng.choice((1, 1, 2))))

    scenarios = [
        Scenario(
            "1", "timeline, first page (varied window/actor)", [_url("/v1/timeline", p) for p in timeline], timeline
        ),
        Scenario("2a", "events, page 1", [_url("/v1/events", {"lang": rng.choice(langs)}) for _ in range(LINES)]),
        Scenario(
            "2b",
            f"events, page {samples.deep_page} (cursor)",
            [
                _url("/v1/events", {"cursor": rng.choice(samples.deep_cursors), "lang": rng.choice(langs)})
                for _ in range(LINES)
            ],
        ),
        Scenario(
            "3a",
            "claims?actor= hot actor",
            [
                _url(
                    "/v1/claims",
                    {"actor": rng.choice(samples.hot_actors), "from": some_day() if rng.random() < 0.5 else None},
                )
                for _ in range(LINES)
            ],
        ),
        Scenario(
            "3b",
            "claims?actor= rare actor",
            [_url("/v1/claims", {"actor": rng.choice(samples.rare_actors)}) for _ in range(LINES)],
        ),
        Scenario("4", "search, French words", search := [_url("/v1/search", {"q": words()}) for _ in range(LINES)]),
        # The latency of one search: at 32 connections on two cores every request also waits for 31 others.
        Scenario("4s", "search, one request at a time", list(search), connections=1),
        Scenario(
            "5",
            "claim detail with embeds",
            [_url(f"/v1/claims/{p['id']}", {"lang": p["lang"]}) for p in claims],
            claims,
        ),
    ]
    feed = [
        _url(
            "/v1/changes",
            {
                "after": rng.choice(samples.feed_cursors) if samples.feed_cursors else None,
                "types": rng.choice(FEED_TYPES),
                "limit": rng.choice((50, 100, 200)),
            },
        )
        for _ in range(LINES // 4)
    ]
    scenarios.append(Scenario("6a", "changes poll answered 304", feed, etags=True))
    scenarios.append(Scenario("6b", "same poll answered 200", list(feed)))
    reads = [line for s in scenarios if s.key in ("1", "2a", "3a", "3b", "5") for line in s.lines]
    scenarios.append(Scenario("7", "95% reads / 5% writes", rng.sample(reads, LINES), write_share=WRITE_SHARE))
    return {s.key: s for s in scenarios}
