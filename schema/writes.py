"""Response shapes of the write side: a resource's history and the changes feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

ResourceType = Literal["actors", "places", "sources", "propositions", "events", "claims", "citations"]


class Revision(msgspec.Struct, frozen=True, kw_only=True):
    """One write of a resource: who made it, when, and the full state it left (null for a deletion)."""

    version: int
    """The resource's version after this write (a deletion takes a version too)."""
    etag: str
    """The ETag of that version, as `If-Match` takes it."""
    operation: Literal["create", "update", "delete"]
    key: str
    """Name of the API key that wrote it; `loader` for the dataset loader, `migration` for rows that predate history."""
    at: datetime
    state: dict[str, Any] | None
    """The resource in its write shape (what a POST sends; an event's or claim's citations are resources of their
    own and are not repeated here)."""


class HistoryPage(msgspec.Struct, frozen=True, kw_only=True):
    """Revisions of one resource, newest first."""

    items: list[Revision]
    next_cursor: str | None


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """One change of the feed."""

    cursor: str
    """Pass it as `after` to continue right after this change."""
    type: ResourceType
    id: str
    operation: Literal["upsert", "delete"]
    version: int
    at: datetime
    """When the writing transaction started."""
    state: dict[str, Any] | None
    """The resource as this change left it, in its write shape (the state of its revision at `version`; equal to
    the current state unless a later change follows in the feed); null for a deletion."""


class ChangePage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of the changes feed, oldest first."""

    items: list[Change]
    next_cursor: str | None
    """Where to continue: the last item's cursor, or `after` when nothing new has committed. Never null once the feed
    has served something: poll again with it."""
    has_more: bool
    """Whether more changes could be served right now (false: caught up; poll again later)."""
