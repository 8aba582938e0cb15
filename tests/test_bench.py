"""The benchmark harness's own logic, on the story database: EXPLAIN check, ceilings, scenarios, wrk output, report.

No figure is asserted here (timings depend on the machine); what is tested is that the harness measures what it
says: the EXPLAIN check catches a large sequential read, the ceiling runs the handler's SQL, every scenario request
is one the API answers, and the report states the targets from the figures.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import shutil
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.loader import load_dataset_file
from api.pgcodecs import init_connection
from api.queries import claims as claim_queries
from api.queries.claims import ClaimFilters
from api.settings import project_root
from bench import ceiling, explain, load, profile, report
from bench.samples import draw_samples
from bench.scenarios import build
from tests.querycount import QueryCounter

STORY = project_root() / "data" / "drone-story.yaml"
LANGS = ("en", "fr")


@pytest.fixture
async def story_url(database_url: str) -> str:
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    try:
        await load_dataset_file(conn, STORY)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return database_url


@pytest.fixture
async def story_conn(story_url: str) -> Any:
    conn = await asyncpg.connect(story_url)
    await init_connection(conn)
    try:
        yield conn
    finally:
        await conn.close()


def _all_claims(conn: asyncpg.Connection) -> Any:
    return claim_queries.list_claims(conn, ClaimFilters(), order="asc", after=None, limit=50, languages=LANGS)


async def test_explain_flags_a_seq_scan_of_a_large_table(story_conn: asyncpg.Connection) -> None:
    await story_conn.execute("SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off")
    case = await explain.explain_case(story_conn, "claims", _all_claims, large_rows=10)
    scans = {(s.node, s.relation) for s in case.large_scans}
    assert ("Seq Scan", "claims") in scans
    assert not case.ok
    assert case.statements and "FROM claims AS c" in case.statements[0]
    assert "Seq Scan on claims" in explain.plans_text([case])


async def test_explain_passes_the_same_query_when_it_uses_its_index(story_conn: asyncpg.Connection) -> None:
    await story_conn.execute("SET enable_seqscan = off")
    case = await explain.explain_case(story_conn, "claims", _all_claims, large_rows=10)
    assert ("Seq Scan", "claims") not in {(s.node, s.relation) for s in case.large_scans}
    nodes = [n for plan in case.plans for n in explain.plan_nodes(plan["Plan"])]
    assert any(n.get("Relation Name") == "claims" and "Index" in n["Node Type"] for n in nodes)
    # With the story's 57 claims, nothing is large at the real threshold.
    assert (await explain.explain_case(story_conn, "claims", _all_claims)).ok


async def test_explain_flags_an_index_walked_to_filter_a_large_table(story_conn: asyncpg.Connection) -> None:
    """An index scan that reads row after row only to drop them is a sequential read too."""
    await story_conn.execute("SET enable_seqscan = off; SET enable_bitmapscan = off")

    def in_a_language(conn: asyncpg.Connection) -> Any:
        # No index answers the language filter: with the time index forced, every claim is read and dropped.
        filters = ClaimFilters(language="zz")
        return claim_queries.list_claims(conn, filters, order="asc", after=None, limit=50, languages=LANGS)

    case = await explain.explain_case(story_conn, "language", in_a_language, large_rows=5)
    assert any(s.relation == "claims" and s.node.startswith("Index") and s.rows_read > 5 for s in case.large_scans)


async def test_explain_passes_the_first_rows_of_a_large_table_but_not_a_filtered_scan(
    story_conn: asyncpg.Connection,
) -> None:
    """A Seq Scan that a Limit stops after a few rows costs the same whatever the table's size; one that filters
    the rows it reads (and so may read them all) is a large read."""

    def first_rows(sql: str) -> Callable[[asyncpg.Connection], Awaitable[object]]:
        return lambda conn: conn.fetch(sql)

    head = await explain.explain_case(story_conn, "head", first_rows("SELECT id FROM claims LIMIT 5"), large_rows=10)
    assert head.ok, explain.describe(head)
    filtered = await explain.explain_case(
        story_conn, "filtered", first_rows("SELECT id FROM claims WHERE language = 'zz' LIMIT 5"), large_rows=10
    )
    assert ("Seq Scan", "claims") in {(s.node, s.relation) for s in filtered.large_scans}
    beyond = await explain.explain_case(story_conn, "many", first_rows("SELECT id FROM claims LIMIT 40"), large_rows=10)
    assert ("Seq Scan", "claims") in {(s.node, s.relation) for s in beyond.large_scans}  # more than "a few"


async def test_explain_runs_every_list_case_on_the_story(story_url: str) -> None:
    samples = await draw_samples(story_url)
    cases = await explain.explain_all(story_url, samples)
    assert len(cases) >= 40
    assert all(case.statements for case in cases), [c.name for c in cases if not c.statements]
    assert all(case.ok for case in cases), [(c.name, c.large_scans) for c in cases if not c.ok]


async def _handler_statements(client: AsyncTestClient[Litestar], counter: QueryCounter, url: str) -> list[str]:
    with counter.counting() as counted:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    return counted.statements


async def test_ceilings_run_the_same_sql_as_the_handlers(
    story_url: str, client: AsyncTestClient[Litestar], query_counter: QueryCounter
) -> None:
    samples = await draw_samples(story_url)
    scenarios = build(samples, seed=3)
    pool = await asyncpg.create_pool(story_url, min_size=1, max_size=2, init=_counted_init(query_counter))
    try:
        for key in ("1", "5"):
            scenario = scenarios[key]
            for line, params in list(zip(scenario.lines, scenario.params, strict=True))[:8]:
                handler = await _handler_statements(client, query_counter, line)
                with query_counter.counting() as counted:
                    await ceiling.OPERATIONS[key](pool, params)
                    await asyncio.sleep(0)  # asyncpg hands records to query loggers with call_soon
                assert counted.statements == handler, line
    finally:
        await pool.close()


def _counted_init(counter: QueryCounter) -> Any:
    async def init(conn: asyncpg.Connection) -> None:
        await init_connection(conn)
        await counter.attach(conn)

    return init


async def test_every_scenario_request_is_answered(story_url: str, client: AsyncTestClient[Litestar]) -> None:
    samples = await draw_samples(story_url)
    scenarios = build(samples, seed=1)
    assert build(samples, seed=1)["1"].lines == scenarios["1"].lines  # deterministic for a seed
    assert scenarios["7"].write_share == pytest.approx(0.05)
    for key, scenario in scenarios.items():
        for line in scenario.lines[:8]:
            response = await client.get(line)
            assert response.status_code == 200, (key, line, response.text)
    deep = scenarios["2b"].lines[0]
    assert "cursor=" in deep
    assert scenarios["4s"].lines == scenarios["4"].lines and scenarios["4s"].connections == 1
    assert all(s.connections is None for k, s in scenarios.items() if k != "4s")


async def test_scenario_6_lines_get_304_with_their_etag(story_url: str, client: AsyncTestClient[Litestar]) -> None:
    scenario = build(await draw_samples(story_url), seed=1)["6a"]
    for line in scenario.lines[:10]:
        etag = (await client.get(line)).headers["etag"]
        again = await client.get(line, headers={"If-None-Match": etag})
        assert again.status_code == 304


def test_wrk_output_is_parsed_and_errors_counted() -> None:
    line = (
        'BENCH_JSON {"requests": 1000, "duration_us": 2000000, "bytes": 5, '
        '"errors": {"connect": 1, "read": 0, "write": 0, "status": 3, "timeout": 2}, '
        '"statuses": {"2xx": 990, "3xx": 4, "4xx": 2, "5xx": 1}, '
        '"latency_us": {"p50": 1500, "p90": 3000, "p99": 9000, "max": 20000, "mean": 1800.5}}'
    )
    result = load.parse_wrk_output("Running 2s test\n" + line + "\n")
    assert result.rps == 500
    assert result.error_count == 1 + 2 + 3  # sockets and timeouts, plus the 4xx/5xx answers once
    figures = load.summary(result, statements=2.5, peak_rss=150 * 2**20)
    assert figures["latency_ms"]["p99"] == 9.0
    assert figures["statements_per_request"] == 2.5
    assert figures["peak_rss_mb"] == 150.0
    with pytest.raises(RuntimeError):
        load.parse_wrk_output("no figures")


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 304 if self.headers.get("If-None-Match") else (404 if "missing" in self.path else 200)
        body = b"" if status == 304 else b"{}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def little_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")
def test_the_lua_script_sends_etags_and_counts_statuses(little_server: str, tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text('/v1/a\n/v1/b\t"etag"\n/v1/missing\n', encoding="utf-8")
    result = load.run_wrk(little_server, lines, connections=2, duration="1s", threads=1, script_args=["1"])
    assert result.requests > 0
    assert result.statuses["2xx"] > 0 and result.statuses["3xx"] > 0 and result.statuses["4xx"] > 0
    assert result.error_count >= result.statuses["4xx"]
    assert 0 < result.latency_us["p50"] <= result.latency_us["p99"]


def _results(**scenario_rps: float) -> dict[str, Any]:
    def figures(rps: float, p50: float = 5.0, p99: float = 30.0) -> dict[str, Any]:
        return {
            "title": "t",
            "rps": rps,
            "latency_ms": {"p50": p50, "p90": p99, "p99": p99, "max": p99, "mean": p50},
            "errors": 0,
            "statements_per_request": 1.0,
            "peak_rss_mb": 100.0,
        }

    scenarios = {key.removeprefix("s"): figures(rps) for key, rps in scenario_rps.items()}
    scenarios["4"] = figures(50, p50=25.0)
    scenarios["4s"] = figures(60, p50=15.0)
    return {
        "date": "2026-11-21T120000Z",
        "command": "python -m bench",
        "machine": report.machine(),
        "postgres": {"version": "18.6"},
        "spec": {"events": 1_000_000, "claims": 3_000_000, "actors": 20_000, "seed": 1},
        "options": {"workers": 1, "connections": 32, "duration": "10s"},
        "scenarios": scenarios,
        "ceilings": {"1": {"rps": 1000.0}},
        "explain": {"large_rows": 10_000, "plans_file": "p.txt", "cases": [{"name": "GET /v1/x", "ok": False}]},
    }


def test_targets_are_met_or_missed_from_the_figures() -> None:
    results = _results(s1=800, s2a=1000, s2b=700, s6a=3000, s6b=1000)
    met = {t["target"]: t["met"] for t in report.targets(results)}
    assert met["Scenario 1: share of its ceiling"] is True  # 80% >= 75%
    assert met["Scenario 1: p99 at 32 connections"] is True
    assert met["Scenario 2: deep page vs page 1 throughput"] is False  # 70% < 80%
    assert met["Scenario 4: search p50, 32 connections"] is False  # 25 ms
    assert met["Scenario 4: search p50, one request at a time"] is True  # 15 ms
    assert met["Scenario 6: 304 polls vs 200 polls"] is True  # exactly 3x
    assert met["Every list query uses an index (no large sequential read)"] is False


def test_report_writes_json_and_markdown(tmp_path: Path) -> None:
    results = _results(s1=740, s2a=1000, s2b=900, s6a=2000, s6b=1000)
    results["targets"] = report.targets(results)
    json_path, md_path = report.write(results, tmp_path, results["date"])
    assert json.loads(json_path.read_text())["scenarios"]["1"]["rps"] == 740
    table = md_path.read_text()
    assert "| 1 | t | 740 | 5.0 |" in table and "| 74% |" in table  # API share of its ceiling
    assert "| Scenario 6: 304 polls vs 200 polls | 2.0x | >= 3x | **no** |" in table
    assert "PostgreSQL 18.6" in table and "1,000,000 events" in table


def test_profile_summary_shares_own_and_inclusive_samples() -> None:
    collapsed = "\n".join(
        [
            "process 1:main;serve (granian);handle (api/app.py:1);fetch (asyncpg/pool.py:9) 6",
            "process 1:main;serve (granian);handle (api/app.py:1);encode (msgspec:2) 3",
            "process 1:main;serve (granian) 1",
        ]
    )
    summary = profile.summarize(collapsed)
    assert summary["own"][0] == ("fetch (asyncpg/pool.py:9)", 0.6)
    assert dict(summary["inclusive"])["handle (api/app.py:1)"] == 0.9
    assert dict(summary["inclusive"])["serve (granian)"] == 1.0
