"""Schemathesis over the whole OpenAPI document, against the in-process app serving the story.

Every operation gets a bounded, derandomised set of generated requests (the schema's examples
first), so CI sees the same inputs on every run. Checks: no server error, every status code,
content type, header and body is what the schema documents.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
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


@dataclass
class ServedApp:
    """The app under test, and the event loop its pool lives on (schemathesis runs it in its own thread)."""

    app: Litestar
    loops: list[asyncio.AbstractEventLoop] = field(default_factory=list)

    async def remember_loop(self, conn: asyncpg.Connection) -> None:
        self.loops.append(asyncio.get_running_loop())

    def connections_held(self) -> int:
        pool: asyncpg.Pool | None = getattr(self.app.state, "pool", None)
        return 0 if pool is None else pool.get_size() - pool.get_idle_size()

    def drop_pool(self) -> None:
        """Close every connection at once: a leaked one would make the app's shutdown wait forever."""
        pool: asyncpg.Pool = self.app.state.pool
        self.loops[-1].call_soon_threadsafe(pool.terminate)


@pytest.fixture(scope="module")
def served(story_database: str, tmp_path_factory: pytest.TempPathFactory) -> ServedApp:
    settings = Settings(database_url=story_database, data_dir=str(tmp_path_factory.mktemp("data")))
    served = ServedApp(app=create_app(settings))
    served.app = create_app(settings, pool_init=served.remember_loop)
    return served


def _app_schema() -> dict[str, Any]:
    """The document the app serves at /schema/openapi.json (it needs no database to be built).

    Loaded at import rather than from a fixture: schemathesis' lazy `from_fixture` schemas do not
    work with pytest 9 (`Function._nodeid` is gone); requests still go to `story_app`, in process.
    """
    app = create_app(Settings())
    document: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(app.openapi_schema.to_schema()))
    return document


# The change stream never ends by itself: each valid case would wait out the client timeout. tests/test_stream.py
# covers it against a real server.
schema = schemathesis.openapi.from_dict(_app_schema()).exclude(path="/v1/changes/stream")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, served: ServedApp) -> None:
    case.call_and_validate(app=served.app, checks=CHECKS)
    # Requests run one at a time: once answered, every pooled connection must be back in the pool.
    held = served.connections_held()
    if held:
        served.drop_pool()
        pytest.fail(
            f"{case.method} {case.formatted_path} query={case.query!r} left {held} pooled connection(s) "
            "acquired after its response (a leak: the pool would run dry)"
        )
