"""Anonymous clients are rate limited per IP (Litestar's RateLimitMiddleware): 429 problem with Retry-After; 304
polls answered from the feed head, keyed clients, probes and the API description do not count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.problems import PROBLEM_JSON
from api.settings import DEFAULT_RATE_LIMIT, RateLimit, Settings, parse_rate_limit
from tests.write_helpers import bearer, load_small_story, make_key

Client = AsyncTestClient[Litestar]
LIMIT = 3


@pytest.fixture
async def limited(database_url: str, tmp_path: Path) -> AsyncIterator[Client]:
    await load_small_story(database_url)
    settings = Settings(
        database_url=database_url, data_dir=str(tmp_path / "data"), rate_limit=RateLimit(requests=LIMIT, unit="minute")
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


async def test_the_request_over_the_limit_gets_a_429_problem_with_retry_after(limited: Client) -> None:
    for _ in range(LIMIT):
        assert (await limited.get("/v1/claims")).status_code == 200
    refused = await limited.get("/v1/events")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith(PROBLEM_JSON)
    retry_after = int(refused.headers["retry-after"])
    assert 0 < retry_after <= 60
    body = refused.json()
    assert body["status"] == 429 and "3 per minute" in body["detail"] and "API key" in body["detail"]
    assert refused.headers["cache-control"] == "no-store"


async def test_304_polls_do_not_count(limited: Client) -> None:
    etag = (await limited.get("/v1/claims")).headers["etag"]
    for _ in range(3 * LIMIT):
        assert (await limited.get("/v1/claims", headers={"If-None-Match": etag})).status_code == 304
    for _ in range(LIMIT - 1):
        assert (await limited.get("/v1/claims")).status_code == 200
    assert (await limited.get("/v1/claims")).status_code == 429
    # Once limited, a poll that finds nothing new is still answered.
    assert (await limited.get("/v1/claims", headers={"If-None-Match": etag})).status_code == 304


async def test_a_keyed_client_is_not_limited_but_a_bad_key_is(limited: Client, database_url: str) -> None:
    token = await make_key(database_url, "bot", scope="read")
    for _ in range(LIMIT):
        assert (await limited.get("/v1/claims")).status_code == 200
    assert (await limited.get("/v1/claims")).status_code == 429
    for _ in range(2 * LIMIT):
        assert (await limited.get("/v1/claims", headers=bearer(token))).status_code == 200
    assert (await limited.get("/v1/claims", headers=bearer("tl_not-a-key"))).status_code == 429


async def test_probes_and_the_schema_are_exempt(limited: Client) -> None:
    for _ in range(LIMIT + 2):
        assert (await limited.get("/health")).status_code == 200
        assert (await limited.get("/schema/openapi.json")).status_code == 200
    assert (await limited.get("/v1/claims")).status_code == 200


def test_rate_limit_setting() -> None:
    assert Settings().rate_limit is None  # settings built in code (the tests) have none
    assert Settings.from_env({}).rate_limit == parse_rate_limit(DEFAULT_RATE_LIMIT) == RateLimit(120, "minute")
    assert Settings.from_env({"RATE_LIMIT": "10/second"}).rate_limit == RateLimit(10, "second")
    assert Settings.from_env({"RATE_LIMIT": " 5000/Hour "}).rate_limit == RateLimit(5000, "hour")
    for off in ("off", "0", "OFF"):
        assert Settings.from_env({"RATE_LIMIT": off}).rate_limit is None
    for bad in ("120", "ten/minute", "120/fortnight", "-1/minute", "0/minute"):
        with pytest.raises(ValueError, match="RATE_LIMIT"):
            Settings.from_env({"RATE_LIMIT": bad})
