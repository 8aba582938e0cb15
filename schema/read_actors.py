"""Response shapes of `/v1/actors` and `/v1/actors/{id}`.

Texts come as per-language maps (`labels`, `description`) plus the same texts resolved to
the request's language (`label`, `description_text`; see `api.params.preferred_languages`).
"""

from __future__ import annotations

from datetime import date

import msgspec

from schema.read_common import ActorSummary


class ActorItem(msgspec.Struct, frozen=True, kw_only=True):
    """An actor as listed by `/v1/actors`."""

    id: str
    kind: str
    name: str
    label: str | None
    """`labels` resolved to the request's language; `name` when no label fits."""
    labels: dict[str, str]
    aliases: list[str]
    description: dict[str, str]
    description_text: str | None
    """`description` resolved to the request's language (any language when none fits); null without one."""
    country: str | None
    """ISO 3166-1 alpha-2 code."""
    affiliated_state: str | None
    """For media outlets: id of the state actor they are affiliated with."""
    wikidata: str | None
    claim_count: int
    """Claims this actor made (as claimant)."""
    event_count: int
    """Events this actor took part in (any role)."""


class ActorPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of actors; `next_cursor` is null on the last page."""

    items: list[ActorItem]
    next_cursor: str | None


class AffiliationView(msgspec.Struct, frozen=True, kw_only=True):
    """A tie between two actors: who, in which role, over which period (null bounds are open)."""

    actor: ActorSummary
    """The other actor of the tie: the target of an affiliation, the member of an affiliate."""
    role: str
    start: str | None
    """EDTF start of the tie, when known."""
    start_earliest: date | None
    end: str | None
    """EDTF end of the tie, when known; null while it lasts or when unknown."""
    end_latest: date | None


class ActorDetail(ActorItem, frozen=True, kw_only=True):
    """An actor with its ties: to whom it is affiliated, who is affiliated with it, and (for a state) its media."""

    affiliations: list[AffiliationView]
    """This actor's own ties (spokesman of, ministry of, part of…), in the order the dataset gives them."""
    affiliated_actors: list[AffiliationView]
    """The reverse ties: actors affiliated with this one (members, spokespeople, sub-units), by actor id."""
    media_outlets: list[ActorSummary]
    """For a state: the media outlets affiliated with it, by id; empty otherwise."""
