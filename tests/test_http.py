"""HTTP behaviour every GET shares: strong ETag and 304, Cache-Control, gzip over 1 KiB when asked, CORS."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.http_cache import COMPRESSION_MINIMUM_SIZE, etag_matches, strong_etag
from api.settings import Settings
from api.writes.hooks import NOTIFY_CHANGES
from tests.factories_sources import load, sources_dataset

Client = AsyncTestClient[Litestar]
IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
async def loaded(pool: asyncpg.Pool) -> None:
    await load(pool, sources_dataset())


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("path", ["/v1/sources/src-early", "/schema/openapi.json"])
async def test_strong_etag_is_the_hash_of_the_body(client: Client, path: str) -> None:
    response = await client.get(path, headers=IDENTITY)
    assert response.status_code == 200
    etag = response.headers["etag"]
    assert not etag.startswith("W/")
    assert etag == strong_etag(response.content)
    again = await client.get(path, headers=IDENTITY)
    assert again.headers["etag"] == etag


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("headers", [IDENTITY, GZIP])
async def test_if_none_match_gives_304_with_empty_body(client: Client, headers: dict[str, str]) -> None:
    first = await client.get("/v1/sources", headers=headers)
    etag = first.headers["etag"]
    response = await client.get("/v1/sources", headers={**headers, "If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == first.headers["cache-control"]
    assert "content-type" not in response.headers
    assert "content-encoding" not in response.headers


@pytest.mark.usefixtures("loaded")
async def test_etag_does_not_depend_on_the_encoding(client: Client) -> None:
    plain = await client.get("/v1/sources", headers=IDENTITY)
    zipped = await client.get("/v1/sources", headers=GZIP)
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"] == plain.headers["etag"]
    # A tag learnt over gzip revalidates an identity request and the other way round.
    cross = await client.get("/v1/sources", headers={**IDENTITY, "If-None-Match": zipped.headers["etag"]})
    assert cross.status_code == 304


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize(
    "header", ['"nope", {etag}', "W/{etag}", "*", '{etag} , "other"'], ids=["list", "weak", "star", "spaces"]
)
async def test_if_none_match_forms(client: Client, header: str) -> None:
    etag = (await client.get("/v1/sources")).headers["etag"]
    response = await client.get("/v1/sources", headers={"If-None-Match": header.format(etag=etag)})
    assert response.status_code == 304


@pytest.mark.usefixtures("loaded")
async def test_stale_etag_gets_the_new_body(client: Client, pool: asyncpg.Pool) -> None:
    old = await client.get("/v1/sources")
    # Lists are tagged from the feed head, which moves with the changes feed: a change row goes with the insert.
    head = client.app.state.feed_head
    seen = head.current
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO sources (id, title, language) VALUES ('new-source', 'New', 'en')")
        await conn.execute(
            "INSERT INTO changes (resource_type, resource_id, operation, version) "
            "VALUES ('sources', 'new-source', 'upsert', 1)"
        )
        await conn.execute(NOTIFY_CHANGES)
    assert await asyncio.to_thread(client.blocking_portal.call, head.wait_newer, seen, 10.0) is not None
    response = await client.get("/v1/sources", headers={"If-None-Match": old.headers["etag"]})
    assert response.status_code == 200
    assert response.headers["etag"] != old.headers["etag"]
    assert "new-source" in {item["id"] for item in response.json()["items"]}


@pytest.mark.usefixtures("loaded")
async def test_etag_differs_by_query_and_language(client: Client) -> None:
    english = await client.get("/v1/sources?lang=en")
    french = await client.get("/v1/sources?lang=fr")
    assert english.headers["etag"] != french.headers["etag"]
    assert "Accept-Language" in english.headers["vary"]
    assert (
        await client.get("/v1/sources?lang=fr", headers={"If-None-Match": english.headers["etag"]})
    ).status_code == 200


@pytest.mark.usefixtures("loaded")
async def test_cache_control(client: Client) -> None:
    assert (await client.get("/v1/sources")).headers["cache-control"] == "public, max-age=30"
    assert (await client.get("/v1/citations")).headers["cache-control"] == "public, max-age=30"
    assert (await client.get("/health")).headers["cache-control"] == "no-store"
    assert (await client.get("/ready")).headers["cache-control"] == "no-store"


@pytest.mark.usefixtures("loaded")
@pytest.mark.parametrize("path", ["/v1/sources/nope", "/v1/sources?limit=0"])
async def test_errors_are_not_cached_nor_tagged(client: Client, path: str) -> None:
    response = await client.get(path)
    assert response.status_code >= 400
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers


@pytest.mark.usefixtures("loaded")
async def test_gzip_only_when_asked_and_over_1_kib(client: Client) -> None:
    plain = await client.get("/v1/sources", headers=IDENTITY)
    assert len(plain.content) >= COMPRESSION_MINIMUM_SIZE
    assert "content-encoding" not in plain.headers

    zipped = await client.get("/v1/sources", headers=GZIP)
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    assert zipped.content == plain.content  # httpx decodes; the bytes on the wire are smaller
    assert int(zipped.headers["content-length"]) < len(plain.content)

    small = await client.get("/health", headers=GZIP)
    assert len(small.content) < COMPRESSION_MINIMUM_SIZE
    assert "content-encoding" not in small.headers


@pytest.mark.usefixtures("loaded")
async def test_gzip_body_is_valid_gzip(client: Client) -> None:
    async with client.stream("GET", "/v1/sources", headers=GZIP) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    plain = await client.get("/v1/sources", headers=IDENTITY)
    assert gzip.decompress(raw) == plain.content


async def test_cors_allows_any_origin_by_default(client: Client) -> None:
    response = await client.get("/health", headers={"Origin": "https://newsroom.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "link"} <= exposed
    preflight = await client.options(
        "/v1/sources",
        headers={"Origin": "https://newsroom.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]


@pytest.fixture
async def narrow_client(database_url: str) -> AsyncIterator[Client]:
    app = create_app(Settings(database_url=database_url, cors_origins=("https://newsroom.example",)))
    async with AsyncTestClient(app=app) as client:
        yield client


async def test_cors_origins_narrows_it(narrow_client: Client) -> None:
    allowed = await narrow_client.get("/health", headers={"Origin": "https://newsroom.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://newsroom.example"
    assert "Origin" in allowed.headers["vary"]
    other = await narrow_client.get("/health", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = await narrow_client.options(
        "/v1/sources",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers.get("access-control-allow-origin") != "https://elsewhere.example"


def test_etag_matching() -> None:
    tag = strong_etag(b"body")
    assert tag == strong_etag(b"body") != strong_etag(b"other body")
    assert etag_matches(tag, tag)
    assert etag_matches(f"W/{tag}", tag)
    assert etag_matches(f'"a", {tag}', tag)
    assert etag_matches("*", tag)
    assert not etag_matches('"a", "b"', tag)
    assert not etag_matches(tag.strip('"'), tag)
