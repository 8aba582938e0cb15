"""Claims: the filtered, keyset-paginated list and one claim with everything around it.

Each request is one statement: the claimant, the reporting chain, events, stances,
citations and linked claims are built by correlated `jsonb_agg` subqueries of the same
statement, never by one query per item. Infinite date bounds are turned into JSON null
in SQL (`isfinite`) and by `open_bound` in Python, so an open end is always served as null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import msgspec

from api.params import resolve_label
from api.queries import AnyConnection
from api.queries.spans import actor_is, span_branches
from schema.read_claims import (
    ClaimDetail,
    ClaimEvent,
    ClaimItem,
    ClaimLink,
    ClaimStance,
    ReportingLink,
    StanceRef,
)
from schema.read_common import ActorSummary, CitationView, ClaimSummary, open_bound

SortKey = tuple[date, str]


def actor_json(alias: str) -> str:
    """SQL: an actor row as the JSON object `actor_summary` reads."""
    return f"jsonb_build_object('id', {alias}.id, 'kind', {alias}.kind, 'name', {alias}.name, 'labels', {alias}.labels)"


def finite(column: str) -> str:
    """SQL: a date column, with ±infinity as NULL (JSON has no infinite dates)."""
    return f"CASE WHEN isfinite({column}) THEN {column} END"


def claim_summary_json(claim: str, actor: str) -> str:
    """SQL: a claim row (and its claimant's row) as the JSON object `claim_summary` reads."""
    return f"""jsonb_build_object(
        'id', {claim}.id, 'kind', {claim}.kind, 'claimant', {actor_json(actor)},
        'when', {claim}.when_edtf, 'earliest', {finite(f"{claim}.earliest")}, 'latest', {finite(f"{claim}.latest")},
        'words', {claim}.words, 'language', {claim}.language, 'translations', {claim}.translations,
        'quote_type', {claim}.quote_type)"""


# Text search in French and English (stemmed, accents ignored) and as plain words, so that
# a query matches whichever language each text is indexed in.
TSQUERY = (
    "(websearch_to_tsquery('timeline_fr', {q}) || websearch_to_tsquery('timeline_en', {q})"
    " || websearch_to_tsquery('timeline_simple', {q}))"
)

_CLAIM_COLUMNS = f"""
    c.id, c.kind, c.when_edtf, c.earliest, c.latest, c.words, c.language, c.said_in, c.translations,
    c.quote_type, {actor_json("a")} AS claimant,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'actor', {actor_json("ra")}, 'when', r.when_edtf,
                'earliest', {finite("r.earliest")}, 'latest', {finite("r.latest")}) ORDER BY r.position), '[]')
       FROM claim_reporting AS r JOIN actors AS ra ON ra.id = r.actor_id
      WHERE r.claim_id = c.id) AS reported_via"""

# Each filter that is set adds its condition (value as a new `$n`); an unset filter adds nothing, so the planner
# sees only the conditions of the request and can drive the query from the most selective index: a claim list of one
# event, source or relay is read through that link table's index (`c.id IN (SELECT …)` becomes a join on it) and
# sorted, instead of walking `claims_time_idx` and probing the link for each of three million claims.
CLAIM_FILTERS = {
    "kinds": "c.kind = ANY({0}::text[])",
    "proposition": "c.id IN (SELECT s.claim_id FROM claim_stances AS s WHERE s.proposition_id = {0}::text)",
    "stance": "c.id IN (SELECT s.claim_id FROM claim_stances AS s WHERE s.stance = {0}::text)",
    "event": "c.id IN (SELECT ce.claim_id FROM claim_events AS ce WHERE ce.event_id = {0}::text)",
    "start": "c.latest >= {0}::date",
    "end": "c.earliest <= {0}::date",
    "reported_via": "c.id IN (SELECT r.claim_id FROM claim_reporting AS r WHERE r.actor_id = {0}::text)",
    "source": "c.id IN (SELECT ci.claim_id FROM citations AS ci WHERE ci.source_id = {0}::text)",
    "language": (
        "(split_part(c.language, '-', 1) = {0}::text OR EXISTS ("
        "SELECT 1 FROM jsonb_object_keys(c.translations) AS tr(tag) WHERE split_part(tr.tag, '-', 1) = {0}::text))"
    ),
    "q": "c.search_vector @@ " + TSQUERY.format(q="{0}::text"),
}
# A proposition and a stance together must hold on the same stance row.
PROPOSITION_STANCE = (
    "c.id IN (SELECT s.claim_id FROM claim_stances AS s WHERE s.proposition_id = {0}::text AND s.stance = {1}::text)"
)

LIST_CLAIMS = f"""
SELECT {_CLAIM_COLUMNS},
    ARRAY(SELECT ce.event_id::text FROM claim_events AS ce WHERE ce.claim_id = c.id ORDER BY ce.event_id) AS events,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('proposition', s.proposition_id, 'stance', s.stance)
                               ORDER BY s.proposition_id), '[]')
       FROM claim_stances AS s WHERE s.claim_id = c.id) AS stances,
    (SELECT count(*) FROM citations AS ci WHERE ci.claim_id = c.id) AS citation_count
FROM claims AS c JOIN actors AS a ON a.id = c.claimant_id
WHERE {{where}}
ORDER BY c.earliest {{direction}}, c.id {{direction}}
LIMIT {{limit}}
"""

GET_CLAIM = f"""
SELECT {_CLAIM_COLUMNS},
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'id', e.id, 'kind', e.kind, 'title', e.title, 'when', e.when_edtf,
                'earliest', {finite("e.earliest")}, 'latest', {finite("e.latest")}) ORDER BY e.earliest, e.id), '[]')
       FROM claim_events AS ce JOIN events AS e ON e.id = ce.event_id WHERE ce.claim_id = c.id) AS events,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('proposition', p.id, 'stance', s.stance, 'text', p.text)
                               ORDER BY p.id), '[]')
       FROM claim_stances AS s JOIN propositions AS p ON p.id = s.proposition_id WHERE s.claim_id = c.id) AS stances,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'id', ci.id, 'quote', ci.quote, 'language', ci.language, 'start', ci.start_offset,
                'end', ci.end_offset, 'claim', ci.claim_id, 'event', ci.event_id,
                'source', jsonb_build_object(
                    'id', so.id, 'title', so.title, 'outlet', so.outlet_id, 'language', so.language,
                    'published', so.published_edtf, 'published_earliest', {finite("so.published_earliest")},
                    'published_latest', {finite("so.published_latest")}, 'url', so.url, 'document', so.document))
                ORDER BY so.published_earliest NULLS LAST, ci.id), '[]')
       FROM citations AS ci JOIN sources AS so ON so.id = ci.source_id WHERE ci.claim_id = c.id) AS citations,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('relation', l.relation, 'claim', {claim_summary_json("t", "ta")})
                               ORDER BY t.earliest, t.id, l.relation), '[]')
       FROM claim_links AS l JOIN claims AS t ON t.id = l.target_id JOIN actors AS ta ON ta.id = t.claimant_id
      WHERE l.claim_id = c.id) AS links,
    (SELECT coalesce(jsonb_agg(jsonb_build_object('relation', l.relation, 'claim', {claim_summary_json("f", "fa")})
                               ORDER BY f.earliest, f.id, l.relation), '[]')
       FROM claim_links AS l JOIN claims AS f ON f.id = l.claim_id JOIN actors AS fa ON fa.id = f.claimant_id
      WHERE l.target_id = c.id) AS linked_from
FROM claims AS c JOIN actors AS a ON a.id = c.claimant_id
WHERE c.id = $1::text
"""

ACTOR_EXISTS = "SELECT EXISTS (SELECT 1 FROM actors WHERE id = $1::text)"


@dataclass(frozen=True)
class ClaimFilters:
    """What `/v1/claims` filters on; None (or an empty list) leaves a filter off."""

    claimants: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    proposition: str | None = None
    stance: str | None = None
    event: str | None = None
    start: date | None = None
    """Claims whose [earliest, latest] reaches this day or later."""
    end: date | None = None
    """Claims whose [earliest, latest] starts on this day or earlier."""
    reported_via: str | None = None
    source: str | None = None
    language: str | None = None
    """Only claims readable in this language: recorded in it or translated into it (primary subtags compared)."""
    q: str | None = None


def primary_subtag(tag: str) -> str:
    return tag.split("-")[0].lower()


def claim_text(words: str, language: str, translations: Mapping[str, str], languages: Sequence[str]) -> str:
    """The claim in the first preferred language it exists in (tag, then primary subtag), else the words."""
    texts = {**translations, language: words}
    for wanted in languages:
        if wanted in texts:
            return texts[wanted]
        base = primary_subtag(wanted)
        for tag in sorted(texts):
            if primary_subtag(tag) == base:
                return texts[tag]
    return words


def actor_summary(row: Mapping[str, Any], languages: Sequence[str]) -> ActorSummary:
    labels: dict[str, str] = row["labels"]
    return ActorSummary(
        id=row["id"],
        kind=row["kind"],
        name=row["name"],
        label=resolve_label(labels, tuple(languages), row["name"]),
        labels=labels,
    )


def _date(value: Any) -> date | None:
    """A date from a row (date, maybe infinite) or from JSON (ISO string or null)."""
    if isinstance(value, str):
        return date.fromisoformat(value)
    return open_bound(value)


def claim_summary(row: Mapping[str, Any], languages: Sequence[str]) -> ClaimSummary:
    return ClaimSummary(
        id=row["id"],
        kind=row["kind"],
        claimant=actor_summary(row["claimant"], languages),
        when=row["when"],
        earliest=_date(row["earliest"]),
        latest=_date(row["latest"]),
        words=row["words"],
        language=row["language"],
        text=claim_text(row["words"], row["language"], row["translations"], languages),
        quote_type=row["quote_type"],
    )


def _reported_via(links: list[dict[str, Any]], languages: Sequence[str]) -> list[ReportingLink]:
    return [
        ReportingLink(
            actor=actor_summary(link["actor"], languages),
            when=link["when"],
            earliest=_date(link["earliest"]),
            latest=_date(link["latest"]),
        )
        for link in links
    ]


def _common(row: asyncpg.Record, languages: Sequence[str]) -> dict[str, Any]:
    """The fields a claim item and a claim detail share."""
    return {
        "id": row["id"],
        "kind": row["kind"],
        "claimant": actor_summary(row["claimant"], languages),
        "when": row["when_edtf"],
        "earliest": open_bound(row["earliest"]),
        "latest": open_bound(row["latest"]),
        "words": row["words"],
        "language": row["language"],
        "said_in": row["said_in"],
        "translations": row["translations"],
        "text": claim_text(row["words"], row["language"], row["translations"], languages),
        "quote_type": row["quote_type"],
        "reported_via": _reported_via(row["reported_via"], languages),
    }


def claim_item(row: asyncpg.Record, languages: Sequence[str]) -> ClaimItem:
    return ClaimItem(
        **_common(row, languages),
        events=list(row["events"]),
        stances=[StanceRef(proposition=s["proposition"], stance=s["stance"]) for s in row["stances"]],
        citation_count=row["citation_count"],
    )


def claimant_window(conditions: list[str], start: str, direction: str, limit: str) -> str:
    """The claims of a claimant's window as one ordered range per date-span class (`api.queries.spans`), each cut
    to the page, merged and cut to the page again."""
    ranges = "\n    UNION ALL\n    ".join(
        f"(SELECT c.earliest, c.id FROM claims AS c WHERE {' AND '.join(conditions + branch)}"
        f" ORDER BY c.earliest {direction}, c.id {direction} LIMIT {limit})"
        for branch in span_branches("c", start)
    )
    # The page's keys are chosen from the indexes alone; only those rows are then read.
    return (
        f"c.id IN (SELECT k.id FROM (\n    {ranges}\n) AS k"
        f" ORDER BY k.earliest {direction}, k.id {direction} LIMIT {limit})"
    )


def list_claims_statement(
    filters: ClaimFilters, *, order: str, after: SortKey | None, limit: int
) -> tuple[str, list[Any]]:
    """The SQL and its values for one page of `/v1/claims` (`limit` rows)."""
    values: list[Any] = []

    def add(value: Any) -> str:
        values.append(value)
        return f"${len(values)}"

    claimants = list(filters.claimants) if filters.claimants else None
    settings: dict[str, Any] = {
        "kinds": list(filters.kinds) if filters.kinds else None,
        "proposition": filters.proposition,
        "stance": filters.stance,
        "event": filters.event,
        # A claimant's window starts in its ranges (below).
        "start": filters.start if claimants is None else None,
        "end": filters.end,
        "reported_via": filters.reported_via,
        "source": filters.source,
        "language": primary_subtag(filters.language) if filters.language else None,
        "q": filters.q,
    }
    conditions = []
    if claimants is not None:
        conditions.append(actor_is("c.claimant_id", claimants, add))
    if filters.proposition is not None and filters.stance is not None:
        conditions.append(PROPOSITION_STANCE.format(add(filters.proposition), add(filters.stance)))
        settings["proposition"] = settings["stance"] = None
    conditions += [CLAIM_FILTERS[name].format(add(value)) for name, value in settings.items() if value is not None]
    direction = "DESC" if order == "desc" else "ASC"
    if after is not None:
        compare = "<" if order == "desc" else ">"
        conditions.append(f"(c.earliest, c.id) {compare} ({add(after[0])}::date, {add(after[1])}::text)")
    limit_value = add(limit)
    if claimants is not None and filters.start is not None:
        conditions = [claimant_window(conditions, add(filters.start), direction, limit_value)]
    sql = LIST_CLAIMS.format(where=" AND ".join(conditions) or "TRUE", direction=direction, limit=limit_value)
    return sql, values


async def list_claims(
    conn: AnyConnection,
    filters: ClaimFilters,
    *,
    order: str,
    after: SortKey | None,
    limit: int,
    languages: Sequence[str],
) -> tuple[list[ClaimItem], SortKey | None]:
    """One page of claims in time order and the sort key to continue after, or None on the last page."""
    sql, values = list_claims_statement(filters, order=order, after=after, limit=limit + 1)
    rows = await conn.fetch(sql, *values)
    page = rows[:limit]
    next_key = (page[-1]["earliest"], page[-1]["id"]) if len(rows) > limit else None
    return [claim_item(row, languages) for row in page], next_key


async def actor_exists(conn: AnyConnection, actor_id: str) -> bool:
    found: bool = await conn.fetchval(ACTOR_EXISTS, actor_id)
    return found


async def get_claim(conn: AnyConnection, claim_id: str, languages: Sequence[str]) -> ClaimDetail | None:
    """One claim with its claimant, relays, events, stances, citations and links both ways; None if unknown."""
    row = await conn.fetchrow(GET_CLAIM, claim_id)
    if row is None:
        return None
    langs = tuple(languages)
    return ClaimDetail(
        **_common(row, languages),
        events=[
            ClaimEvent(
                id=e["id"],
                kind=e["kind"],
                title=e["title"],
                label=resolve_label(e["title"], langs),
                when=e["when"],
                earliest=_date(e["earliest"]),
                latest=_date(e["latest"]),
            )
            for e in row["events"]
        ],
        stances=[
            ClaimStance(
                proposition=s["proposition"], stance=s["stance"], text=s["text"], label=resolve_label(s["text"], langs)
            )
            for s in row["stances"]
        ],
        citations=[msgspec.convert(c, CitationView) for c in row["citations"]],
        links=[ClaimLink(relation=lk["relation"], claim=claim_summary(lk["claim"], languages)) for lk in row["links"]],
        linked_from=[
            ClaimLink(relation=lk["relation"], claim=claim_summary(lk["claim"], languages)) for lk in row["linked_from"]
        ],
    )
