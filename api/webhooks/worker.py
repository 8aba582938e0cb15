"""The delivery tasks: each takes due deliveries, POSTs them and records each attempt, until the app stops.

Each task loops: lease up to `BATCH_SIZE` due rows (one short statement, `FOR UPDATE SKIP LOCKED`, so tasks of
every process share the work without sending a row twice), POST them outside any transaction — one webhook's
deliveries one after the other in change order, different webhooks at once — then record each attempt. Order is
best effort: a delivery waiting for its retry does not hold back the next change of its webhook.

The tasks use a pool of their own (one connection per task): deliveries never wait for a connection behind
requests, requests never wait behind deliveries, and the statements of the app's pool are only the requests' own.
A task that cannot reach the database logs it and tries again later; stopping cancels the tasks, and a row leased
by a cancelled send comes due again when its lease runs out (its receiver may then see that delivery id twice).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from itertools import groupby

import asyncpg
import httpx
import structlog

from api.database import create_pool
from api.queries import webhooks as queries
from api.settings import Settings
from api.tasks import cancel_and_wait
from api.webhooks.schedule import RetryPolicy, next_attempt
from api.webhooks.sender import post_delivery, user_agent

BATCH_SIZE = 10
MAX_IDLE_BACKOFF = 30.0
log = structlog.get_logger("api.webhooks")


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        base=settings.webhook_retry_base, cap=settings.webhook_retry_max, window=settings.webhook_retry_window
    )


@asynccontextmanager
async def webhook_workers(settings: Settings) -> AsyncIterator[None]:
    """Run `settings.webhook_workers` delivery tasks while the block runs (none without a database URL)."""
    if settings.webhook_workers <= 0 or not settings.database_url:
        yield
        return
    # min_size 0: no connection until the first poll, so a start never waits on (or fails for) the database.
    pool = await create_pool(settings.database_url, min_size=0, max_size=settings.webhook_workers)
    client = httpx.AsyncClient(follow_redirects=False, headers={"User-Agent": user_agent()})
    tasks = [
        asyncio.create_task(_deliver_forever(pool, client, settings), name=f"webhook-worker-{n}")
        for n in range(settings.webhook_workers)
    ]
    try:
        yield
    finally:
        await asyncio.gather(*(cancel_and_wait(task) for task in tasks), return_exceptions=True)
        await client.aclose()
        await pool.close()


async def _deliver_forever(pool: asyncpg.Pool, client: httpx.AsyncClient, settings: Settings) -> None:
    policy = retry_policy(settings)
    failures = 0
    while True:
        try:
            batch = await queries.claim_due(pool, BATCH_SIZE, settings.webhook_timeout)
        except Exception as exc:  # the database is down, or not migrated yet: keep the task alive
            failures += 1
            wait = min(settings.webhook_poll_interval * 2**failures, MAX_IDLE_BACKOFF)
            log.warning("webhook worker cannot take deliveries", error=f"{type(exc).__name__}: {exc}", retry_in=wait)
            await asyncio.sleep(wait)
            continue
        failures = 0
        if not batch:
            await asyncio.sleep(settings.webhook_poll_interval)
            continue
        try:
            async with asyncio.TaskGroup() as group:
                for _, queue in groupby(batch, key=lambda d: d.webhook_id):
                    group.create_task(_send_in_order(pool, client, list(queue), settings.webhook_timeout, policy))
        except Exception:  # a bug must not stop every delivery: these rows come due again when their lease ends
            log.exception("webhook batch failed", deliveries=[d.id for d in batch])


async def _send_in_order(
    pool: asyncpg.Pool,
    client: httpx.AsyncClient,
    queue: Sequence[queries.DueDelivery],
    timeout: float,
    policy: RetryPolicy,
) -> None:
    for delivery in queue:
        attempt = await post_delivery(client, delivery, timeout)
        first = delivery.first_attempt_at or attempt.at
        if attempt.error is None:
            status, due = "delivered", None
        else:
            due = next_attempt(attempt.at, first, delivery.attempts + 1, policy, random.random())
            status = "failed" if due is None else "pending"
        try:
            await queries.record_attempt(pool, delivery.id, attempt, status, due, attempt.at)
        except Exception as exc:  # its lease runs out and it is sent again: receivers de-duplicate by delivery id
            log.warning("webhook attempt not recorded", delivery=delivery.id, error=f"{type(exc).__name__}: {exc}")
            continue
        log.info(
            "webhook attempt",
            delivery=delivery.id,
            webhook=delivery.webhook_id,
            webhook_event=delivery.event,
            status_code=attempt.status_code,
            error=attempt.error,
            outcome=status,
        )
