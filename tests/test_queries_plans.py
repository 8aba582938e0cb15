"""The plans of the list queries on a synthetic corpus: each filter is answered by its index, not by a walk.

A small `timeline synth` corpus (analyzed, so the planner sees its statistics) stands in for the million events of
`make bench`; the same check the bench runs (`bench.explain`: no Seq Scan of a large table, no index walk that
throws away more rows than a large table holds) is run with "large" scaled down to it. Each case also names the
index that must answer it, so a query that drifts back to a shape the planner cannot drive from that index fails
here, not only at a million rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
import pytest

from api.pgcodecs import init_connection
from api.queries import changes, claims, sources, timeline
from api.queries.changes import FeedFilter
from api.queries.claims import ClaimFilters
from api.queries.events import Keyset
from api.queries.sources import SourceFilters
from api.queries.timeline import TimelineFilters
from api.synth import SynthSpec, synthesize
from bench import explain

SPEC = SynthSpec(events=4000, claims=12000, actors=400, seed=11, chunk=4000)
LARGE = 2000
"""Rows: a sixth of the claims, over a third of the sources."""
LANGS = ("en", "fr")
Call = Callable[[asyncpg.Connection], Awaitable[object]]


@pytest.fixture
async def corpus(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    await synthesize(database_url, SPEC, workers=0)
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    await conn.execute("ANALYZE")
    # The pool's setting (api.database.create_pool): plans made with the values.
    await conn.execute("SET plan_cache_mode = force_custom_plan")
    try:
        yield conn
    finally:
        await conn.close()


def index_names(case: explain.ExplainedCase) -> set[str]:
    return {
        node["Index Name"] for plan in case.plans for node in explain.plan_nodes(plan["Plan"]) if "Index Name" in node
    }


async def checked(conn: asyncpg.Connection, name: str, call: Call) -> explain.ExplainedCase:
    case = await explain.explain_case(conn, name, call, large_rows=LARGE)
    assert case.ok, explain.describe(case) + "\n" + explain.plans_text([case])
    return case


async def one(conn: asyncpg.Connection, sql: str) -> Any:
    return await conn.fetchval(sql)


async def test_claims_of_an_event_or_a_source_are_read_through_the_link(corpus: asyncpg.Connection) -> None:
    event_id = await one(corpus, "SELECT event_id FROM claim_events GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    source_id = await one(corpus, "SELECT source_id FROM citations WHERE claim_id IS NOT NULL ORDER BY id LIMIT 1")

    def listed(filters: ClaimFilters) -> Call:
        return lambda c: claims.list_claims(c, filters, order="asc", after=None, limit=50, languages=LANGS)

    by_event = await checked(corpus, "claims?event", listed(ClaimFilters(event=event_id)))
    assert "claim_events_event_idx" in index_names(by_event)
    by_source = await checked(corpus, "claims?source", listed(ClaimFilters(source=source_id)))
    # Any of the citations' indexes that lead with source_id will do (the planner picks by their sizes).
    assert any(name.startswith("citations_source") for name in index_names(by_source)), index_names(by_source)


async def test_an_actors_timeline_walks_the_actors_indexes_in_time_order(corpus: asyncpg.Connection) -> None:
    hot = await one(corpus, "SELECT actor_id FROM event_participants GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    day = await one(corpus, "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY earliest) FROM claims")
    window = TimelineFilters(actors=[hot], start=day, end=date.fromordinal(day.toordinal() + 70))

    def listed(filters: TimelineFilters) -> Call:
        return lambda c: timeline.list_timeline(c, filters, Keyset(), LANGS)

    in_window = index_names(await checked(corpus, "timeline?actor&from&to", listed(window)))
    # Class by class of date span (migration 0012), never the window's range index read whole and sorted.
    assert in_window >= {
        "event_participants_actor_idx",
        "event_participants_actor_span_idx",
        "claims_claimant_idx",
        "claims_claimant_span_idx",
    }
    assert not in_window & {"events_period_idx", "claims_period_idx"}
    every_day = index_names(await checked(corpus, "timeline?actor", listed(TimelineFilters(actors=[hot]))))
    assert "event_participants_actor_idx" in every_day


async def test_a_claimants_list_walks_the_claimants_indexes_in_time_order(corpus: asyncpg.Connection) -> None:
    hot = await one(corpus, "SELECT claimant_id FROM claims GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    late = await one(corpus, "SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY earliest) FROM claims")

    def listed(filters: ClaimFilters) -> Call:
        return lambda c: claims.list_claims(c, filters, order="asc", after=None, limit=50, languages=LANGS)

    every_day = await checked(corpus, "claims?actor", listed(ClaimFilters(claimants=[hot])))
    assert "claims_claimant_idx" in index_names(every_day)
    from_late = await checked(corpus, "claims?actor&from", listed(ClaimFilters(claimants=[hot], start=late)))
    assert index_names(from_late) >= {"claims_claimant_idx", "claims_claimant_span_idx"}
    # The page's rows are read in order, not every claim of the claimant and sorted.
    sorted_rows = [
        node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
        for plan in from_late.plans + every_day.plans
        for node in explain.plan_nodes(plan["Plan"])
        if node["Node Type"] == "Sort"
    ]
    assert max(sorted_rows, default=0) <= 51 * 5, sorted_rows


async def test_a_sources_window_is_found_through_the_range_index(corpus: asyncpg.Connection) -> None:
    day = await one(corpus, "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY published_earliest) FROM sources")
    window = SourceFilters(published_from=day, published_to=date.fromordinal(day.toordinal() + 30))
    case = await checked(
        corpus,
        "sources?from&to",
        lambda c: sources.list_sources(c, window, order="asc", after=None, limit=50, languages=LANGS),
    )
    assert "sources_published_range_idx" in index_names(case)


async def test_the_feed_of_some_types_walks_only_their_changes(corpus: asyncpg.Connection) -> None:
    # The synthetic feed is written type after type: the first claim comes after every event and actor change.
    txid = await one(corpus, "SELECT txid::text::bigint FROM changes ORDER BY txid, id LIMIT 1")
    start = (txid - 1, 0)
    claims_only = await checked(
        corpus, "changes?types=claims", lambda c: changes.list_changes(c, FeedFilter(after=start, types=["claims"]), 51)
    )
    assert index_names(claims_only) == {"changes_claims_feed_idx"}
    two = await checked(
        corpus,
        "changes?types=claims,sources",
        lambda c: changes.list_changes(c, FeedFilter(after=start, types=["claims", "sources"]), 51),
    )
    assert index_names(two) == {"changes_claims_feed_idx", "changes_sources_feed_idx"}


async def test_the_feed_of_an_actor_reads_change_actors_in_feed_order(corpus: asyncpg.Connection) -> None:
    """One range of `change_actors_feed_idx` per type, each stopping at the page: nothing read to be dropped."""
    txid = await one(corpus, "SELECT txid::text::bigint FROM changes ORDER BY txid, id LIMIT 1")
    start = (txid - 1, 0)
    near_head = await corpus.fetchrow(
        "SELECT txid::text::bigint AS txid, id FROM changes ORDER BY txid DESC, id DESC OFFSET 500 LIMIT 1"
    )
    busiest = "SELECT actor_id FROM change_actors GROUP BY 1 ORDER BY count(*) {}, 1 LIMIT 1"
    hot, rare = await one(corpus, busiest.format("DESC")), await one(corpus, busiest.format("ASC"))
    cases = {
        "changes?actor=<hot> (from the start)": FeedFilter(after=start, actor=hot),
        "changes?actor=<rare> (from the start)": FeedFilter(after=start, actor=rare),
        "changes?actor=<hot>&types=claims (from the start)": FeedFilter(after=start, types=["claims"], actor=hot),
        "changes?actor=<hot>&types=events,citations (near the head)": FeedFilter(
            after=(near_head["txid"], near_head["id"]), types=["events", "citations"], actor=hot
        ),
    }
    for name, where in cases.items():
        case = await checked(corpus, name, lambda c, where=where: changes.list_changes(c, where, 51))
        assert "change_actors_feed_idx" in index_names(case), name
        assert not {n for n in index_names(case) if n.startswith("changes_") and n != "changes_pkey"}, name
        walks = [
            node
            for plan in case.plans
            for node in explain.plan_nodes(plan["Plan"])
            if node.get("Relation Name") == "change_actors"
        ]
        # A rare actor's few rows of a type may be fetched by bitmap and sorted: still only that actor's rows.
        scans = ("Index Scan", "Index Only Scan", "Bitmap Heap Scan")
        assert walks and all(node["Node Type"] in scans for node in walks), name
        assert sum(node.get("Rows Removed by Filter", 0) for node in walks) <= 5, name
        assert sum(node["Actual Rows"] for node in walks) <= 51 * len(walks), name
        assert await changes.list_changes(corpus, where, 51), name  # the walks found something
