"""Response shapes of `/v1/events`, `/v1/events/{id}` and `/v1/actors/{id}/events`.

Texts come as per-language maps (`title`, `summary`) with `label`, the title resolved to the
request's language (`lang`, else `Accept-Language`, then `en`, then `fr`). Dates: `when` is the
EDTF value, `earliest`/`latest` the first and last day it may mean (null for an open end).
"""

from __future__ import annotations

from datetime import date

import msgspec

from schema.read_common import ActorSummary, CitationView, ClaimSummary


class PlaceView(msgspec.Struct, frozen=True, kw_only=True):
    """Where an event happened."""

    id: str
    name: str
    label: str
    """`labels` resolved to the request's language; `name` when no label fits."""
    labels: dict[str, str]
    country: str | None
    latitude: float | None
    longitude: float | None


class EventParticipant(ActorSummary, frozen=True, kw_only=True):
    """An actor who took part in an event, and in what role (an actor with two roles appears twice)."""

    role: str


class EventItem(msgspec.Struct, frozen=True, kw_only=True):
    """An event as listed: what happened, when, where, who took part, and how much backs it."""

    id: str
    kind: str
    when: str
    earliest: date | None
    latest: date | None
    title: dict[str, str]
    label: str | None
    """`title` resolved to the request's language."""
    summary: dict[str, str]
    place: PlaceView | None
    participants: list[EventParticipant]
    """In the order the dataset lists them."""
    tags: list[str]
    citation_count: int
    claim_count: int
    """How many claims are about this event."""


class EventDetail(EventItem, frozen=True, kw_only=True):
    """An event with the documents that record it and the claims about it."""

    citations: list[CitationView]
    """By the source's publication date (undated last), then citation id."""
    claims: list[ClaimSummary]
    """Claims about this event, in the order they were said (earliest day, then id)."""


class EventPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of events; pass `next_cursor` as `cursor` for the next one (null on the last page)."""

    items: list[EventItem]
    next_cursor: str | None
