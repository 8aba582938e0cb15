"""Writes: `POST /v1/{resource}`, `PATCH`/`DELETE /v1/{resource}/{id}` and `GET /v1/{resource}/{id}/history`.

One group of handlers per resource, made by :func:`write_handlers`. They are plain route handlers, not
controllers, and must be registered after the read controllers serving the same paths (see
``api/routes/__init__.py``): Litestar 2 cannot merge two controllers on one path (each brings its own
OPTIONS handler), but merges plain handlers into an existing route. Their path parameter names are the
read controllers' (`event_id`…), as Litestar requires for one path.

No ``from __future__ import annotations`` here: the annotations name each resource's Struct, so they are
evaluated when the handlers are made.
"""

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, delete, get, patch, post
from litestar.enums import ParamType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Example,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.openapi.spec import Parameter as OpenAPIParameter

from api.auth import BEARER_REQUIRED, write_guard
from api.dependencies import PoolDep, WritePoolDep
from api.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor, invalid_param, next_link
from api.params import Cursor, Limit
from api.problems import PROBLEM_JSON, Problem
from api.queries import revisions as rq
from api.writes import http
from api.writes.errors import not_found, singular
from api.writes.etag import version_etag
from api.writes.service import WRITABLE
from api.writes.validate import STRUCTS
from schema.writes import HistoryPage, Revision

PATH_PARAMETERS = {resource: f"{singular(resource)}_id" for resource in WRITABLE}


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        generate_examples=False, data_container=Problem, media_type=PROBLEM_JSON, description=description
    )


AUTH_PROBLEMS = {
    401: _problem("No valid API key (`WWW-Authenticate: Bearer` says why)."),
    403: _problem("The key lacks the `write` scope."),
}
BODY_PROBLEMS = {
    413: _problem("The body is over 256 KiB."),
    400: _problem("The body is not JSON, or a header is malformed."),
    422: _problem("A field is invalid or names something that does not exist; `errors` names each field."),
}
TARGET_PROBLEMS = {
    404: _problem("No such resource."),
    410: _problem("The resource was deleted; its history remains."),
    412: _problem("If-Match names a version that is no longer current; `current_etag` gives the current one."),
    428: _problem("If-Match is missing."),
}


EXAMPLE_IDS = {
    "actors": "dmitry-peskov",
    "events": "wsj-report",
    "claims": "peskov-denies-deliveries",
    "citations": "peskov-denies-deliveries@tass-2023-02-06",
    "sources": "tass-2023-02-06",
    "propositions": "iran-has-delivered-drones-to-russia",
}


def _operation(
    resource: str, body: Schema | Reference | None = None, media_types: tuple[str, ...] = ()
) -> type[Operation]:
    """An Operation class documenting what the handlers read themselves: the path id, and the raw body."""

    @dataclass
    class WriteOperation(Operation):
        def __post_init__(self) -> None:
            for parameter in self.parameters or []:
                if isinstance(parameter, OpenAPIParameter) and parameter.param_in == ParamType.PATH:
                    parameter.description = f"The {singular(resource)}'s id."
                    parameter.examples = {"id": Example(value=EXAMPLE_IDS[resource])}
                    parameter.schema = Schema(type=OpenAPIType.STRING)
            if body is not None:
                content = {media: OpenAPIMediaType(schema=body) for media in media_types}
                self.request_body = RequestBody(content=content, required=True)

    return WriteOperation


def _named(fn: Any, name: str, doc: str) -> Any:
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def write_handlers(resource: str) -> list[HTTPRouteHandler]:
    """The POST, PATCH, DELETE and history handlers of one resource type."""
    struct = STRUCTS[resource]
    one = singular(resource)
    param = PATH_PARAMETERS[resource]
    item_path = f"/v1/{resource}/{{{param}:str}}"
    tags = [resource]

    async def create(request: Request[Any, Any, Any], primary_pool: WritePoolDep) -> Response[struct]:  # type: ignore[valid-type]
        key = request.state.api_key
        body = await request.body()
        return await http.create(primary_pool, resource, body, key.name, request.headers.get("idempotency-key"))

    async def update(request: Request[Any, Any, Any], primary_pool: WritePoolDep) -> Response[struct]:  # type: ignore[valid-type]
        if_match = http.required_if_match(request.headers.get("if-match"))
        http.check_patch_type(request.headers.get("content-type"))
        body = await request.body()
        path_id = request.path_params[param]
        return await http.update(primary_pool, resource, path_id, body, if_match, request.state.api_key.name)

    async def remove(request: Request[Any, Any, Any], primary_pool: WritePoolDep) -> Response[None]:
        if_match = http.required_if_match(request.headers.get("if-match"))
        return await http.delete(
            primary_pool, resource, request.path_params[param], if_match, request.state.api_key.name
        )

    async def history(
        request: Request[Any, Any, Any], pool: PoolDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> Response[HistoryPage]:
        resource_id = request.path_params[param]
        before = _history_cursor(cursor, resource, resource_id)
        rows = await rq.list_history(pool, resource, resource_id, before, limit + 1)
        if not rows and before is None:
            raise not_found(resource, resource_id)
        items = [_revision(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor("history", "desc", [resource, resource_id, items[-1].version])
        page = HistoryPage(items=items, next_cursor=next_cursor)
        return Response(content=page, headers=next_link(request, next_cursor))

    common: dict[str, Any] = {"tags": tags, "security": BEARER_REQUIRED, "guards": [write_guard]}
    return [
        post(
            f"/v1/{resource}",
            summary=f"Create {_article(one)} {one}",
            status_code=201,
            request_max_body_size=http.MAX_BODY,
            operation_class=_operation(
                resource, Reference(ref=f"#/components/schemas/{struct.__name__}"), (http.JSON,)
            ),
            responses={**AUTH_PROBLEMS, **BODY_PROBLEMS, 409: _problem(f"A {one} with this id already exists.")},
            **common,
        )(
            _named(
                create,
                f"create_{one}",
                f"Create {_article(one)} {one} from its write shape; 201 with `Location` and `ETag`. "
                "With `Idempotency-Key`, a retry with the same body returns the first answer (24 hours).",
            )
        ),
        patch(
            item_path,
            summary=f"Change {_article(one)} {one} (JSON Merge Patch)",
            request_max_body_size=http.MAX_BODY,
            operation_class=_operation(
                resource,
                Schema(
                    type=OpenAPIType.OBJECT, description=f"A JSON Merge Patch (RFC 7396) of the {one}'s write shape."
                ),
                (http.MERGE_PATCH, http.JSON),
            ),
            responses={
                **AUTH_PROBLEMS,
                **BODY_PROBLEMS,
                **TARGET_PROBLEMS,
                415: _problem("The body is not `application/merge-patch+json` or `application/json`."),
            },
            **common,
        )(
            _named(
                update,
                f"patch_{one}",
                f"Apply a JSON Merge Patch to the {one}'s write shape; needs `If-Match` with its current ETag.",
            )
        ),
        delete(
            item_path,
            summary=f"Delete {_article(one)} {one}",
            status_code=204,
            operation_class=_operation(resource),
            responses={
                400: _problem("A malformed header."),
                **AUTH_PROBLEMS,
                **TARGET_PROBLEMS,
                409: _problem(f"Other resources still refer to the {one}; `references` lists them."),
            },
            **common,
        )(
            _named(
                remove,
                f"delete_{one}",
                f"Delete the {one} (needs `If-Match`); it answers 410 from then on, and its history remains.",
            )
        ),
        get(
            f"{item_path}/history",
            summary=f"History of {_article(one)} {one}",
            tags=tags,
            operation_class=_operation(resource),
            responses={400: _problem("Malformed cursor or limit."), 404: _problem(f"No {one} ever had this id.")},
        )(
            _named(
                history,
                f"list_{one}_history",
                f"Every revision of the {one}, newest first: version, operation, key, time and full state.",
            )
        ),
    ]


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _history_cursor(cursor: str | None, resource: str, resource_id: str) -> int | None:
    if not cursor:
        return None
    kind, cursor_id, version = decode_cursor(cursor, "history", "desc", (str, str, int))
    if kind != resource or cursor_id != resource_id:
        raise invalid_param("cursor", "not a cursor of this list (use next_cursor as given)")
    return int(version)


def _revision(row: rq.RevisionRow) -> Revision:
    return Revision(
        version=row.version,
        etag=version_etag(row.version),
        operation=row.operation,  # type: ignore[arg-type]
        key=row.key_name,
        at=row.at,
        state=row.state,
    )


WRITE_HANDLERS: list[HTTPRouteHandler] = [handler for resource in WRITABLE for handler in write_handlers(resource)]
