"""`/v1/webhooks` (admin keys only): subscribe a URL to the changes feed, and see what was sent to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example, OpenAPIMediaType, Operation, RequestBody
from litestar.params import Parameter

from api.auth import BEARER_REQUIRED, authenticate, require_scope
from api.dependencies import PoolDep
from api.http_cache import LINK_HEADER
from api.loader.read import describe_validation_error
from api.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor, invalid_param, next_link
from api.params import Cursor, Limit
from api.problems import PROBLEM_JSON, Problem
from api.queries import webhooks as queries
from api.routes.changes import change_cursor
from api.webhooks import signing
from api.writes.errors import WriteError, invalid
from api.writes.validate import decode_json
from schema.webhooks import (
    CreatedWebhook,
    DeliveredChange,
    Delivery,
    DeliveryAttempt,
    DeliveryPage,
    DeliveryStatus,
    Webhook,
    WebhookIn,
    WebhookPage,
)

MAX_BODY = 64 * 1024
PRIVATE = {"Cache-Control": "no-store"}
"""Admin answers are nobody else's business: no shared cache may keep them."""
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`$")


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        generate_examples=False, data_container=Problem, media_type=PROBLEM_JSON, description=description
    )


AUTH_PROBLEMS = {
    401: _problem("No valid API key (`WWW-Authenticate: Bearer` says why)."),
    403: _problem("The key lacks the `admin` scope."),
}
NOT_FOUND = {404: _problem("No webhook has this id.")}
BAD_REQUEST = {400: _problem("A malformed parameter or cursor; `errors` names it.")}

WebhookId = Annotated[int, Parameter(ge=1, le=2**63 - 1, description="The webhook's id.", examples=[Example(value=1)])]
StatusFilter = Annotated[
    DeliveryStatus | None,
    Parameter(description="Only deliveries in this status.", examples=[Example(value="failed")]),
]


async def admin_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Webhooks carry secrets and reach out to any URL: only `admin` keys manage them."""
    key = await authenticate(connection.app.state.pool, connection.headers.get("authorization"))
    require_scope(key, "admin")
    connection.state.api_key = key


_body_schema = msgspec.json.schema_components([WebhookIn], ref_template="#/components/schemas/{name}")[1]["WebhookIn"]


@dataclass
class _CreateOperation(Operation):
    """The handler reads its body itself (to name each bad field in a 422, as the writes do): document it here."""

    def __post_init__(self) -> None:
        media = OpenAPIMediaType(schema=_body_schema)  # a plain JSON Schema dict: Litestar copies dicts as they are
        self.request_body = RequestBody(content={"application/json": media}, required=True)


def parse_webhook(body: bytes) -> WebhookIn:
    """The body as a :class:`WebhookIn`, or a 422 naming the field (a 400 when it is not JSON)."""
    document = decode_json(body)
    if not isinstance(document, dict):
        raise invalid([(None, "the body must be a JSON object")])
    try:
        return msgspec.convert(document, WebhookIn)
    except msgspec.ValidationError as exc:
        raise invalid([_field_error(describe_validation_error("", exc))]) from exc


def _field_error(described: str) -> tuple[str | None, str]:
    path, _, reason = described.partition(": ")
    path = path.lstrip(".")
    for pattern, what in ((_MISSING, "required field is missing"), (_UNKNOWN, "unknown field")):
        match = pattern.match(reason)
        if match:
            return (f"{path}.{match['field']}" if path else match["field"]), what
    return (path or None), reason


def _webhook(row: queries.WebhookRow) -> Webhook:
    return Webhook(
        id=row.id,
        url=row.url,
        types=row.types,  # type: ignore[arg-type]  # the table's CHECK keeps them resource types
        actors=row.actors,
        propositions=row.propositions,
        description=row.description,
        secret_fingerprint=signing.fingerprint(row.secret),
        created_at=row.created_at,
        created_by=row.key_name,
        deliveries=f"/v1/webhooks/{row.id}/deliveries",
    )


def _delivery(row: queries.DeliveryRow) -> Delivery:
    payload = row.payload
    return Delivery(
        id=row.id,
        event=row.event,
        change=DeliveredChange(
            cursor=change_cursor(row.change_txid, row.change_id),
            type=payload["type"],
            id=payload["id"],
            operation=payload["operation"],
            version=payload["version"],
        ),
        status=row.status,  # type: ignore[arg-type]  # the table's CHECK keeps it one of them
        created_at=row.created_at,
        attempts=[msgspec.convert(a, DeliveryAttempt, strict=False) for a in row.attempts],
        next_attempt_at=row.next_attempt_at.astimezone(UTC) if row.next_attempt_at else None,
    )


class WebhooksController(Controller):
    """Webhooks: every matching change POSTed, signed, to a URL; retried until it is received."""

    path = "/v1/webhooks"
    tags = ["webhooks"]  # noqa: RUF012  (Litestar reads it as a class attribute)
    guards = [admin_guard]  # noqa: RUF012
    security = BEARER_REQUIRED

    @post(
        "/",
        summary="Create a webhook",
        status_code=201,
        request_max_body_size=MAX_BODY,
        operation_class=_CreateOperation,
        responses={
            **AUTH_PROBLEMS,
            400: _problem("The body is not JSON."),
            413: _problem("The body is over 64 KiB."),
            422: _problem("A field is invalid, or names an actor or proposition that does not exist."),
        },
    )
    async def create_webhook(self, request: Request[Any, Any, Any], pool: PoolDep) -> Response[CreatedWebhook]:
        """Subscribe a URL to the changes matching the filters (an empty filter matches everything). Each change is
        POSTed as `/v1/changes` shows it, signed with the secret (`Timeline-Signature`). The answer is the only one
        that shows the secret; without one in the body, a secret is generated."""
        item = parse_webhook(await request.body())
        secret = item.secret or signing.new_secret()
        known = await queries.known_ids(pool, item.actors, item.propositions)
        errors: list[tuple[str | None, str]] = [
            (f"{field}[{index}]", f"unknown {field[:-1]} '{value}'")
            for field, values in (("actors", item.actors), ("propositions", item.propositions))
            for index, value in enumerate(values)
            if value not in known[field]
        ]
        if errors:
            raise invalid(errors)
        new = queries.NewWebhook(
            url=item.url,
            secret=secret,
            types=item.types,
            actors=item.actors,
            propositions=item.propositions,
            description=item.description,
            key_name=request.state.api_key.name,
        )
        row = await queries.insert_webhook(pool, new)
        created = CreatedWebhook(**msgspec.structs.asdict(_webhook(row)), secret=secret)
        return Response(content=created, status_code=201, headers={"Location": f"/v1/webhooks/{row.id}", **PRIVATE})

    @get(
        "/",
        summary="List webhooks",
        responses={**AUTH_PROBLEMS, **BAD_REQUEST},
        response_headers=[LINK_HEADER],
    )
    async def list_webhooks(
        self, request: Request[Any, Any, Any], pool: PoolDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> Response[WebhookPage]:
        """Every webhook, oldest first (secrets show only as fingerprints)."""
        after = int(decode_cursor(cursor, "webhooks", "asc", (int,))[0]) if cursor else None
        rows = await queries.list_webhooks(pool, after, limit + 1)
        items = [_webhook(row) for row in rows[:limit]]
        next_cursor = encode_cursor("webhooks", "asc", [items[-1].id]) if len(rows) > limit else None
        page = WebhookPage(items=items, next_cursor=next_cursor)
        return Response(content=page, headers={**next_link(request, next_cursor), **PRIVATE})

    @get("/{webhook_id:int}", summary="Get a webhook", responses={**AUTH_PROBLEMS, **BAD_REQUEST, **NOT_FOUND})
    async def get_webhook(self, pool: PoolDep, webhook_id: WebhookId) -> Response[Webhook]:
        """One webhook (its secret shows only as a fingerprint)."""
        row = await queries.get_webhook(pool, webhook_id)
        if row is None:
            raise WriteError(404, f"There is no webhook {webhook_id}.")
        return Response(content=_webhook(row), headers=PRIVATE)

    @delete("/{webhook_id:int}", summary="Delete a webhook", responses={**AUTH_PROBLEMS, **BAD_REQUEST, **NOT_FOUND})
    async def delete_webhook(self, pool: PoolDep, webhook_id: WebhookId) -> None:
        """Stop sending to this webhook: its pending deliveries are cancelled and its delivery log is deleted
        (an attempt already under way finishes, but its result is not recorded)."""
        if not await queries.delete_webhook(pool, webhook_id):
            raise WriteError(404, f"There is no webhook {webhook_id}.")

    @get(
        "/{webhook_id:int}/deliveries",
        summary="List a webhook's deliveries",
        responses={**AUTH_PROBLEMS, **BAD_REQUEST, **NOT_FOUND},
        response_headers=[LINK_HEADER],
    )
    async def list_deliveries(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        webhook_id: WebhookId,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        status: StatusFilter = None,
    ) -> Response[DeliveryPage]:
        """Each change sent (or to send) to this webhook, newest first: its delivery id, status, every attempt
        (time, HTTP status or error, start of the answer) and when the next attempt is due."""
        before = _deliveries_cursor(cursor, webhook_id)
        rows = await queries.list_deliveries(pool, webhook_id, before, status, limit + 1)
        if rows is None:
            raise WriteError(404, f"There is no webhook {webhook_id}.")
        items = [_delivery(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            next_cursor = encode_cursor("webhook-deliveries", "desc", [webhook_id, last.change_txid, last.change_id])
        page = DeliveryPage(items=items, next_cursor=next_cursor)
        return Response(content=page, headers={**next_link(request, next_cursor), **PRIVATE})


def _deliveries_cursor(cursor: str | None, webhook_id: int) -> tuple[int, int] | None:
    if not cursor:
        return None
    owner, txid, change_id = decode_cursor(cursor, "webhook-deliveries", "desc", (int, int, int))
    if owner != webhook_id:
        raise invalid_param("cursor", "not a cursor of this list (use next_cursor as given)")
    return int(txid), int(change_id)
