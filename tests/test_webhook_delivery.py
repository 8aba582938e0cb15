"""Webhook deliveries against a real HTTP receiver on 127.0.0.1: signatures, retries, timeouts, restarts.

The app under test runs its delivery workers with small poll and backoff settings; every wait is bounded (see
`Receiver.wait_until`) and no test asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import textwrap
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.database import create_pool
from api.pgcodecs import init_connection
from api.queries import webhooks as queries
from api.settings import Settings, project_root
from api.webhooks.schedule import RetryPolicy, next_attempt, retry_delay
from api.writes import service
from tests.story_factories import claim
from tests.webhook_receiver import Stall, receiver
from tests.write_helpers import Keys, bearer, story_with_keys

Client = AsyncTestClient[Litestar]
FAST = {
    "webhook_poll_interval": 0.05,
    "webhook_timeout": 1.0,
    "webhook_retry_base": 0.05,
    "webhook_retry_max": 0.2,
    "webhook_retry_window": 120.0,
}


@pytest.fixture
async def keys(database_url: str) -> Keys:
    return await story_with_keys(database_url)


def hook_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, data_dir=str(tmp_path / "data"), **{**FAST, **overrides})


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Client]:
    """The app, its delivery workers running until the block ends."""
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


async def subscribe(client: Client, keys: Keys, url: str, **filters: Any) -> dict[str, Any]:
    response = await client.post("/v1/webhooks", json={"url": url, **filters}, headers=bearer(keys.admin))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def write_claim(client: Client, keys: Keys, claim_id: str) -> None:
    response = await client.post("/v1/claims", json=claim(claim_id, "kremlin"), headers=bearer(keys.writer))
    assert response.status_code == 201, response.text


async def deliveries(client: Client, keys: Keys, webhook_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=bearer(keys.admin))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def wait_for_deliveries(
    client: Client, keys: Keys, webhook_id: int, done: Callable[[list[dict[str, Any]]], bool], seconds: float = 20.0
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while True:
        items = await deliveries(client, keys, webhook_id)
        if done(items):
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries never got there: {items}")
        await asyncio.sleep(0.05)


def all_delivered(count: int) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda items: len(items) == count and all(d["status"] == "delivered" for d in items)


async def feed_items(client: Client) -> dict[str, dict[str, Any]]:
    """Every change of the feed, by cursor."""
    items: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        page = (await client.get("/v1/changes", params={"limit": 200, **({"after": after} if after else {})})).json()
        items.update({item["cursor"]: item for item in page["items"]})
        after = page["next_cursor"]
        if not page["has_more"]:
            return items


def readme_verify() -> Callable[[str, bytes, str], bool]:
    """The verification snippet the README gives receivers, run as written."""
    section = (project_root() / "README.md").read_text(encoding="utf-8").split("### Webhooks", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the Webhooks section has lost its Python snippet"
    namespace: dict[str, Any] = {}
    exec(textwrap.dedent(match.group(1)), namespace)
    verify: Callable[[str, bytes, str], bool] = namespace["verify"]
    return verify


def verify(secret: str, header: str, body: bytes) -> int:
    """The receiver's check, written from the README's description: returns the signed timestamp."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(fields["v1"], expected), "signature does not verify"
    return int(fields["t"])


async def test_each_change_arrives_signed_with_its_feed_item_as_body(
    database_url: str, tmp_path: Path, keys: Keys
) -> None:
    with receiver() as hook:
        async with serving(hook_settings(database_url, tmp_path)) as client:
            webhook = await subscribe(client, keys, hook.url, types=["claims"])
            started = time.time()
            await write_claim(client, keys, "first-new-claim")
            await write_claim(client, keys, "second-new-claim")
            await hook.wait_until(lambda r: len(r.accepted()) == 2)
            listed = await wait_for_deliveries(client, keys, webhook["id"], all_delivered(2))
            feed = await feed_items(client)

    requests = hook.requests()
    assert len(requests) == 2
    readme_check = readme_verify()
    for request in requests:
        timestamp = verify(webhook["secret"], request.headers["timeline-signature"], request.body)
        assert started - 60 <= timestamp <= time.time() + 60  # recent (clock granularity: whole seconds)
        with pytest.raises(AssertionError, match="does not verify"):
            verify("another-secret-of-16+", request.headers["timeline-signature"], request.body)
        assert readme_check(webhook["secret"], request.body, request.headers["timeline-signature"])
        assert not readme_check(webhook["secret"], request.body + b" ", request.headers["timeline-signature"])
        assert request.headers["content-type"] == "application/json"
        assert request.headers["timeline-event"] == "claims.upsert"
        assert request.headers["user-agent"].startswith("timeline-webhooks")
        body = request.json()
        assert body == feed[body["cursor"]], "the payload is the /v1/changes item of that change"
    assert [r.json()["id"] for r in requests] == ["first-new-claim", "second-new-claim"]
    ids = [r.delivery_id for r in requests]
    assert len(set(ids)) == 2 and all(uuid.UUID(i) for i in ids)
    assert {d["id"] for d in listed} == set(ids)
    assert {d["change"]["cursor"] for d in listed} == {r.json()["cursor"] for r in requests}


async def test_failed_attempts_are_retried_with_the_same_delivery_id(
    database_url: str, tmp_path: Path, keys: Keys
) -> None:
    with receiver(script=[500, 500]) as hook:
        async with serving(hook_settings(database_url, tmp_path)) as client:
            webhook = await subscribe(client, keys, hook.url, types=["claims"])
            await write_claim(client, keys, "retried-claim")
            [delivery] = await wait_for_deliveries(client, keys, webhook["id"], all_delivered(1))

    requests = hook.requests()
    assert [r.answered for r in requests] == [500, 500, 200]
    assert {r.delivery_id for r in requests} == {delivery["id"]}
    assert len({r.body for r in requests}) == 1, "every retry sends the same bytes"
    for request in requests:
        verify(webhook["secret"], request.headers["timeline-signature"], request.body)
    attempts = delivery["attempts"]
    assert [a["status_code"] for a in attempts] == [500, 500, 200]
    assert [a["error"] for a in attempts] == ["HTTP 500", "HTTP 500", None]
    assert attempts[-1]["response"] == '{"received": true}'
    assert [a["at"] for a in attempts] == sorted(a["at"] for a in attempts)
    assert delivery["next_attempt_at"] is None


async def test_a_timeout_is_a_failed_attempt_and_is_retried(database_url: str, tmp_path: Path, keys: Keys) -> None:
    with receiver(script=[Stall(3.0)]) as hook:
        async with serving(hook_settings(database_url, tmp_path, webhook_timeout=0.5)) as client:
            webhook = await subscribe(client, keys, hook.url)
            await write_claim(client, keys, "slowly-received")
            [delivery] = await wait_for_deliveries(
                client, keys, webhook["id"], lambda items: any(d["status"] == "delivered" for d in items)
            )

    first, second = delivery["attempts"]
    assert first["status_code"] is None and first["error"] == "no answer within 0.5 s"
    assert second["status_code"] == 200 and second["error"] is None
    assert [r.delivery_id for r in hook.requests()] == [delivery["id"], delivery["id"]]


async def test_a_delivery_fails_once_its_retry_window_is_over(database_url: str, tmp_path: Path, keys: Keys) -> None:
    with receiver(default=503) as hook:
        settings = hook_settings(database_url, tmp_path, webhook_retry_window=0.5)
        async with serving(settings) as client:
            webhook = await subscribe(client, keys, hook.url)
            await write_claim(client, keys, "never-received")
            [delivery] = await wait_for_deliveries(
                client, keys, webhook["id"], lambda items: bool(items) and items[0]["status"] == "failed"
            )

    attempts = delivery["attempts"]
    assert len(attempts) >= 2 and {a["status_code"] for a in attempts} == {503}
    assert delivery["next_attempt_at"] is None
    assert len(hook.requests()) == len(attempts)


async def test_nothing_is_lost_across_restarts(database_url: str, tmp_path: Path, keys: Keys) -> None:
    with receiver(default=503) as hook:
        # Written while no worker runs: the rows wait in PostgreSQL.
        async with serving(hook_settings(database_url, tmp_path, webhook_workers=0)) as client:
            webhook = await subscribe(client, keys, hook.url, types=["claims"])
            for n in range(3):
                await write_claim(client, keys, f"while-stopped-{n}")
        # Workers run while the receiver is down: attempts fail and are left for later; one more write meanwhile.
        async with serving(hook_settings(database_url, tmp_path)) as client:
            await write_claim(client, keys, "while-receiver-down")
            await hook.wait_until(lambda r: len({q.delivery_id for q in r.requests()}) == 4)
        down_ids = {r.delivery_id for r in hook.requests()}
        hook.default = 200
        async with serving(hook_settings(database_url, tmp_path)) as client:
            delivered = await wait_for_deliveries(client, keys, webhook["id"], all_delivered(4))
            feed = await feed_items(client)

    accepted = [r.delivery_id for r in hook.accepted()]
    assert sorted(accepted) == sorted({d["id"] for d in delivered}), "each delivery accepted exactly once"
    assert set(accepted) == down_ids, "a delivery keeps its id across restarts"
    expected = {(c["type"], c["id"], c["version"]) for c in feed.values() if c["id"].startswith("while-")}
    assert {(b["type"], b["id"], b["version"]) for b in (r.json() for r in hook.accepted())} == expected
    assert len(expected) == 4


async def test_a_crashed_workers_lease_runs_out_and_its_deliveries_are_sent(
    database_url: str, tmp_path: Path, keys: Keys
) -> None:
    with receiver() as hook:
        async with serving(hook_settings(database_url, tmp_path, webhook_workers=0)) as client:
            webhook = await subscribe(client, keys, hook.url)
            await write_claim(client, keys, "taken-by-a-dead-worker")
        # A worker leases the row, then dies before sending it.
        pool = await create_pool(database_url, max_size=1)
        try:
            [taken] = await queries.claim_due(pool, 10, lease_seconds=0.5)
            lease_end = await pool.fetchval("SELECT next_attempt_at FROM webhook_deliveries WHERE id = $1", taken.id)
            assert lease_end > datetime.now(UTC)
            assert await queries.claim_due(pool, 10, lease_seconds=0.5) == [], "a leased row is not taken twice"
        finally:
            await pool.close()
        async with serving(hook_settings(database_url, tmp_path)) as client:
            [delivery] = await wait_for_deliveries(client, keys, webhook["id"], all_delivered(1))

    assert delivery["id"] == taken.id
    assert len(delivery["attempts"]) == 1
    assert [r.delivery_id for r in hook.requests()] == [taken.id]


async def test_concurrent_workers_never_take_the_same_delivery(database_url: str, keys: Keys, tmp_path: Path) -> None:
    async with serving(hook_settings(database_url, tmp_path, webhook_workers=0)) as client:
        await subscribe(client, keys, "http://127.0.0.1:9/unused")
        for n in range(6):
            await write_claim(client, keys, f"shared-{n}")
    pool = await create_pool(database_url, max_size=2)
    try:
        async with pool.acquire() as holder, holder.transaction():
            # One worker's claim is still in its transaction: the other skips those rows instead of waiting.
            first = await queries.claim_due(holder, 3, lease_seconds=60)
            second = await queries.claim_due(pool, 10, lease_seconds=60)
        assert len(first) == 3 and len(second) == 3
        assert not {d.id for d in first} & {d.id for d in second}
    finally:
        await pool.close()


def test_the_retry_schedule_doubles_with_jitter_up_to_its_cap() -> None:
    policy = RetryPolicy(base=10, cap=3600, window=86400)
    assert [retry_delay(n, policy, spread=0.5) for n in range(1, 6)] == [10, 20, 40, 80, 160]
    assert retry_delay(1, policy, spread=0.0) == pytest.approx(8.0)
    assert retry_delay(1, policy, spread=0.999999) == pytest.approx(12.0, abs=1e-3)
    assert retry_delay(30, policy, spread=0.999) == 3600
    assert retry_delay(10_000, policy, spread=0.5) == 3600


def test_retries_stop_at_the_end_of_the_window() -> None:
    policy = RetryPolicy(base=10, cap=3600, window=86400)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    assert next_attempt(first, first, 1, policy, 0.5) == first + timedelta(seconds=10)
    late = first + timedelta(hours=23, minutes=59)
    assert next_attempt(late, first, 20, policy, 0.5) == first + timedelta(hours=24), "the last retry is at 24 h"
    assert next_attempt(first + timedelta(hours=24), first, 21, policy, 0.5) is None


async def test_a_rolled_back_write_enqueues_nothing(database_url: str, keys: Keys, tmp_path: Path) -> None:
    async with serving(hook_settings(database_url, tmp_path, webhook_workers=0)) as client:
        await subscribe(client, keys, "http://127.0.0.1:9/unused")
    conn = await asyncpg.connect(database_url)
    try:
        await init_connection(conn)
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await service.create(conn, "claims", claim("rolled-back", "kremlin"), "desk")
                assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries") == 1
                raise RuntimeError("the request failed after the write")
        assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries") == 0
    finally:
        await conn.close()
