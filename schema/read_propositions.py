"""Response shapes of `/v1/propositions` and `/v1/propositions/{id}`: who says yes, who says no.

A proposition is a statement claims take a side on ("Iran has delivered drones to
Russia"). An actor's current stance is the stance of their latest claim on it (by the
earliest day it may have been said, ties by claim id); `supporters` and `opponents`, and
the actor counts, go by that current stance.
"""

from __future__ import annotations

import msgspec

from schema.read_common import ActorSummary, ClaimSummary


class PropositionItem(msgspec.Struct, frozen=True, kw_only=True):
    """A proposition in a list, with how many claims and actors are on each side."""

    id: str
    text: dict[str, str]
    label: str | None
    """`text` resolved to the request's language."""
    supporting_claims: int
    opposing_claims: int
    supporting_actors: int
    """Actors whose latest claim on it supports it."""
    opposing_actors: int
    """Actors whose latest claim on it opposes it."""


class PropositionPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of propositions; `next_cursor` is null on the last page."""

    items: list[PropositionItem]
    next_cursor: str | None


class StanceTaken(msgspec.Struct, frozen=True, kw_only=True):
    """One claim of an actor and the side it takes."""

    claim: ClaimSummary
    stance: str
    """`supports` or `opposes`."""


class ActorStances(msgspec.Struct, frozen=True, kw_only=True):
    """Every side one actor took on the proposition, oldest first."""

    actor: ActorSummary
    stances: list[StanceTaken]
    current_stance: str
    """The stance of the actor's latest claim on it."""
    changed_position: bool
    """True when the actor has taken both sides."""


class CountryStances(msgspec.Struct, frozen=True, kw_only=True):
    """Every side taken by the actors of one country (a state, its ministers, its agencies), oldest first."""

    country: str
    """ISO 3166-1 alpha-2 code of the claimants."""
    actors: list[str]
    """Ids of the claimants from that country, in the order they first took a side."""
    stances: list[StanceTaken]
    current_stance: str
    """The stance of the country's latest claim on it."""
    changed_position: bool
    """True when voices of that country have taken both sides (Iran denying, then its foreign minister admitting)."""


class PropositionDetail(msgspec.Struct, frozen=True, kw_only=True):
    """A proposition's stance timeline: each actor who took a side, their claims in order, and where they stand."""

    id: str
    text: dict[str, str]
    label: str | None
    supporting_claims: int
    opposing_claims: int
    supporting_actors: int
    opposing_actors: int
    supporters: list[ActorSummary]
    """Actors whose current stance supports it, in the order they first took a side."""
    opponents: list[ActorSummary]
    """Actors whose current stance opposes it, in the order they first took a side."""
    actors: list[ActorStances]
    """Every actor who took a side, in the order they first did (ties by claim id)."""
    countries: list[CountryStances]
    """The same stances grouped by the claimants' country (claimants with no country left out)."""
