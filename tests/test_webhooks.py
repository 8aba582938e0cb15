"""Managing webhooks over HTTP: admin keys only, validation naming the field, secrets never shown twice, paging.

These apps run no delivery worker (`webhook_workers=0`): deliveries stay pending, as the write path queued them.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.settings import Settings
from tests.story_factories import claim
from tests.write_helpers import bearer, fetchval, load_small_story, make_key

Client = AsyncTestClient[Litestar]
HOOK = "http://127.0.0.1:9/hook"
"""Nothing listens there, and nothing is sent: these apps run no delivery worker."""


class Keys(msgspec.Struct):
    admin: str
    writer: str
    reader: str


@pytest.fixture
async def keys(database_url: str) -> Keys:
    await load_small_story(database_url)
    return Keys(
        admin=await make_key(database_url, "ops", scope="admin"),
        writer=await make_key(database_url, "desk"),
        reader=await make_key(database_url, "bot", scope="read"),
    )


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(database_url=database_url, data_dir=str(tmp_path / "data"), webhook_workers=0)
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


async def create(api: Client, keys: Keys, **body: Any) -> dict[str, Any]:
    response = await api.post("/v1/webhooks", json={"url": HOOK, **body}, headers=bearer(keys.admin))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_only_admin_keys_reach_webhooks(api: Client, keys: Keys) -> None:
    hook = await create(api, keys)
    operations = [
        ("POST", "/v1/webhooks", {"url": HOOK}),
        ("GET", "/v1/webhooks", None),
        ("GET", f"/v1/webhooks/{hook['id']}", None),
        ("GET", f"/v1/webhooks/{hook['id']}/deliveries", None),
        ("DELETE", f"/v1/webhooks/{hook['id']}", None),
    ]
    for method, path, body in operations:
        anonymous = await api.request(method, path, json=body)
        assert anonymous.status_code == 401, (method, path)
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        for token in (keys.writer, keys.reader):
            refused = await api.request(method, path, json=body, headers=bearer(token))
            assert refused.status_code == 403, (method, path, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert 'scope="admin"' in refused.headers["www-authenticate"]
    listed = (await api.get("/v1/webhooks", headers=bearer(keys.admin))).json()
    assert [h["id"] for h in listed["items"]] == [hook["id"]], "refused requests created or deleted nothing"


async def test_create_answers_the_secret_once_and_then_only_its_fingerprint(api: Client, keys: Keys) -> None:
    secret = "a-shared-secret-of-some-length"
    response = await api.post(
        "/v1/webhooks",
        json={"url": HOOK, "secret": secret, "types": ["claims"], "actors": ["kremlin"], "description": "desk bot"},
        headers=bearer(keys.admin),
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/v1/webhooks/{created['id']}"
    assert created["secret"] == secret
    assert created["types"] == ["claims"] and created["actors"] == ["kremlin"] and created["propositions"] == []
    assert created["created_by"] == "ops"
    fingerprint = "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]
    assert created["secret_fingerprint"] == fingerprint

    shown = await api.get(response.headers["location"], headers=bearer(keys.admin))
    listed = await api.get("/v1/webhooks", headers=bearer(keys.admin))
    for answer in (shown, listed):
        assert answer.status_code == 200
        assert secret not in answer.text and '"secret"' not in answer.text
        assert answer.headers["cache-control"] == "no-store"
    assert shown.json() == {k: v for k, v in created.items() if k != "secret"}
    assert shown.json()["deliveries"] == f"/v1/webhooks/{created['id']}/deliveries"

    generated = await create(api, keys)
    assert generated["secret"].startswith("whsec_") and len(generated["secret"]) >= 32
    assert generated["secret_fingerprint"] != fingerprint


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.org/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({}, "url"),
        ({"url": HOOK, "secret": "too-short"}, "secret"),
        ({"url": HOOK, "types": ["claims", "tweets"]}, "types[1]"),
        ({"url": HOOK, "actors": ["Not A Slug"]}, "actors[0]"),
        ({"url": HOOK, "actors": ["kremlin", "nobody-known"]}, "actors[1]"),
        ({"url": HOOK, "propositions": ["no-such-proposition"]}, "propositions[0]"),
        ({"url": HOOK, "events": ["x"]}, "events"),
        ({"url": HOOK, "description": "x" * 301}, "description"),
    ],
)
async def test_bad_bodies_get_422_naming_the_field_and_create_nothing(
    api: Client, keys: Keys, body: dict[str, Any], field: str
) -> None:
    response = await api.post("/v1/webhooks", json=body, headers=bearer(keys.admin))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["name"] for e in response.json()["errors"]] == [field]
    assert await count_webhooks(api, keys) == 0


async def test_a_body_that_is_not_json_is_a_400(api: Client, keys: Keys) -> None:
    response = await api.post(
        "/v1/webhooks", content=b"{url:", headers=bearer(keys.admin, **{"Content-Type": "application/json"})
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    not_object = await api.post("/v1/webhooks", json=[HOOK], headers=bearer(keys.admin))
    assert not_object.status_code == 422


async def count_webhooks(api: Client, keys: Keys) -> int:
    return len((await api.get("/v1/webhooks", headers=bearer(keys.admin))).json()["items"])


async def test_delete_stops_the_webhook_and_cancels_its_pending_deliveries(
    api: Client, keys: Keys, database_url: str
) -> None:
    hook = await create(api, keys)
    kept = await create(api, keys)
    response = await api.post("/v1/claims", json=claim("queued-claim", "kremlin"), headers=bearer(keys.writer))
    assert response.status_code == 201
    assert await fetchval(database_url, "SELECT count(*) FROM webhook_deliveries") == 2

    deleted = await api.delete(f"/v1/webhooks/{hook['id']}", headers=bearer(keys.admin))
    assert deleted.status_code == 204
    for path in (f"/v1/webhooks/{hook['id']}", f"/v1/webhooks/{hook['id']}/deliveries"):
        gone = await api.get(path, headers=bearer(keys.admin))
        assert gone.status_code == 404 and gone.headers["content-type"].startswith("application/problem+json")
    assert (await api.delete(f"/v1/webhooks/{hook['id']}", headers=bearer(keys.admin))).status_code == 404
    sql = "SELECT webhook_id FROM webhook_deliveries"
    assert await fetchval(database_url, sql) == kept["id"], "only the other webhook's delivery is left"

    await api.post("/v1/claims", json=claim("after-delete", "kremlin"), headers=bearer(keys.writer))
    sql = "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = $1"
    assert await fetchval(database_url, sql, hook["id"]) == 0


async def test_unknown_or_malformed_ids_are_404_or_400(api: Client, keys: Keys) -> None:
    assert (await api.get("/v1/webhooks/424242", headers=bearer(keys.admin))).status_code == 404
    for path in ("/v1/webhooks/0", "/v1/webhooks/99999999999999999999", "/v1/webhooks/9223372036854775808"):
        response = await api.get(path, headers=bearer(keys.admin))
        assert response.status_code in (400, 404), (path, response.text)
        assert response.status_code != 500


async def test_webhooks_and_deliveries_are_listed_page_by_page(api: Client, keys: Keys) -> None:
    hooks = [await create(api, keys, description=f"hook {n}") for n in range(3)]
    first = await api.get("/v1/webhooks", params={"limit": 2}, headers=bearer(keys.admin))
    page = first.json()
    assert [h["id"] for h in page["items"]] == [h["id"] for h in hooks[:2]]
    assert 'rel="next"' in first.headers["link"]
    rest = (
        await api.get("/v1/webhooks", params={"limit": 2, "cursor": page["next_cursor"]}, headers=bearer(keys.admin))
    ).json()
    assert [h["id"] for h in rest["items"]] == [hooks[2]["id"]] and rest["next_cursor"] is None

    for n in range(3):
        await api.post("/v1/claims", json=claim(f"paged-{n}", "kremlin"), headers=bearer(keys.writer))
    path = f"/v1/webhooks/{hooks[0]['id']}/deliveries"
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        answer = (await api.get(path, params=params, headers=bearer(keys.admin))).json()
        seen += [d["change"]["id"] for d in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert seen == ["paged-2", "paged-1", "paged-0"], "newest change first, each once"
    every = (await api.get(path, headers=bearer(keys.admin))).json()["items"]
    assert all(d["status"] == "pending" and d["attempts"] == [] and d["next_attempt_at"] for d in every)
    assert all(d["event"] == "claims.upsert" for d in every)

    pending = await api.get(path, params={"status": "pending"}, headers=bearer(keys.admin))
    delivered = await api.get(path, params={"status": "delivered"}, headers=bearer(keys.admin))
    assert len(pending.json()["items"]) == 3 and delivered.json()["items"] == []
    bad_status = await api.get(path, params={"status": "lost"}, headers=bearer(keys.admin))
    assert bad_status.status_code == 400 and bad_status.json()["errors"][0]["name"] == "status"
    foreign = await api.get(
        f"/v1/webhooks/{hooks[1]['id']}/deliveries", params={"limit": 1}, headers=bearer(keys.admin)
    )
    misused = await api.get(path, params={"cursor": foreign.json()["next_cursor"]}, headers=bearer(keys.admin))
    assert misused.status_code == 400 and misused.json()["errors"][0]["name"] == "cursor"


def test_webhook_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "WEBHOOK_WORKERS": "3",
            "WEBHOOK_POLL_INTERVAL": "0.5",
            "WEBHOOK_TIMEOUT": "4",
            "WEBHOOK_RETRY_BASE": "2.5",
            "WEBHOOK_RETRY_MAX": "600",
            "WEBHOOK_RETRY_WINDOW": "3600",
        }
    )
    assert (settings.webhook_workers, settings.webhook_poll_interval, settings.webhook_timeout) == (3, 0.5, 4.0)
    assert (settings.webhook_retry_base, settings.webhook_retry_max, settings.webhook_retry_window) == (2.5, 600, 3600)
    defaults = Settings.from_env({})
    assert (defaults.webhook_workers, defaults.webhook_timeout, defaults.webhook_retry_window) == (1, 10.0, 86400.0)


@pytest.mark.parametrize(
    ("name", "value"), [("WEBHOOK_TIMEOUT", "soon"), ("WEBHOOK_TIMEOUT", "0"), ("WEBHOOK_RETRY_BASE", "-1")]
)
def test_bad_webhook_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})
