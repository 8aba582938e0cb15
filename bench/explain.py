"""EXPLAIN (ANALYZE, BUFFERS) of every list query at scale, and the check that none reads a large table in full.

The statements are not copied here: each case calls the query function a list endpoint calls (the LIST_*
constants and the statements `api/queries` assembles), a query logger captures the SQL and arguments it ran, and
each captured statement is run again under EXPLAIN. A case fails when its plan reads a large table sequentially: a
Seq Scan of a table over `large_rows` rows (unless a Limit right above it stops it within `large_rows` rows), or an
index scan that reads and discards more rows than that.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg
from asyncpg.connection import LoggedQuery

from api.queries import actors, changes, citations, claims, events, propositions, search, sources, timeline
from api.queries.actors import ActorFilters
from api.queries.changes import FeedFilter
from api.queries.citations import CitationFilters
from api.queries.claims import ClaimFilters
from api.queries.events import EventFilters, Keyset
from api.queries.sources import SourceFilters
from api.queries.timeline import TimelineFilters
from bench.samples import Samples
from schema.read_search import SEARCH_TYPES

LARGE_ROWS = 10_000
LANGS = ("en", "fr")
Call = Callable[[asyncpg.Connection], Awaitable[object]]


@dataclass
class LargeScan:
    node: str
    relation: str
    table_rows: int
    rows_read: int
    """Rows the scan read in one loop (returned plus removed by its filter)."""


@dataclass
class ExplainedCase:
    name: str
    statements: list[str]
    plans: list[Any]
    execution_ms: float
    large_scans: list[LargeScan] = field(default_factory=list)
    """Large sequential reads (see `large_scans`): each one fails the check."""

    @property
    def ok(self) -> bool:
        return not self.large_scans


async def captured_statements(conn: asyncpg.Connection, call: Call) -> list[tuple[str, tuple[Any, ...]]]:
    """The (SQL, arguments) of every statement `call` runs on `conn`."""
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def record(query: LoggedQuery) -> None:
        captured.append((query.query, tuple(query.args)))

    conn.add_query_logger(record)
    try:
        await call(conn)
        await asyncio.sleep(0)  # asyncpg hands records to loggers with call_soon
    finally:
        conn.remove_query_logger(record)
    return captured


def plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of a JSON plan tree, depth first."""
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes.extend(plan_nodes(child))
    return nodes


async def _table_rows(conn: asyncpg.Connection, relation: str) -> int:
    rows = await conn.fetchval(
        "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass($1)", relation
    )
    return int(rows or 0)


def _limited_scans(plan: dict[str, Any], large_rows: int) -> set[int]:
    """Seq Scans that a Limit right above them stops after at most `large_rows` rows: "the first rows of a table".

    Such a scan has no filter (every row it reads is passed up) and reads exactly what the Limit asks for, so the
    table's size does not matter to its cost (search's probe of each table's first rows).
    """
    found = set()
    for node in plan_nodes(plan):
        if node.get("Node Type") != "Limit":
            continue
        for child in node.get("Plans", []):
            scan = child.get("Node Type") == "Seq Scan" and "Filter" not in child
            if scan and child.get("Actual Rows", 0) <= large_rows and node.get("Plan Rows", 0) <= large_rows:
                found.add(id(child))
    return found


async def large_scans(conn: asyncpg.Connection, plan: dict[str, Any], large_rows: int) -> list[LargeScan]:
    """Seq Scans of large tables, and index scans that read over `large_rows` rows to throw them away.

    The second kind is a sequential read in index order (an `ORDER BY` index walked while a filter the index
    cannot answer drops row after row): as slow at scale as a Seq Scan, and invisible to a check of node types.
    """
    found = []
    bounded = _limited_scans(plan, large_rows)
    for node in plan_nodes(plan):
        if id(node) in bounded:
            continue
        kind = node.get("Node Type", "")
        if kind != "Seq Scan" and "Index" not in kind:
            continue
        relation = node.get("Relation Name", "")
        # EXPLAIN's row counts are per loop: a small table scanned once per outer row is not a large read.
        removed = node.get("Rows Removed by Filter", 0)
        read = node.get("Actual Rows", 0) + removed
        if kind == "Seq Scan":
            table_rows = await _table_rows(conn, relation)
            if max(read, table_rows) > large_rows:
                found.append(LargeScan(kind, relation, table_rows, int(read)))
        elif removed > large_rows:
            found.append(LargeScan(kind, relation, await _table_rows(conn, relation), int(read)))
    return found


async def explain_case(
    conn: asyncpg.Connection, name: str, call: Call, *, large_rows: int = LARGE_ROWS
) -> ExplainedCase:
    case = ExplainedCase(name, [], [], 0.0)
    for sql, args in await captured_statements(conn, call):
        raw = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", *args)
        document = raw if isinstance(raw, list) else json.loads(raw)
        top = document[0]
        case.statements.append(sql)
        case.plans.append(top)
        case.execution_ms += top.get("Execution Time", 0.0)
        case.large_scans.extend(await large_scans(conn, top["Plan"], large_rows))
    return case


def render_plan(plan: dict[str, Any], depth: int = 0) -> list[str]:
    """A plan as indented text: node, relation/index, actual rows and loops, time, buffers."""
    what = plan["Node Type"]
    if "Relation Name" in plan:
        what += f" on {plan['Relation Name']}"
    if "Index Name" in plan:
        what += f" using {plan['Index Name']}"
    figures = (
        f"rows={plan.get('Actual Rows', '?')} loops={plan.get('Actual Loops', '?')} "
        f"time={plan.get('Actual Total Time', '?')}ms hit={plan.get('Shared Hit Blocks', 0)} "
        f"read={plan.get('Shared Read Blocks', 0)}"
    )
    if plan.get("Rows Removed by Filter"):
        figures += f" removed_by_filter={plan['Rows Removed by Filter']}"
    lines = [f"{'  ' * depth}-> {what}  ({figures})"]
    for child in plan.get("Plans", []):
        lines.extend(render_plan(child, depth + 1))
    return lines


async def _one(conn: asyncpg.Connection, sql: str, *args: Any) -> Any:
    return await conn.fetchval(sql, *args)


async def list_cases(conn: asyncpg.Connection, samples: Samples) -> dict[str, Call]:
    """Every list endpoint's query, with representative parameters: no filter, each filter, deep pages."""
    hot, rare = samples.hot_actors[0], samples.rare_actors[0]
    day = samples.first_day + (samples.last_day - samples.first_day) / 2
    month = (day, day + timedelta(days=30))
    late = samples.first_day + (samples.last_day - samples.first_day) * 9 / 10
    word = "usine"
    proposition = samples.propositions[0] if samples.propositions else "none"
    event_id = await _one(conn, "SELECT event_id FROM claim_events LIMIT 1") or "none"
    source_id = await _one(conn, "SELECT id FROM sources ORDER BY id LIMIT 1 OFFSET 10") or "none"
    place_id = await _one(conn, "SELECT place_id FROM events WHERE place_id IS NOT NULL LIMIT 1") or "none"
    tag = await _one(conn, "SELECT tags[1] FROM events WHERE cardinality(tags) > 0 LIMIT 1") or "none"
    kind = await _one(conn, "SELECT kind FROM events LIMIT 1") or "attack"
    relay = await _one(conn, "SELECT actor_id FROM claim_reporting LIMIT 1") or hot
    claim_id = samples.claim_ids[0]
    deep = (day, "ev-0000000")
    name_part = (await _one(conn, "SELECT name FROM actors WHERE id = $1", hot) or "a").split()[0]
    head = await _one(conn, "SELECT txid::text::bigint FROM changes ORDER BY txid DESC, id DESC LIMIT 1")
    head_id = await _one(conn, "SELECT id FROM changes ORDER BY txid DESC, id DESC LIMIT 1")
    feed_start = (head - 1, head_id) if head is not None else None
    behind = await conn.fetchrow(
        "SELECT txid::text::bigint AS txid, id FROM changes ORDER BY txid DESC, id DESC OFFSET 1000 LIMIT 1"
    )
    feed_near_head = (behind["txid"], behind["id"]) if behind is not None else feed_start
    common = await search.load_common_lexemes(conn)  # what the API's copy holds (`api.common_lexemes`)

    def ev(filters: EventFilters, keyset: Keyset | None = None) -> Call:
        return lambda c: events.list_events(c, filters, keyset or Keyset(), LANGS)

    def tl(filters: TimelineFilters) -> Call:
        return lambda c: timeline.list_timeline(c, filters, Keyset(), LANGS)

    def cl(filters: ClaimFilters, order: str = "asc", after: tuple[Any, str] | None = None) -> Call:
        return lambda c: claims.list_claims(c, filters, order=order, after=after, limit=50, languages=LANGS)

    return {
        "GET /v1/events": ev(EventFilters()),
        "GET /v1/events?from&to (a month)": ev(EventFilters(start=month[0], end=month[1])),
        "GET /v1/events?actor=<hot>": ev(EventFilters(actors=[hot])),
        "GET /v1/events?actor=<rare>&from&to": ev(EventFilters(actors=[rare], start=month[0], end=month[1])),
        "GET /v1/actors/<rare>/events": ev(EventFilters(participant=rare)),
        "GET /v1/events?kind": ev(EventFilters(kinds=[kind])),
        "GET /v1/events?place": ev(EventFilters(places=[place_id])),
        "GET /v1/events?tag": ev(EventFilters(tags=[tag])),
        "GET /v1/events?proposition": ev(EventFilters(propositions=[proposition])),
        "GET /v1/events?q=usine": ev(EventFilters(q=word)),
        "GET /v1/events?cursor=<deep>": ev(EventFilters(), Keyset(after=deep)),
        "GET /v1/timeline": tl(TimelineFilters()),
        "GET /v1/timeline?from&to (a month)": tl(TimelineFilters(start=month[0], end=month[1])),
        "GET /v1/timeline?actor=<hot>": tl(TimelineFilters(actors=[hot])),
        "GET /v1/timeline?actor=<rare>": tl(TimelineFilters(actors=[rare])),
        "GET /v1/timeline?actor=<hot>&from&to": tl(TimelineFilters(actors=[hot], start=month[0], end=month[1])),
        "GET /v1/timeline?actor=<rare>&from&to": tl(TimelineFilters(actors=[rare], start=month[0], end=month[1])),
        "GET /v1/timeline?proposition": tl(TimelineFilters(propositions=[proposition])),
        "GET /v1/timeline?q=usine": tl(TimelineFilters(q=word)),
        "GET /v1/claims": cl(ClaimFilters()),
        "GET /v1/claims?order=desc": cl(ClaimFilters(), order="desc"),
        "GET /v1/claims?actor=<hot>": cl(ClaimFilters(claimants=[hot])),
        "GET /v1/claims?actor=<rare>": cl(ClaimFilters(claimants=[rare])),
        "GET /v1/claims?actor=<hot>&from=<late>": cl(ClaimFilters(claimants=[hot], start=late)),
        "GET /v1/claims?kind=denial": cl(ClaimFilters(kinds=["denial"])),
        "GET /v1/claims?from&to (a month)": cl(ClaimFilters(start=month[0], end=month[1])),
        "GET /v1/claims?proposition&stance": cl(ClaimFilters(proposition=proposition, stance="supports")),
        "GET /v1/claims?event": cl(ClaimFilters(event=event_id)),
        "GET /v1/claims?source": cl(ClaimFilters(source=source_id)),
        "GET /v1/claims?reported_via": cl(ClaimFilters(reported_via=relay)),
        "GET /v1/claims?lang=en": cl(ClaimFilters(language="en")),
        "GET /v1/claims?q=usine": cl(ClaimFilters(q=word)),
        "GET /v1/claims?cursor=<deep>": cl(ClaimFilters(), after=(day, "cl-0000000")),
        "GET /v1/actors": lambda c: actors.list_actors(c, ActorFilters(), after_id=None, limit=51, languages=LANGS),
        "GET /v1/actors?kind=person": lambda c: actors.list_actors(
            c, ActorFilters(kinds=["person"]), after_id=None, limit=51, languages=LANGS
        ),
        "GET /v1/actors?q=<name>": lambda c: actors.search_actors(
            c, ActorFilters(), name_part, after=None, limit=51, languages=LANGS
        ),
        "GET /v1/search?q=usine": lambda c: search.search(
            c, word, list(SEARCH_TYPES), after=None, limit=51, languages=LANGS, common_lexemes=common
        ),
        "GET /v1/search?q=<a rare word>": lambda c: search.search(
            c, "xylophone", list(SEARCH_TYPES), after=None, limit=51, languages=LANGS, common_lexemes=common
        ),
        "GET /v1/sources": lambda c: sources.list_sources(
            c, SourceFilters(), order="asc", after=None, limit=50, languages=LANGS
        ),
        "GET /v1/sources?from&to": lambda c: sources.list_sources(
            c,
            SourceFilters(published_from=month[0], published_to=month[1]),
            order="asc",
            after=None,
            limit=50,
            languages=LANGS,
        ),
        "GET /v1/citations?claim": lambda c: citations.list_citations(
            c, CitationFilters(claims=[claim_id]), order="asc", after=None, limit=50, languages=LANGS
        ),
        "GET /v1/citations?source": lambda c: citations.list_citations(
            c, CitationFilters(sources=[source_id]), order="asc", after=None, limit=50, languages=LANGS
        ),
        "GET /v1/propositions": lambda c: propositions.list_propositions(
            c, q=None, order="asc", after=None, limit=50, languages=LANGS
        ),
        # A mirror's first walk starts before the whole feed (the synthetic feed is one transaction: txid - 1);
        # a bot's poll starts near the head.
        "GET /v1/changes (from the start)": lambda c: changes.list_changes(c, FeedFilter(after=feed_start), 51),
        "GET /v1/changes?types=claims (from the start)": lambda c: changes.list_changes(
            c, FeedFilter(after=feed_start, types=["claims"]), 51
        ),
        "GET /v1/changes?types=sources,citations (from the start)": lambda c: changes.list_changes(
            c, FeedFilter(after=feed_start, types=["sources", "citations"]), 51
        ),
        "GET /v1/changes?actor=<hot> (from the start)": lambda c: changes.list_changes(
            c, FeedFilter(after=feed_start, actor=hot), 51
        ),
        "GET /v1/changes?actor=<rare> (from the start)": lambda c: changes.list_changes(
            c, FeedFilter(after=feed_start, actor=rare), 51
        ),
        "GET /v1/changes?actor=<hot>&types=claims (from the start)": lambda c: changes.list_changes(
            c, FeedFilter(after=feed_start, types=["claims"], actor=hot), 51
        ),
        "GET /v1/changes?types=events,claims (near the head)": lambda c: changes.list_changes(
            c, FeedFilter(after=feed_near_head, types=["events", "claims"]), 51
        ),
        "GET /v1/changes?actor=<hot> (near the head)": lambda c: changes.list_changes(
            c, FeedFilter(after=feed_near_head, actor=hot), 51
        ),
        "GET /v1/changes?actor=<hot>&types=events,citations (near the head)": lambda c: changes.list_changes(
            c, FeedFilter(after=feed_near_head, types=["events", "citations"], actor=hot), 51
        ),
    }


async def explain_all(url: str, samples: Samples, *, large_rows: int = LARGE_ROWS) -> list[ExplainedCase]:
    from api.pgcodecs import init_connection

    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        return [
            await explain_case(conn, name, call, large_rows=large_rows)
            for name, call in (await list_cases(conn, samples)).items()
        ]
    finally:
        await conn.close()


def describe(case: ExplainedCase) -> str:
    return ", ".join(f"{s.node} on {s.relation} ({s.rows_read:,} rows read)" for s in case.large_scans)


def plans_text(cases: list[ExplainedCase]) -> str:
    out = []
    for case in cases:
        verdict = "ok" if case.ok else "FAIL: " + describe(case)
        out.append(f"=== {case.name}  [{case.execution_ms:.1f} ms]  {verdict}")
        for sql, plan in zip(case.statements, case.plans, strict=True):
            out.append(sql.strip())
            out.extend(render_plan(plan["Plan"]))
        out.append("")
    return "\n".join(out)
