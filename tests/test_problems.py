"""Every error is application/problem+json (RFC 9457)."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.testing import AsyncTestClient

PROBLEM_JSON = "application/problem+json"


def assert_problem(response_body: dict[str, object], status: int) -> None:
    assert response_body["status"] == status
    assert isinstance(response_body["type"], str) and response_body["type"]
    assert isinstance(response_body["title"], str) and response_body["title"]
    assert isinstance(response_body["detail"], str) and response_body["detail"]


async def test_unknown_route_is_a_404_problem(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/no/such/route")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert_problem(body, 404)
    assert body["title"] == "Not Found"
    assert "/no/such/route" in body["detail"]


async def test_bad_parameter_is_a_400_problem_naming_it(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/ready", params={"timeout": "soon"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert_problem(body, 400)
    assert "timeout" in body["detail"]
    assert body["errors"][0]["name"] == "timeout"
    assert body["errors"][0]["source"] == "query"


async def test_out_of_range_parameter_is_a_400_problem(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/ready", params={"timeout": "0"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["name"] == "timeout"


async def test_wrong_method_is_a_405_problem(client: AsyncTestClient[Litestar]) -> None:
    response = await client.delete("/health")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert_problem(response.json(), 405)
    assert "GET" in response.headers["allow"]


async def test_unexpected_error_is_a_500_problem_without_internals(
    app: Litestar, client: AsyncTestClient[Litestar]
) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("secret internals")

    app.register(boom)
    response = await client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert_problem(response.json(), 500)
    assert "secret" not in response.text


async def test_openapi_document_and_docs_page(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert {"/health", "/ready"} <= set(document["paths"])
    assert document["paths"]["/ready"]["get"]["description"]
    assert "503" in document["paths"]["/ready"]["get"]["responses"]
    docs = await client.get("/schema")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]


async def test_missing_required_parameter_is_named_in_errors(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/v1/search")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == [{"name": "q", "source": "query", "reason": "required"}]
