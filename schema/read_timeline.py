"""Response shapes of `/v1/timeline`: events and claims in one chronological stream.

Each item says what it is in `type` (`"event"` or `"claim"`) and carries the fields of its
kind: an event as `/v1/events` lists it, a claim as claims are summarised everywhere.
"""

from __future__ import annotations

import msgspec

from schema.read_common import ClaimSummary
from schema.read_events import EventItem


class TimelineEvent(EventItem, frozen=True, kw_only=True, tag="event", tag_field="type"):
    """Something that happened."""


class TimelineClaim(ClaimSummary, frozen=True, kw_only=True, tag="claim", tag_field="type"):
    """Something someone said."""


TimelineItem = TimelineEvent | TimelineClaim


class TimelinePage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of the timeline; pass `next_cursor` as `cursor` for the next one (null on the last page).

    Order: by earliest day; on the same day events come before claims (what happened, then what was
    said); then by id. `order=desc` reverses all three.
    """

    items: list[TimelineItem]
    next_cursor: str | None
