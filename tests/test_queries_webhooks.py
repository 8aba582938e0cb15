"""The outbox insert: which changes reach which webhook, in one statement per write whatever their number."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.queries import webhooks as queries
from api.settings import Settings
from tests.querycount import QueryCounter
from tests.story_factories import claim, event
from tests.write_helpers import Keys, bearer, fetch, story_with_keys

Client = AsyncTestClient[Litestar]
HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
async def keys(database_url: str) -> Keys:
    return await story_with_keys(database_url)


@pytest.fixture
async def api(database_url: str, tmp_path: Path, query_counter: QueryCounter) -> AsyncIterator[Client]:
    settings = Settings(database_url=database_url, data_dir=str(tmp_path / "data"), webhook_workers=0)
    async with AsyncTestClient(app=create_app(settings, pool_init=query_counter.attach)) as client:
        yield client


async def subscribe(api: Client, keys: Keys, **filters: Any) -> int:
    response = await api.post("/v1/webhooks", json={"url": HOOK, **filters}, headers=bearer(keys.admin))
    assert response.status_code == 201, response.text
    webhook_id: int = response.json()["id"]
    return webhook_id


async def write(api: Client, keys: Keys, method: str, path: str, body: Any = None) -> None:
    headers = bearer(keys.writer, **({"If-Match": "*"} if method in ("PATCH", "DELETE") else {}))
    response = await api.request(method, path, json=body, headers=headers)
    assert response.status_code in (200, 201, 204), response.text


async def received(database_url: str, webhook_id: int) -> set[tuple[str, str, str]]:
    rows = await fetch(database_url, "SELECT event, payload FROM webhook_deliveries WHERE webhook_id = $1", webhook_id)
    return {(r["payload"]["type"], r["payload"]["id"], r["event"].split(".")[1]) for r in rows}


async def test_filters_pick_the_changes_each_webhook_gets(api: Client, keys: Keys, database_url: str) -> None:
    events_only = await subscribe(api, keys, types=["events"])
    peskov = await subscribe(api, keys, actors=["dmitry-peskov"])
    programme = await subscribe(api, keys, propositions=["own-programme"])
    everything = await subscribe(api, keys)
    kremlin_claims = await subscribe(api, keys, types=["claims"], actors=["kremlin"])

    visit = event("visit", participants=[{"actor": "dmitry-peskov", "role": "speaker"}])
    await write(api, keys, "POST", "/v1/events", visit)
    await write(api, keys, "POST", "/v1/claims", claim("kremlin-new", "kremlin"))
    stance = {"stances": [{"proposition": "own-programme", "stance": "supports"}]}
    await write(api, keys, "PATCH", "/v1/claims/kremlin-new", stance)  # takes a stance: the proposition's business
    await write(api, keys, "PATCH", "/v1/claims/kremlin-new", {"stances": []})  # drops it: still its business
    await write(api, keys, "PATCH", "/v1/propositions/own-programme", {"text": {"en": "Russia makes its own"}})
    await write(api, keys, "POST", "/v1/claims", claim("peskov-new", "dmitry-peskov"))
    # Deleting a claim with a stance deletes its citation too (a change involving its claimant).
    await write(api, keys, "DELETE", "/v1/claims/peskov-own-programmes")

    upsert, delete = "upsert", "delete"
    citation = ("citations", "peskov-own-programmes@doc-1", delete)
    assert await received(database_url, events_only) == {("events", "visit", upsert)}
    assert await received(database_url, peskov) == {
        ("events", "visit", upsert),
        ("claims", "peskov-new", upsert),
        ("claims", "peskov-own-programmes", delete),
        citation,
    }
    assert await received(database_url, programme) == {
        ("claims", "kremlin-new", upsert),
        ("propositions", "own-programme", upsert),
        ("claims", "peskov-own-programmes", delete),
    }
    assert await received(database_url, kremlin_claims) == {("claims", "kremlin-new", upsert)}
    count = await fetch(database_url, "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1", everything)
    assert count[0]["count"] == 8  # every change: seven writes, the deletion making two


async def test_the_outbox_is_one_statement_per_write_whatever_the_number_of_webhooks(
    api: Client, keys: Keys, database_url: str, query_counter: QueryCounter
) -> None:
    async def statements_of_a_write(claim_id: str) -> list[str]:
        with query_counter.counting() as counted:
            await write(api, keys, "POST", "/v1/claims", claim(claim_id, "kremlin"))
        return counted.statements

    await write(api, keys, "POST", "/v1/claims", claim("warm-up", "kremlin"))  # connection setup is not the write's
    without = await statements_of_a_write("no-webhook-yet")
    for n in range(5):
        await subscribe(api, keys, description=f"hook {n}")
    with_five = await statements_of_a_write("five-webhooks")

    assert len(with_five) == len(without), "statements grew with the number of webhooks"
    assert with_five.count(queries.ENQUEUE_DELIVERIES) == 1
    rows = await fetch(database_url, "SELECT count(*) FROM webhook_deliveries WHERE payload ->> 'id' = 'five-webhooks'")
    assert rows[0]["count"] == 5
