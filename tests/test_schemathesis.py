"""Schemathesis over the whole OpenAPI document, against the in-process app serving the story.

Every operation gets a bounded, derandomised set of generated requests (the schema's examples
first), so CI sees the same inputs on every run. Checks: no server error, every status code,
content type, header and body is what the schema documents.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.database import drop_database, ensure_database, with_database
from api.loader import load_dataset_file
from api.pgcodecs import init_connection
from api.settings import Settings, project_root

STORY = project_root() / "data" / "drone-story.yaml"
MAX_EXAMPLES = 25
# Not `positive_data_acceptance`: a cursor, a date or an id can be schema-valid (a string) and still
# rightly answered with a documented 400 or 404, which the other checks verify.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


async def _load_story(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        await load_dataset_file(conn, STORY)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def story_database(server_url: str, template_database: str) -> Iterator[str]:
    """A database with the story loaded, shared by every operation of this module (it only reads)."""
    name = f"t_schemathesis_{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_database(server_url, name, template=template_database))
    url = with_database(server_url, name)
    try:
        asyncio.run(_load_story(url))
        yield url
    finally:
        # Schemathesis keeps each app's lifespan (hence its pool) running until told to stop.
        asgi.shutdown_lifespans()
        asyncio.run(drop_database(server_url, name))


@pytest.fixture(scope="module")
def story_app(story_database: str, tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    return create_app(Settings(database_url=story_database, data_dir=str(tmp_path_factory.mktemp("data"))))


def _app_schema() -> dict[str, Any]:
    """The document the app serves at /schema/openapi.json (it needs no database to be built).

    Loaded at import rather than from a fixture: schemathesis' lazy `from_fixture` schemas do not
    work with pytest 9 (`Function._nodeid` is gone); requests still go to `story_app`, in process.
    """
    app = create_app(Settings())
    document: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(app.openapi_schema.to_schema()))
    return document


schema = schemathesis.openapi.from_dict(_app_schema())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, story_app: Litestar) -> None:
    case.call_and_validate(app=story_app, checks=CHECKS)
