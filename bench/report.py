"""The results: every figure as JSON, the table as Markdown, and the targets of issue 7 met or missed."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import psutil


def machine() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 7: what was measured, the goal, met or not (None when not measured)."""
    scenarios: dict[str, Any] = results.get("scenarios", {})
    ceilings: dict[str, Any] = results.get("ceilings", {})
    out: list[dict[str, Any]] = []

    def add(name: str, measured: str, goal: str, met: bool | None) -> None:
        out.append({"target": name, "measured": measured, "goal": goal, "met": met})

    if "1" in scenarios and "1" in ceilings:
        share = scenarios["1"]["rps"] / ceilings["1"]["rps"] if ceilings["1"]["rps"] else 0.0
        p99 = scenarios["1"]["latency_ms"]["p99"]
        add("Scenario 1: share of its ceiling", f"{share:.0%}", ">= 75%", share >= 0.75)
        connections = results["options"]["connections"]
        add(f"Scenario 1: p99 at {connections} connections", f"{p99:.1f} ms", "< 50 ms", p99 < 50)
    if "2a" in scenarios and "2b" in scenarios:
        ratio = scenarios["2b"]["rps"] / scenarios["2a"]["rps"] if scenarios["2a"]["rps"] else 0.0
        add("Scenario 2: deep page vs page 1 throughput", f"{ratio:.0%}", ">= 80%", ratio >= 0.8)
    for key, how in (("4s", "one request at a time"), ("4", f"{results['options']['connections']} connections")):
        if key in scenarios:
            p50 = scenarios[key]["latency_ms"]["p50"]
            add(f"Scenario 4: search p50, {how}", f"{p50:.1f} ms", "< 20 ms", p50 < 20)
    if "6a" in scenarios and "6b" in scenarios:
        ratio = scenarios["6a"]["rps"] / scenarios["6b"]["rps"] if scenarios["6b"]["rps"] else 0.0
        add("Scenario 6: 304 polls vs 200 polls", f"{ratio:.1f}x", ">= 3x", ratio >= 3)
    if "explain" in results:
        failed = [c["name"] for c in results["explain"]["cases"] if not c["ok"]]
        measured = "none" if not failed else "; ".join(failed)
        add("Every list query uses an index (no large sequential read)", measured, "none", not failed)
    if scenarios:
        errors = sum(s["errors"] for s in scenarios.values())
        add("Errors in every scenario", str(errors), "0", errors == 0)
    return out


def _cell(value: Any, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)


def markdown(results: dict[str, Any]) -> str:
    """The table BENCHMARKS.md shows, with the run's context above it and the targets below."""
    m = results["machine"]
    pg = results.get("postgres", {})
    spec = results["spec"]
    opts = results["options"]
    lines = [
        f"Run {results['date']} · {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB · PostgreSQL "
        f"{pg.get('version', '?')} · corpus {spec['events']:,} events / {spec['claims']:,} claims / "
        f"{spec['actors']:,} actors (seed {spec['seed']}) · {opts['workers']} worker(s), {opts['connections']} "
        f"connections, {opts['duration']} per scenario · load average before/after: "
        f"{results.get('load_before')} / {results.get('load_after')}",
        "",
        f"`{results['command']}`",
        "",
        "| # | Scenario | req/s | p50 ms | p90 ms | p99 ms | errors | SQL/req | peak RSS MB | ceiling req/s "
        "| % of ceiling |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ceilings = results.get("ceilings", {})
    for key, s in results.get("scenarios", {}).items():
        ceiling = ceilings.get(key)
        share = s["rps"] / ceiling["rps"] if ceiling and ceiling["rps"] else None
        lat = s["latency_ms"]
        lines.append(
            f"| {key} | {s['title']} | {s['rps']:.0f} | {lat['p50']:.1f} | {lat['p90']:.1f} | {lat['p99']:.1f} | "
            f"{s['errors']} | {_cell(s['statements_per_request'], '{:.2f}')} | {s['peak_rss_mb']:.0f} | "
            f"{_cell(ceiling and ceiling['rps'], '{:.0f}')} | {_cell(share, '{:.0%}')} |"
        )
    lines += ["", "| Target | Measured | Goal | Met |", "|---|---|---|---|"]
    for t in results.get("targets", []):
        met = {True: "yes", False: "**no**", None: "-"}[t["met"]]
        lines.append(f"| {t['target']} | {t['measured']} | {t['goal']} | {met} |")
    explain = results.get("explain")
    if explain:
        lines += [
            "",
            f"EXPLAIN check: {len(explain['cases'])} list queries, "
            f"{sum(1 for c in explain['cases'] if not c['ok'])} reading a large table sequentially (a Seq Scan of a "
            f"table over {explain['large_rows']:,} rows, or an index scan discarding more rows than that); plans in "
            f"`{explain['plans_file']}`.",
        ]
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], directory: Path, stamp: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / f"{stamp}.json"
    md_path = directory / f"{stamp}.md"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path
