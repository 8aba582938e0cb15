"""Idempotent retries over HTTP, READ_REQUIRES_KEY, version ETags, the OpenAPI contract of the writes, and logging."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.http_cache import strong_etag
from api.logging import configure_logging
from api.settings import Settings
from api.writes.etag import parse_if_match
from tests.story_factories import actor
from tests.write_helpers import bearer, fetchval, load_small_story, make_key

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def token(database_url: str) -> str:
    await load_small_story(database_url)
    return await make_key(database_url, "editor")


async def test_a_retried_post_returns_the_first_answer_and_creates_nothing_new(
    client: Client, token: str, database_url: str
) -> None:
    headers = bearer(token, **{"Idempotency-Key": "create-ali-1"})
    first = await client.post("/v1/actors", json=actor("ali"), headers=headers)
    again = await client.post("/v1/actors", json={"name": "Ali", "kind": "person", "id": "ali"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"] and again.headers["etag"] == '"v1"'
    assert again.headers["idempotent-replayed"] == "true"
    assert await fetchval(database_url, "SELECT count(*) FROM revisions WHERE resource_id = 'ali'") == 1

    changed = await client.post("/v1/actors", json=actor("ali", name="Someone else"), headers=headers)
    assert changed.status_code == 422
    assert changed.json()["errors"][0]["name"] == "Idempotency-Key"
    assert await fetchval(database_url, "SELECT name FROM actors WHERE id = 'ali'") == "Ali"


async def test_a_refused_post_does_not_use_up_its_idempotency_key(client: Client, token: str) -> None:
    headers = bearer(token, **{"Idempotency-Key": "k"})
    refused = await client.post("/v1/actors", json=actor("bob", kind="wizard"), headers=headers)
    assert refused.status_code == 422
    fixed = await client.post("/v1/actors", json=actor("bob"), headers=headers)
    assert fixed.status_code == 201


async def test_idempotency_keys_expire_after_24_hours(client: Client, token: str, database_url: str) -> None:
    headers = bearer(token, **{"Idempotency-Key": "old"})
    assert (await client.post("/v1/actors", json=actor("carol"), headers=headers)).status_code == 201
    await fetchval(database_url, "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
    # Expired: the key is free again, so this is a new request (and carol exists: 409).
    assert (await client.post("/v1/actors", json=actor("carol"), headers=headers)).status_code == 409


@pytest.fixture
async def private_client(database_url: str, tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(database_url=database_url, data_dir=str(tmp_path / "data"), read_requires_key=True)
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


async def test_read_requires_key_makes_every_read_need_a_key(
    private_client: Client, token: str, database_url: str
) -> None:
    assert (await private_client.get("/v1/changes")).status_code == 401
    assert (await private_client.get("/v1/claims/kremlin-statement/history")).status_code == 401
    assert (await private_client.get("/health")).status_code == 200
    reader = await make_key(database_url, "reader", scope="read")
    assert (await private_client.get("/v1/changes", headers=bearer(reader))).status_code == 200
    assert (await private_client.get("/v1/changes", headers=bearer(token))).status_code == 200
    assert (await private_client.post("/v1/actors", json=actor("x"), headers=bearer(reader))).status_code == 403


async def test_reads_are_public_by_default(client: Client, token: str) -> None:
    assert (await client.get("/v1/changes")).status_code == 200


def test_read_requires_key_is_read_from_the_environment() -> None:
    assert Settings.from_env({"READ_REQUIRES_KEY": "1"}).read_requires_key is True
    assert Settings.from_env({}).read_requires_key is False
    with pytest.raises(ValueError, match="READ_REQUIRES_KEY"):
        Settings.from_env({"READ_REQUIRES_KEY": "maybe"})


def test_if_match_takes_version_tags_and_detail_etags_but_not_weak_ones() -> None:
    assert parse_if_match('"v3"').matches(3)
    assert parse_if_match('"v2", "v3.9f86d081"').matches(3)
    assert not parse_if_match('W/"v3"').matches(3)
    assert not parse_if_match('"9f86d081884c7d65"').matches(3)
    assert parse_if_match("*").matches(42)
    assert strong_etag(b"{}", version_tag='"v3"').startswith('"v3.')
    assert strong_etag(b"{}", version_tag='"other"') == strong_etag(b"{}")


def test_openapi_documents_the_writes_their_security_and_their_problems() -> None:
    schema = create_app(Settings()).openapi_schema.to_schema()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for resource, param in [("actors", "actor_id"), ("events", "event_id"), ("claims", "claim_id")]:
        create = schema["paths"][f"/v1/{resource}"]["post"]
        assert create["security"] == [{"bearerAuth": []}]
        assert {"201", "401", "403", "409", "413", "422"} <= set(create["responses"])
        assert create["responses"]["422"]["content"]["application/problem+json"]
        assert "$ref" in create["requestBody"]["content"]["application/json"]["schema"]
        item = schema["paths"][f"/v1/{resource}/{{{param}}}"]
        assert {"401", "403", "404", "410", "412", "422", "428"} <= set(item["patch"]["responses"])
        assert "application/merge-patch+json" in item["patch"]["requestBody"]["content"]
        assert {"204", "409", "410", "412", "428"} <= set(item["delete"]["responses"])
        assert "get" in schema["paths"][f"/v1/{resource}/{{{param}}}/history"]
    assert "get" in schema["paths"]["/v1/changes"]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers, root.level = handlers, level
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
async def test_the_logs_never_hold_the_token(client: Client, token: str, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", "json")
    capsys.readouterr()
    await client.post("/v1/actors", json=actor("dora"), headers=bearer(token))
    await client.post("/v1/actors", json=actor("eve"), headers=bearer(token + "x"))
    out = capsys.readouterr().out
    assert '"path": "/v1/actors"' in out
    assert token not in out
