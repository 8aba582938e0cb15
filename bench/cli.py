"""`python -m bench` (what `make bench` runs): corpus, EXPLAIN check, the seven scenarios, ceilings, report.

Exits 1 when a list query reads a large table sequentially or a scenario had errors, after writing the report.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import click
import uvloop

from api.database import run_sync
from api.synth import SynthSpec
from bench import ceiling, explain, load, profile, report
from bench.database import bench_database, create_write_key, prepare_corpus, server_facts
from bench.samples import Samples, draw_samples
from bench.scenarios import Scenario, build
from bench.server import RunningApi, running_api

RESULTS = Path(__file__).with_name("results")
ALL_SCENARIOS = ("1", "2a", "2b", "3a", "3b", "4", "4s", "5", "6a", "6b", "7")


def echo(line: str) -> None:
    click.echo(line, err=True)


def _duration_seconds(duration: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    if duration[-1] in units:
        return float(duration[:-1]) * units[duration[-1]]
    return float(duration)


def fill_etags(api: RunningApi, scenario: Scenario) -> None:
    """Turn each line into `path<TAB>ETag`, the ETag the API gives that URL now (a client that is caught up)."""

    def tagged(path: str) -> str:
        with urllib.request.urlopen(api.base_url + path, timeout=30) as answer:
            return f"{path}\t{answer.headers['ETag']}"

    with ThreadPoolExecutor(max_workers=4) as pool:
        scenario.lines = list(pool.map(tagged, scenario.lines))


def delete_bench_claims(api: RunningApi, url: str, token: str, nonce: str) -> int:
    """Remove the claims scenario 7 created, through the API, so that the corpus stays reusable."""

    async def ids() -> list[str]:
        conn = await asyncpg.connect(url)
        try:
            return [r[0] for r in await conn.fetch("SELECT id FROM claims WHERE id LIKE $1", f"bench-{nonce}-%")]
        finally:
            await conn.close()

    def delete(claim_id: str) -> None:
        request = urllib.request.Request(
            f"{api.base_url}/v1/claims/{claim_id}",
            method="DELETE",
            headers={"Authorization": f"Bearer {token}", "If-Match": "*"},
        )
        with urllib.request.urlopen(request, timeout=30):
            pass

    created = run_sync(ids)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(delete, created))
    return len(created)


def run_scenario(
    url: str,
    api: RunningApi,
    scenario: Scenario,
    workdir: Path,
    counter: load.StatementCounter | None,
    *,
    options: dict[str, Any],
    extra_args: list[str],
) -> dict[str, Any]:
    lines_file = workdir / f"scenario-{scenario.key}.txt"
    lines_file.write_text("\n".join(scenario.lines) + "\n", encoding="utf-8")
    args = [str(options["seed"]), *extra_args]
    common = {"connections": scenario.connections or options["connections"], "threads": options["threads"]}
    load.run_wrk(api.base_url, lines_file, duration=options["warmup"], script_args=args, **common)
    run_sync(lambda: load.wait_idle(url))
    before = run_sync(counter.calls) if counter else None
    profiler = None
    if scenario.key == options.get("profile"):
        profile_file = Path(options["results_dir"]) / f"{options['stamp']}-profile-{scenario.key}.txt"
        profiler = profile.start(api.pid, _duration_seconds(options["duration"]), profile_file)
    with load.PeakMemory(api.pid) as memory:
        result = load.run_wrk(api.base_url, lines_file, duration=options["duration"], script_args=args, **common)
    run_sync(lambda: load.wait_idle(url))
    statements: float | None = None
    if counter is not None and before is not None:
        if scenario.write_share:
            statements = (run_sync(counter.calls) - before) / max(result.requests, 1)
        else:
            statements = load.probe_statements(api.base_url, scenario.lines, counter)
    figures = {"title": scenario.title, **load.summary(result, statements, memory.peak)}
    if profiler is not None:
        profiler.wait(timeout=120)
        figures["profile"] = {"file": str(profile_file), **profile.summarize(profile_file.read_text())}
    latency = figures["latency_ms"]
    echo(
        f"  {scenario.key:<3} {scenario.title:<42} {figures['rps']:>8.0f} req/s  p50 {latency['p50']:.1f} "
        f"p99 {latency['p99']:.1f} ms  errors {figures['errors']}  SQL/req {figures['statements_per_request']}"
    )
    return figures


def run_load(url: str, samples: Samples, options: dict[str, Any], results: dict[str, Any]) -> None:
    scenarios = build(samples, options["seed"])
    counter: load.StatementCounter | None = load.StatementCounter(url)
    if counter is not None and not run_sync(counter.enable):
        echo("bench: pg_stat_statements is not preloaded on this server: SQL statements per request not measured")
        counter = None
    with (
        running_api(url, workers=options["workers"], pool_max=options["pool"]) as api,
        tempfile.TemporaryDirectory() as tmp,
    ):
        echo(f"bench: API at {api.base_url} (pid {api.pid}), {options['workers']} worker(s)")
        figures: dict[str, Any] = {}
        for key in options["scenarios"]:
            scenario = scenarios[key]
            extra: list[str] = []
            nonce = ""
            if scenario.etags:
                fill_etags(api, scenario)
            if scenario.write_share:
                nonce = str(int(time.time()))
                token = create_write_key(url, f"bench-writer-{nonce}")
                extra = [
                    str(scenario.write_share),
                    token,
                    nonce,
                    ",".join(samples.hot_actors + samples.rare_actors[:20]),
                ]
            figures[key] = run_scenario(url, api, scenario, Path(tmp), counter, options=options, extra_args=extra)
            if scenario.write_share:
                removed = delete_bench_claims(api, url, extra[1], nonce)
                figures[key]["claims_created_and_removed"] = removed
            if key in ceiling.OPERATIONS:
                results.setdefault("ceilings", {})[key] = measure_ceiling(url, scenario, key, options)
                share = figures[key]["rps"] / results["ceilings"][key]["rps"] if results["ceilings"][key]["rps"] else 0
                echo(
                    f"      ceiling: {results['ceilings'][key]['rps']:.0f} calls/s (the API reaches {share:.0%} of it)"
                )
                run_sync(lambda: load.wait_idle(url))
        results["scenarios"] = figures


def measure_ceiling(url: str, scenario: Scenario, key: str, options: dict[str, Any]) -> dict[str, Any]:
    """Right after its scenario, so that both see the same cache and the same neighbours on the machine.

    On uvloop, the event loop the API's workers run on (granian's `Loops.uvloop`): on asyncio's default loop the
    ceiling came out below the API itself (857 against 1,200 claim details a second).
    """
    return uvloop.run(
        ceiling.measure_ceiling(
            url,
            ceiling.OPERATIONS[key],
            scenario.params,
            pool_size=options["workers"] * options["pool"],
            concurrency=options["connections"],
            seconds=_duration_seconds(options["duration"]),
            seed=options["seed"],
        )
    )


def run_explain(url: str, samples: Samples, large_rows: int, plans_file: Path) -> dict[str, Any]:
    cases = asyncio.run(explain.explain_all(url, samples, large_rows=large_rows))
    plans_file.parent.mkdir(parents=True, exist_ok=True)
    plans_file.write_text(explain.plans_text(cases), encoding="utf-8")
    for case in cases:
        verdict = "ok" if case.ok else "FAIL " + explain.describe(case)
        echo(f"  explain {case.name:<48} {case.execution_ms:>9.1f} ms  {verdict}")
    return {
        "large_rows": large_rows,
        "plans_file": os.path.relpath(plans_file),
        "cases": [
            {
                "name": c.name,
                "ok": c.ok,
                "execution_ms": round(c.execution_ms, 2),
                "large_scans": [vars(s) for s in c.large_scans],
            }
            for c in cases
        ],
    }


@click.command()
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="API worker processes.")
@click.option("--connections", type=click.IntRange(min=1), default=32, show_default=True, help="wrk connections.")
@click.option("--threads", type=click.IntRange(min=1), default=2, show_default=True, help="wrk threads.")
@click.option("--duration", default="10s", show_default=True, help="Measured run per scenario (wrk syntax).")
@click.option("--warmup", default="3s", show_default=True, help="Unmeasured run before each scenario.")
@click.option("--pool", type=click.IntRange(min=1), default=10, show_default=True, help="DATABASE_POOL_MAX per worker.")
@click.option("--events", type=click.IntRange(min=10), default=1_000_000, show_default=True)
@click.option("--claims", type=click.IntRange(min=10), default=3_000_000, show_default=True)
@click.option("--actors", type=click.IntRange(min=50), default=20_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".bench-data"), show_default=True
)
@click.option("--scenario", "only", multiple=True, type=click.Choice(ALL_SCENARIOS), help="Run only these (repeat).")
@click.option("--explain-only", is_flag=True, help="Build/reuse the corpus and run the EXPLAIN check only.")
@click.option("--no-explain", is_flag=True, help="Skip the EXPLAIN check (a rerun of some scenarios).")
@click.option("--large-rows", type=int, default=explain.LARGE_ROWS, show_default=True, help="A large table, in rows.")
@click.option("--results", "results_dir", type=click.Path(file_okay=False, path_type=Path), default=RESULTS)
@click.option("--profile", "profile_key", type=click.Choice(ALL_SCENARIOS), help="py-spy the API during this one.")
def main(
    workers: int,
    connections: int,
    threads: int,
    duration: str,
    warmup: str,
    pool: int,
    events: int,
    claims: int,
    actors: int,
    seed: int,
    data_dir: Path,
    only: tuple[str, ...],
    explain_only: bool,
    no_explain: bool,
    large_rows: int,
    results_dir: Path,
    profile_key: str | None,
) -> None:
    """Benchmark the API on a synthetic corpus (BENCH_DATABASE_URL, or an embedded PostgreSQL in --data-dir)."""
    if not explain_only:
        load.wrk_path()
    spec = SynthSpec(events=events, claims=claims, actors=actors, seed=seed)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    results_dir.mkdir(parents=True, exist_ok=True)
    options = {
        "workers": workers,
        "connections": connections,
        "threads": threads,
        "duration": duration,
        "warmup": warmup,
        "pool": pool,
        "seed": seed,
        "scenarios": [s for s in ALL_SCENARIOS if not only or s in only],
        "profile": profile_key,
        "results_dir": os.path.relpath(results_dir),
        "stamp": stamp,
    }
    results: dict[str, Any] = {
        "date": stamp,
        "command": shlex.join(["python", "-m", "bench", *sys.argv[1:]]),
        "machine": report.machine(),
        "spec": {"events": events, "claims": claims, "actors": actors, "seed": seed},
        "options": options,
        "load_before": report.load_average(),
    }
    with bench_database(data_dir, os.environ.get("BENCH_DATABASE_URL") or None, echo) as url:
        results["postgres"] = run_sync(lambda: server_facts(url))
        results["corpus"] = prepare_corpus(url, spec, echo)
        samples = run_sync(lambda: draw_samples(url))
        if not no_explain:
            echo(f"bench: EXPLAIN (ANALYZE, BUFFERS) of every list query (large table: over {large_rows:,} rows)")
            results["explain"] = run_explain(url, samples, large_rows, results_dir / f"{stamp}-plans.txt")
        if not explain_only:
            run_load(url, samples, options, results)
    results["load_after"] = report.load_average()
    results["targets"] = report.targets(results)
    json_path, md_path = report.write(results, results_dir, stamp)
    click.echo(report.markdown(results))
    echo(f"bench: wrote {json_path} and {md_path}")
    failed = [c["name"] for c in results.get("explain", {}).get("cases", []) if not c["ok"]]
    errors = sum(s["errors"] for s in results.get("scenarios", {}).values())
    if failed or errors:
        echo(f"bench: FAILED: {len(failed)} list queries read a large table sequentially; {errors} request errors")
        sys.exit(1)
