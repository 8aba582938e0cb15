"""The ceiling of scenarios 1 and 5: the handler's own query function in a tight loop, no HTTP.

Same SQL (the query functions of `api/queries` the handlers call, with the rows turned into the same Structs), same
parameter distribution (the scenario's drawn parameters), an asyncpg pool of the API's total size (workers x pool
size, the same connection init), and as many asyncio tasks as wrk has connections, in one Python process.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from api.database import create_pool
from api.params import FALLBACK_LANGUAGES, date_window
from api.queries.claims import get_claim
from api.queries.events import Keyset
from api.queries.timeline import TimelineFilters, list_timeline
from api.routes.events import id_params

Operation = Callable[[asyncpg.Pool, dict[str, Any]], Awaitable[object]]


def languages(lang: str | None) -> tuple[str, ...]:
    """What `preferred_languages` gives a request without Accept-Language."""
    chosen: list[str] = []
    for tag in [*([lang] if lang else []), *FALLBACK_LANGUAGES]:
        if tag not in chosen:
            chosen.append(tag)
    return tuple(chosen)


async def timeline_first_page(pool: asyncpg.Pool, params: dict[str, Any]) -> object:
    """What `GET /v1/timeline?from=&to=&actor=` runs."""
    window = date_window(params.get("from"), params.get("to"))
    actor = params.get("actor")
    filters = TimelineFilters(start=window.start, end=window.end, actors=id_params([actor] if actor else None))
    return await list_timeline(pool, filters, Keyset(order="asc", limit=50), languages(None))


async def claim_detail(pool: asyncpg.Pool, params: dict[str, Any]) -> object:
    """What `GET /v1/claims/{id}` runs."""
    async with pool.acquire() as conn:
        return await get_claim(conn, params["id"], languages(params.get("lang") or None))


OPERATIONS: dict[str, Operation] = {"1": timeline_first_page, "5": claim_detail}


def _percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


async def measure_ceiling(
    url: str,
    operation: Operation,
    params: list[dict[str, Any]],
    *,
    pool_size: int,
    concurrency: int,
    seconds: float,
    seed: int = 1,
) -> dict[str, Any]:
    """Calls per second and latency of `operation` over `params`, `concurrency` tasks on one pool."""
    pool = await create_pool(url, min_size=pool_size, max_size=pool_size)
    latencies: list[float] = []
    try:
        rng = random.Random(seed)
        # Warm up as wrk's warm-up run does: connections opened, statements prepared, pages cached.
        await asyncio.gather(*(operation(pool, rng.choice(params)) for _ in range(concurrency * 4)))
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while (now := time.perf_counter()) < deadline:
                await operation(pool, rng.choice(params))
                latencies.append(time.perf_counter() - now)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    latencies.sort()
    return {
        "calls": len(latencies),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            name: round(_percentile(latencies, q) * 1000, 2) for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
        },
        "pool_size": pool_size,
        "concurrency": concurrency,
    }
