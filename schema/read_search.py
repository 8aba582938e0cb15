"""Response shapes of `/v1/search`: ranked hits across actors, events, claims and citations."""

from __future__ import annotations

from typing import Literal

import msgspec

SearchType = Literal["actor", "event", "claim", "citation"]
SEARCH_TYPES: tuple[SearchType, ...] = ("actor", "event", "claim", "citation")


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    """One item matching the query; fetch it in full at `/v1/{type}s/{id}`."""

    type: SearchType
    id: str
    title: str
    """Actor: its label; event: its title; claim: "claimant: kind"; citation: its source's title.
    Labels and titles are resolved to the request's language."""
    snippet: str
    """The best matching text (in the preferred language when it matches there too) as HTML: the text is
    escaped and matched words are wrapped in `<mark>…</mark>`."""
    when: str | None
    """EDTF date of an event or claim, the publication date of a citation's source; null for actors."""
    rank: float
    """Relevance (higher is better), rounded to 6 decimals; hits are ordered by it, then type, then id."""


class SearchPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of hits; `next_cursor` is null on the last page."""

    items: list[SearchHit]
    next_cursor: str | None
