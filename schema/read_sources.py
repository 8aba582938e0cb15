"""Response shapes of `/v1/sources` and `/v1/citations`.

A source is a document (an article, a report, a tweet) published by an outlet; a citation is
one exact quote of it that records one claim or one event. Every citation says what it backs
(`backs`: the claim or event, its date and a short label) so a reader can go from a document
to what it supports without another request.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

from schema.read_common import ActorSummary, SourceSummary


class SourceItem(msgspec.Struct, frozen=True, kw_only=True):
    """A source document as listed: who published it, when, where to read it, how often it is cited."""

    id: str
    title: str
    outlet: ActorSummary | None
    """The outlet (an actor) that published it; null when unknown."""
    language: str
    published: str | None
    """Publication date as EDTF; null when unknown."""
    published_earliest: date | None
    published_latest: date | None
    url: str | None
    document: str | None
    """File name of the archived document."""
    sha256: str | None
    """SHA-256 of the archived document, hex."""
    citation_count: int


class SourcePage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of sources; `next_cursor` is null on the last page."""

    items: list[SourceItem]
    next_cursor: str | None


class Backing(msgspec.Struct, frozen=True, kw_only=True):
    """What a citation backs: a claim or an event, when it happened and a short label for it."""

    type: Literal["claim", "event"]
    id: str
    when: str
    earliest: date | None
    latest: date | None
    label: str
    """An event's title, or a claim's claimant and text (cut to 160 characters), in the request's language."""


class SourceCitation(msgspec.Struct, frozen=True, kw_only=True):
    """A citation as embedded in its source: the quote, where it sits in the document, what it backs."""

    id: str
    quote: str
    start: int
    """Code-point offset of the quote's first character in the document."""
    end: int
    """Code-point offset just past the quote's last character."""
    claim: str | None
    event: str | None
    backs: Backing


class SourceDetail(msgspec.Struct, frozen=True, kw_only=True):
    """One source with every citation of it, in the order they appear in the document."""

    id: str
    title: str
    outlet: ActorSummary | None
    language: str
    published: str | None
    published_earliest: date | None
    published_latest: date | None
    url: str | None
    document: str | None
    sha256: str | None
    citation_count: int
    citations: list[SourceCitation]


class CitationItem(msgspec.Struct, frozen=True, kw_only=True):
    """A citation as listed: the quote, its offsets, its source and what it backs."""

    id: str
    quote: str
    language: str
    """Language of the quote (its source's)."""
    start: int
    end: int
    claim: str | None
    event: str | None
    backs: Backing
    source: SourceSummary


class CitationPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of citations; `next_cursor` is null on the last page."""

    items: list[CitationItem]
    next_cursor: str | None
