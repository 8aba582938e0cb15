"""Propositions: the list with counts per side, and one proposition's stance timeline.

Both are one statement each. An actor's current stance is the stance of their latest
claim on the proposition, ordered like every claim list (earliest day, then claim id).
The list reads counts that triggers keep exact on every write (`proposition_tallies`,
migration 0009); the detail computes them from the stances it returns anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from api.params import resolve_label
from api.queries import AnyConnection
from api.queries.claims import TSQUERY, actor_summary, claim_summary, claim_summary_json
from schema.read_common import ActorSummary
from schema.read_propositions import ActorStances, CountryStances, PropositionDetail, PropositionItem, StanceTaken

# $1 full-text query, $2 cursor id, $3 limit. The counts are kept by triggers (migration 0009) in
# `proposition_tallies`, read by primary key; the row exists from the proposition's creation, and a missing one (a
# bulk load that has not rebuilt them yet) reads as zeros rather than hiding the proposition.
_LIST_PROPOSITIONS = f"""
SELECT p.id, p.text,
       coalesce(t.supporting_claims, 0) AS supporting_claims, coalesce(t.opposing_claims, 0) AS opposing_claims,
       coalesce(t.supporting_actors, 0) AS supporting_actors, coalesce(t.opposing_actors, 0) AS opposing_actors
FROM propositions AS p
LEFT JOIN proposition_tallies AS t ON t.proposition_id = p.id
WHERE ($1::text IS NULL OR p.search_vector @@ {TSQUERY.format(q="$1::text")})
  AND ($2::text IS NULL OR p.id::text {{after}} $2::text)
ORDER BY p.id {{direction}}
LIMIT $3
"""
LIST_PROPOSITIONS_ASC = _LIST_PROPOSITIONS.format(after=">", direction="ASC")
"""Propositions by id."""
LIST_PROPOSITIONS_DESC = _LIST_PROPOSITIONS.format(after="<", direction="DESC")
"""Propositions by id, descending."""

GET_PROPOSITION = f"""
SELECT p.id, p.text,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'stance', s.stance, 'country', a.country, 'claim', {claim_summary_json("c", "a")})
                               ORDER BY c.earliest, c.id), '[]')
       FROM claim_stances AS s JOIN claims AS c ON c.id = s.claim_id JOIN actors AS a ON a.id = c.claimant_id
      WHERE s.proposition_id = p.id) AS stances
FROM propositions AS p
WHERE p.id = $1::text
"""


def proposition_item(row: asyncpg.Record, languages: Sequence[str]) -> PropositionItem:
    return PropositionItem(
        id=row["id"],
        text=row["text"],
        label=resolve_label(row["text"], tuple(languages)),
        supporting_claims=row["supporting_claims"],
        opposing_claims=row["opposing_claims"],
        supporting_actors=row["supporting_actors"],
        opposing_actors=row["opposing_actors"],
    )


async def list_propositions(
    conn: AnyConnection,
    *,
    q: str | None,
    order: str,
    after: str | None,
    limit: int,
    languages: Sequence[str],
) -> tuple[list[PropositionItem], str | None]:
    """One page of propositions by id and the id to continue after, or None on the last page."""
    rows = await conn.fetch(LIST_PROPOSITIONS_DESC if order == "desc" else LIST_PROPOSITIONS_ASC, q, after, limit + 1)
    page = rows[:limit]
    next_key: str | None = page[-1]["id"] if len(rows) > limit else None
    return [proposition_item(row, languages) for row in page], next_key


def stance_timeline(stances: list[dict[str, Any]], languages: Sequence[str]) -> list[ActorStances]:
    """Group a proposition's stances (oldest first) by claimant, actors in the order they first took a side."""
    by_actor: dict[str, tuple[ActorSummary, list[StanceTaken]]] = {}
    for entry in stances:
        claim = claim_summary(entry["claim"], languages)
        taken = StanceTaken(claim=claim, stance=entry["stance"])
        if claim.claimant.id in by_actor:
            by_actor[claim.claimant.id][1].append(taken)
        else:
            by_actor[claim.claimant.id] = (actor_summary(entry["claim"]["claimant"], languages), [taken])
    return [
        ActorStances(
            actor=actor,
            stances=taken,
            current_stance=taken[-1].stance,
            changed_position=len({t.stance for t in taken}) > 1,
        )
        for actor, taken in by_actor.values()
    ]


def country_timeline(stances: list[dict[str, Any]], languages: Sequence[str]) -> list[CountryStances]:
    """Group stances by the claimants' country, countries in the order they first took a side.

    One government speaks through several actors (the state, its ministers, its agencies): grouping them shows a
    country changing position even when a different voice said each thing.
    """
    by_country: dict[str, list[tuple[str, StanceTaken]]] = {}
    for entry in stances:
        if entry.get("country"):
            taken = StanceTaken(claim=claim_summary(entry["claim"], languages), stance=entry["stance"])
            by_country.setdefault(entry["country"], []).append((entry["claim"]["claimant"]["id"], taken))
    return [
        CountryStances(
            country=country,
            actors=list(dict.fromkeys(actor_id for actor_id, _ in entries)),
            stances=[taken for _, taken in entries],
            current_stance=entries[-1][1].stance,
            changed_position=len({taken.stance for _, taken in entries}) > 1,
        )
        for country, entries in by_country.items()
    ]


async def get_proposition(
    conn: AnyConnection, proposition_id: str, languages: Sequence[str]
) -> PropositionDetail | None:
    """A proposition with every actor's stances in time order; None if unknown."""
    row = await conn.fetchrow(GET_PROPOSITION, proposition_id)
    if row is None:
        return None
    actors = stance_timeline(row["stances"], languages)
    supporters = [a.actor for a in actors if a.current_stance == "supports"]
    opponents = [a.actor for a in actors if a.current_stance == "opposes"]
    return PropositionDetail(
        id=row["id"],
        text=row["text"],
        label=resolve_label(row["text"], tuple(languages)),
        supporting_claims=sum(s["stance"] == "supports" for s in row["stances"]),
        opposing_claims=sum(s["stance"] == "opposes" for s in row["stances"]),
        supporting_actors=len(supporters),
        opposing_actors=len(opponents),
        supporters=supporters,
        opponents=opponents,
        actors=actors,
        countries=country_timeline(row["stances"], languages),
    )
