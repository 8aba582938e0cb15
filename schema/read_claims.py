"""Response shapes of `/v1/claims`, `/v1/claims/{id}` and `/v1/actors/{id}/claims`.

A claim is what one actor said, when it was said (`when`, not when it was reported),
in the words recorded (`words`, in `language`), with translations and `text`: the words
resolved to the request's language (a translation when one exists, else the words).
"""

from __future__ import annotations

from datetime import date

import msgspec

from schema.read_common import ActorSummary, CitationView, ClaimSummary


class ReportingLink(msgspec.Struct, frozen=True, kw_only=True):
    """One relay of a claim, in chain order from the claimant outwards (not the outlet that published it)."""

    actor: ActorSummary
    when: str | None
    """When this relay passed the claim on (EDTF), if known."""
    earliest: date | None
    latest: date | None


class StanceRef(msgspec.Struct, frozen=True, kw_only=True):
    """The side a claim takes on a proposition."""

    proposition: str
    stance: str
    """`supports` or `opposes`."""


class ClaimItem(msgspec.Struct, frozen=True, kw_only=True):
    """A claim in a list."""

    id: str
    kind: str
    claimant: ActorSummary
    when: str
    """When it was said (EDTF)."""
    earliest: date | None
    latest: date | None
    words: str
    """The words as recorded, in `language`."""
    language: str
    said_in: str | None
    """The language the claimant used, when known."""
    translations: dict[str, str]
    text: str
    """The words in the request's language when they or a translation exist in it, else the words as recorded."""
    quote_type: str
    """`direct` (exact words) or `paraphrase`."""
    reported_via: list[ReportingLink]
    events: list[str]
    """Ids of the events the claim is about."""
    stances: list[StanceRef]
    citation_count: int


class ClaimPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of claims; `next_cursor` is null on the last page."""

    items: list[ClaimItem]
    next_cursor: str | None


class ClaimEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event a claim is about."""

    id: str
    kind: str
    title: dict[str, str]
    label: str | None
    """`title` resolved to the request's language."""
    when: str
    earliest: date | None
    latest: date | None


class ClaimStance(msgspec.Struct, frozen=True, kw_only=True):
    """The side a claim takes on a proposition, with the proposition's text."""

    proposition: str
    stance: str
    text: dict[str, str]
    """The proposition's text by language."""
    label: str | None
    """`text` resolved to the request's language."""


class ClaimLink(msgspec.Struct, frozen=True, kw_only=True):
    """A relation between two claims: `responds_to`, `denies`, `confirms`, `repeats` or `contradicts`."""

    relation: str
    claim: ClaimSummary


class ClaimDetail(msgspec.Struct, frozen=True, kw_only=True):
    """One claim with everything it refers to and everything that refers to it."""

    id: str
    kind: str
    claimant: ActorSummary
    when: str
    earliest: date | None
    latest: date | None
    words: str
    language: str
    said_in: str | None
    translations: dict[str, str]
    text: str
    quote_type: str
    reported_via: list[ReportingLink]
    events: list[ClaimEvent]
    stances: list[ClaimStance]
    citations: list[CitationView]
    links: list[ClaimLink]
    """What this claim says about other claims (this claim `denies` that one…)."""
    linked_from: list[ClaimLink]
    """Claims that say something about this one (that claim `denies` this one…)."""
