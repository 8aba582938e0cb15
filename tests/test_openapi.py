"""The contract: the committed `schema/openapi.json` is what the app serves, and it documents everything.

When `test_snapshot_matches_the_app` fails, the API changed: run `make openapi` and commit the
new snapshot, so front-end developers can diff the contract between releases.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from api.settings import project_root

ROOT = project_root()
SNAPSHOT = ROOT / "schema" / "openapi.json"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The document `make openapi` writes: the same CLI command, in a fresh process.

    A fresh process because Litestar draws the examples it generates for response specs from one
    seeded random sequence per process: inside a test session other apps have drawn from it first.
    """
    output = tmp_path_factory.mktemp("openapi") / "openapi.json"
    command = [sys.executable, "-c", "from api.cli import main; main()", "openapi", "--output", str(output)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return output.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def spec(generated: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(generated)
    return document


def _differences(old: Any, new: Any, where: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[str] = []
        for key in sorted(set(old) | set(new)):
            if key not in old:
                found.append(f"added {where}/{key}")
            elif key not in new:
                found.append(f"removed {where}/{key}")
            else:
                found += _differences(old[key], new[key], f"{where}/{key}")
        return found
    return [] if old == new else [f"changed {where}"]


def test_snapshot_matches_the_app(generated: str) -> None:
    committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else "{}"
    if committed == generated:
        return
    changes = _differences(json.loads(committed), json.loads(generated))
    listed = "\n  ".join(changes[:40]) + ("\n  …" if len(changes) > 40 else "")
    pytest.fail(
        f"schema/openapi.json is not the app's OpenAPI document: run `make openapi` and commit it.\n  {listed}",
        pytrace=False,
    )


def test_make_openapi_writes_the_snapshot() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "openapi:" in makefile
    assert "timeline openapi --output schema/openapi.json" in makefile


def test_is_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        if path.startswith("/v1")
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_v1_parameter_has_a_description_and_an_example(spec: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path} {parameter['in']} parameter '{parameter['name']}': {what}"
        for path, method, operation in _operations(spec)
        for parameter in operation.get("parameters", [])
        for what, present in (
            ("no description", bool(parameter.get("description"))),
            ("no example", bool(parameter.get("examples")) or "example" in parameter),
        )
        if not present
    ]
    assert not missing, "\n".join(missing)


def _is_problem(response: dict[str, Any]) -> bool:
    content = response.get("content", {}).get("application/problem+json", {})
    return bool(content.get("schema", {}).get("$ref", "").endswith("/Problem"))


BODY_TYPES = {"application/json", "application/atom+xml", "text/event-stream"}
"""What a `/v1` success may carry: JSON everywhere, except the Atom feeds and the change stream."""


def test_every_v1_operation_documents_its_problems_and_body(spec: dict[str, Any]) -> None:
    wrong = []
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        name = f"{method.upper()} {path}"
        success = {"post": "201", "delete": "204"}.get(method, "200")
        if success not in responses:
            wrong.append(f"{name}: no {success} response")
        elif success != "204" and not BODY_TYPES & set(responses[success].get("content", {})):
            wrong.append(f"{name}: no JSON (or Atom, or event-stream) {success} body")
        if operation.get("parameters") and not _is_problem(responses.get("400", {})):
            wrong.append(f"{name}: no 400 problem response")
        if "{" in path and not _is_problem(responses.get("404", {})):
            wrong.append(f"{name}: no 404 problem response")
        if not operation.get("description") and not operation.get("summary"):
            wrong.append(f"{name}: no description")
    assert not wrong, "\n".join(wrong)


def test_every_list_is_paginated_the_same_way(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    wrong = []
    for path, method, operation in _operations(spec):
        body = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        ref = body.get("$ref", "").rsplit("/", 1)[-1]
        properties = schemas.get(ref, {}).get("properties", {})
        if not {"items", "next_cursor"} <= set(properties):
            continue
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if not {"limit", "cursor"} <= names:
            wrong.append(f"{method.upper()} {path}: a list without limit and cursor ({sorted(names)})")
    assert not wrong, "\n".join(wrong)


def test_every_v1_answer_documents_its_cache_headers(spec: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path}: {header}"
        for path, method, operation in _operations(spec)
        if method == "get"
        for header in ("ETag", "Cache-Control")
        if header not in operation["responses"].get("200", {}).get("headers", {})
    ]
    assert not missing, "\n".join(missing)
