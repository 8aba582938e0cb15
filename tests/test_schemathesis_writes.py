"""Schemathesis over the write operations, the history and the changes feed, with a write key.

The whole-spec run (tests/test_schemathesis.py) reaches the writes without a key (401s); this one sends a live
`write` key and `If-Match: *`, so generated bodies reach validation, the write path and the feed. Checks: no server
error, and every status, content type and body is what the schema documents.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.database import drop_database, ensure_database, with_database
from api.settings import Settings
from tests.write_helpers import load_small_story, make_key

MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
WRITE_PATHS = r"^/v1/(changes|(actors|events|claims|citations|sources|propositions)(/\{[a-z_]+\}(/history)?)?)$"


class Writer(msgspec.Struct):
    app: Litestar
    token: str


@pytest.fixture(scope="module")
def writer(server_url: str, template_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Writer]:
    name = f"t_schemathesis_writes_{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_database(server_url, name, template=template_database))
    url = with_database(server_url, name)
    try:
        asyncio.run(load_small_story(url))
        token = asyncio.run(make_key(url, "schemathesis"))
        app = create_app(Settings(database_url=url, data_dir=str(tmp_path_factory.mktemp("data"))))
        yield Writer(app, token)
    finally:
        asgi.shutdown_lifespans()
        asyncio.run(drop_database(server_url, name))


def _app_schema() -> dict[str, Any]:
    document: dict[str, Any] = msgspec.json.decode(
        msgspec.json.encode(create_app(Settings()).openapi_schema.to_schema())
    )
    return document


READ_PATHS = r"^/v1/(actors|events|claims|citations|sources|propositions)(/\{[a-z_]+\})?$"
schema = (
    schemathesis.openapi.from_dict(_app_schema())
    .include(path_regex=WRITE_PATHS)
    .exclude(method="GET", path_regex=READ_PATHS)  # the read API's own run covers those
)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_writes_conform_to_their_schema(case: schemathesis.Case, writer: Writer) -> None:
    headers = {"Authorization": f"Bearer {writer.token}", "If-Match": "*"}
    case.call_and_validate(app=writer.app, headers=headers, checks=CHECKS)
