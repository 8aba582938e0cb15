"""Response shapes embedded by several resources: summaries of actors, sources, claims; citations.

Every dated item carries its EDTF value (`when`) and the first and last day it may mean
(`earliest`, `latest`; null for an open end). Texts come as per-language maps; `label`
and `text` are the same texts resolved to the request's language (see `api.params`).
"""

from __future__ import annotations

from datetime import date

import msgspec


class ActorSummary(msgspec.Struct, frozen=True, kw_only=True):
    """An actor as embedded in other resources."""

    id: str
    kind: str
    name: str
    label: str | None
    """`labels` resolved to the request's language; `name` when no label fits."""
    labels: dict[str, str]


class SourceSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A source document as embedded in citations."""

    id: str
    title: str
    outlet: str | None
    """Actor id of the outlet that published it."""
    language: str
    published: str | None
    published_earliest: date | None
    published_latest: date | None
    url: str | None
    document: str | None


class CitationView(msgspec.Struct, frozen=True, kw_only=True):
    """Where a claim or an event is recorded: the exact quote, its offsets, and the source."""

    id: str
    quote: str
    language: str
    start: int
    end: int
    claim: str | None
    event: str | None
    source: SourceSummary


class ClaimSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A claim as embedded in events, propositions and other claims."""

    id: str
    kind: str
    claimant: ActorSummary
    when: str
    earliest: date | None
    latest: date | None
    words: str
    language: str
    text: str
    """The words in the request's language when a translation exists, else the words as recorded."""
    quote_type: str


def open_bound(value: date | None) -> date | None:
    """PostgreSQL's ±infinity arrive as date.min/date.max: an open end is served as null."""
    if value is None or value in (date.min, date.max):
        return None
    return value
