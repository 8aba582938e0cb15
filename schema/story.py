"""Create shapes of the story model: what a dataset file holds and what a write sends.

A dataset file (YAML) decodes straight into `Dataset`, so the file format and the
API contract cannot drift apart. Every Struct forbids unknown fields: a typo in the
file is an error, not a silently ignored key.
"""

from __future__ import annotations

import msgspec

from schema.edtf import EdtfError, edtf_bounds
from schema.types import (
    CountryCode,
    Edtf,
    LabelMap,
    LangTag,
    Latitude,
    Longitude,
    LongText,
    Offset,
    Quote,
    Sha256Hex,
    ShortText,
    Slug,
    Tag,
    TextMap,
    Url,
    WikidataId,
)
from schema.vocab import ActorKind, ClaimKind, ClaimRelation, EventKind, ParticipantRole, QuoteType, Stance


class _In(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


def check_edtf(field: str, value: str | None) -> None:
    """Raise a ValueError naming the field when value is not EDTF (msgspec adds the path)."""
    if value is None:
        return
    try:
        edtf_bounds(value)
    except EdtfError as exc:
        raise ValueError(f"{field}: {exc}") from None


class AffiliationIn(_In, frozen=True, kw_only=True):
    """A tie from this actor to another: role and optional EDTF period."""

    actor: Slug
    role: ShortText
    start: Edtf | None = None
    end: Edtf | None = None

    def __post_init__(self) -> None:
        check_edtf("start", self.start)
        check_edtf("end", self.end)


class ActorIn(_In, frozen=True, kw_only=True):
    id: Slug
    kind: ActorKind
    name: ShortText
    labels: LabelMap = {}
    aliases: list[ShortText] = []
    description: LabelMap = {}
    country: CountryCode | None = None
    affiliated_state: Slug | None = None
    """For media outlets: the state they are affiliated with, if any."""
    wikidata: WikidataId | None = None
    affiliations: list[AffiliationIn] = []


class PlaceIn(_In, frozen=True, kw_only=True):
    id: Slug
    name: ShortText
    labels: LabelMap = {}
    country: CountryCode | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None

    def __post_init__(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("longitude: latitude and longitude go together")


class SourceIn(_In, frozen=True, kw_only=True):
    id: Slug
    title: ShortText
    outlet: Slug | None = None
    language: LangTag
    published: Edtf | None = None
    url: Url | None = None
    document: ShortText | None = None
    """The document's name; for the seed articles, their file name."""
    sha256: Sha256Hex | None = None

    def __post_init__(self) -> None:
        check_edtf("published", self.published)


class CitationRef(_In, frozen=True, kw_only=True):
    """Where a claim or an event is recorded: a quote at offsets [start, end) of a source."""

    source: Slug
    quote: Quote
    start: Offset
    end: Offset

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("end: must be greater than start")


class CitationIn(CitationRef, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A citation written on its own: it backs exactly one claim or one event."""

    claim: Slug | None = None
    event: Slug | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.claim is None) == (self.event is None):
            raise ValueError("claim: exactly one of claim and event is required")


class ParticipantIn(_In, frozen=True, kw_only=True):
    actor: Slug
    role: ParticipantRole


class EventIn(_In, frozen=True, kw_only=True):
    id: Slug
    kind: EventKind
    when: Edtf
    title: LabelMap
    summary: TextMap = {}
    place: Slug | None = None
    participants: list[ParticipantIn] = []
    tags: list[Tag] = []
    citations: list[CitationRef] = []

    def __post_init__(self) -> None:
        check_edtf("when", self.when)
        if not self.title:
            raise ValueError("title: at least one language is required")


class PropositionIn(_In, frozen=True, kw_only=True):
    id: Slug
    text: LabelMap

    def __post_init__(self) -> None:
        if not self.text:
            raise ValueError("text: at least one language is required")


class ReportingLinkIn(_In, frozen=True, kw_only=True):
    """One relay of a claim, from the claimant outwards (the WSJ, then PressTV…)."""

    actor: Slug
    when: Edtf | None = None

    def __post_init__(self) -> None:
        check_edtf("when", self.when)


class StanceIn(_In, frozen=True, kw_only=True):
    proposition: Slug
    stance: Stance


class ClaimLinkIn(_In, frozen=True, kw_only=True):
    claim: Slug
    relation: ClaimRelation


class ClaimIn(_In, frozen=True, kw_only=True):
    id: Slug
    claimant: Slug
    kind: ClaimKind
    when: Edtf
    """When it was said (not when it was reported)."""
    words: LongText
    """The words as recorded, in `language`."""
    language: LangTag
    said_in: LangTag | None = None
    """The language the claimant used, when known; differs from `language` when the words are a translation."""
    translations: TextMap = {}
    quote_type: QuoteType
    reported_via: list[ReportingLinkIn] = []
    events: list[Slug] = []
    stances: list[StanceIn] = []
    links: list[ClaimLinkIn] = []
    citations: list[CitationRef] = []

    def __post_init__(self) -> None:
        check_edtf("when", self.when)


class Dataset(_In, frozen=True, kw_only=True):
    """A whole dataset file. `dataset` names it: items it loads are owned by that name."""

    dataset: Slug
    title: ShortText | None = None
    actors: list[ActorIn] = []
    places: list[PlaceIn] = []
    sources: list[SourceIn] = []
    propositions: list[PropositionIn] = []
    events: list[EventIn] = []
    claims: list[ClaimIn] = []


def citation_id(owner_id: str, source_id: str) -> str:
    """The stable id of the citation of `owner_id` (claim or event) in `source_id`."""
    return f"{owner_id}@{source_id}"
