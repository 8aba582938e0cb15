"""Turn dataset Structs into the row tuples of api.queries.dataset, and hash them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from typing import Any

import msgspec

from schema.edtf import edtf_bounds
from schema.story import ActorIn, CitationRef, ClaimIn, EventIn, PlaceIn, PropositionIn, SourceIn, citation_id

Row = tuple[Any, ...]
_encoder = msgspec.json.Encoder(order="deterministic")


def content_hash(value: object) -> str:
    """A stable digest of what the file says of an item (nested citations excluded: they are items too)."""
    if isinstance(value, EventIn | ClaimIn):
        value = msgspec.structs.replace(value, citations=[])
    return hashlib.sha256(_encoder.encode(value)).hexdigest()


def _bounds(value: str | None) -> tuple[date | None, date | None]:
    if value is None:
        return None, None
    earliest, latest = edtf_bounds(value)
    return earliest, latest


def actor_row(a: ActorIn) -> Row:
    return (a.id, a.kind, a.name, a.labels, a.aliases, a.description, a.country, a.wikidata)


def affiliation_rows(a: ActorIn) -> Iterator[Row]:
    for position, aff in enumerate(a.affiliations):
        start_earliest, _ = _bounds(aff.start)
        _, end_latest = _bounds(aff.end)
        yield (a.id, position, aff.actor, aff.role, aff.start, start_earliest, aff.end, end_latest)


def place_row(p: PlaceIn) -> Row:
    return (p.id, p.name, p.labels, p.country, p.latitude, p.longitude)


def source_row(s: SourceIn) -> Row:
    earliest, latest = _bounds(s.published)
    return (s.id, s.title, s.outlet, s.language, s.published, earliest, latest, s.url, s.document, s.sha256)


def proposition_row(p: PropositionIn) -> Row:
    return (p.id, p.text)


def event_row(e: EventIn) -> Row:
    earliest, latest = edtf_bounds(e.when)
    return (e.id, e.kind, e.when, earliest, latest, e.title, e.summary, e.place, e.tags)


def participant_rows(e: EventIn) -> Iterator[Row]:
    for position, part in enumerate(e.participants):
        yield (e.id, part.actor, part.role, position)


def claim_row(c: ClaimIn) -> Row:
    earliest, latest = edtf_bounds(c.when)
    return (
        c.id,
        c.claimant,
        c.kind,
        c.when,
        earliest,
        latest,
        c.words,
        c.language,
        c.said_in,
        c.translations,
        c.quote_type,
    )


def reporting_rows(c: ClaimIn) -> Iterator[Row]:
    for position, relay in enumerate(c.reported_via):
        earliest, latest = _bounds(relay.when)
        yield (c.id, position, relay.actor, relay.when, earliest, latest)


def claim_event_rows(c: ClaimIn) -> Iterator[Row]:
    return ((c.id, event_id) for event_id in c.events)


def stance_rows(c: ClaimIn) -> Iterator[Row]:
    # In proposition order: the tally triggers lock each proposition's counts, and two writers that take the same
    # locks in the same order wait for each other instead of deadlocking.
    return ((c.id, s.proposition, s.stance) for s in sorted(c.stances, key=lambda s: s.proposition))


def link_rows(c: ClaimIn) -> Iterator[Row]:
    return ((c.id, link.claim, link.relation) for link in c.links)


class CitationItem(msgspec.Struct, frozen=True):
    """A nested citation lifted out of its owner, as the loader stores it."""

    id: str
    claim: str | None
    event: str | None
    ref: CitationRef

    def row(self) -> Row:
        r = self.ref
        return (self.id, r.source, self.claim, self.event, r.quote, r.start, r.end)


def citation_items(events: list[EventIn], claims: list[ClaimIn]) -> list[CitationItem]:
    items = [CitationItem(citation_id(e.id, c.source), None, e.id, c) for e in events for c in e.citations]
    items += [CitationItem(citation_id(cl.id, c.source), cl.id, None, c) for cl in claims for c in cl.citations]
    return items
