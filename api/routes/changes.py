"""`GET /v1/changes`: every committed write, in order, exactly once per cursor walk."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter

from api.dependencies import WritePoolDep
from api.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor, invalid_param
from api.params import Limit
from api.problems import PROBLEM_JSON, Problem
from api.queries import changes as queries
from schema.writes import Change, ChangePage

RESOURCE_TYPES = queries.RESOURCE_TYPES
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_FEED = "changes"

After = Annotated[
    str | None,
    Parameter(
        description="A change's `cursor` (or a page's `next_cursor`): continue right after it. Omit to start at the "
        "beginning of the feed.",
        examples=[Example(value="WyJjaGFuZ2VzIiwiYXNjIixbNzcxLDEyXV0")],
    ),
]
Types = Annotated[
    str | None,
    Parameter(
        description=f"Comma-separated resource types to keep ({', '.join(RESOURCE_TYPES)}).",
        examples=[Example(value="events,claims")],
    ),
]
ActorParam = Annotated[
    str | None,
    Parameter(
        description="Keep changes involving this actor: the actor itself, events they take part in, claims they make "
        "or relay, sources they publish, and the citations of those claims and events.",
        examples=[Example(value="dmitry-peskov")],
    ),
]
CursorAlias = Annotated[
    str | None,
    Parameter(
        description="The same as `after` (the name every other list uses); `after` wins when both are given.",
        examples=[Example(value="WyJjaGFuZ2VzIiwiYXNjIixbNzcxLDEyXV0")],
    ),
]
BAD_REQUEST = ResponseSpec(
    generate_examples=False,
    data_container=Problem,
    media_type=PROBLEM_JSON,
    description="A malformed cursor, type list or limit.",
)


def change_cursor(txid: int, change_id: int) -> str:
    return encode_cursor(_FEED, "asc", [txid, change_id])


def parse_after(after: str | None) -> tuple[int, int] | None:
    if not after:
        return None
    txid, change_id = decode_cursor(after, _FEED, "asc", (int, int))
    return int(txid), int(change_id)


def parse_types(types: str | None) -> list[str] | None:
    if types is None:
        return None
    wanted = [t.strip() for t in types.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in RESOURCE_TYPES]
    if unknown or not wanted:
        raise invalid_param(
            "types", f"unknown type(s) {', '.join(unknown) or '(none)'}; use {', '.join(RESOURCE_TYPES)}"
        )
    return wanted


def parse_actor(actor: str | None) -> str | None:
    if actor is None:
        return None
    if len(actor) > 120 or not _SLUG.match(actor):
        raise invalid_param("actor", f"not an actor id: {actor!r}")
    return actor


def _next_link(request: Request[Any, Any, Any], next_cursor: str | None) -> dict[str, str]:
    if next_cursor is None:
        return {}
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("after", "cursor")]
    params.append(("after", next_cursor))
    return {"Link": f'<{request.url.path}?{urlencode(params)}>; rel="next"'}


class ChangesController(Controller):
    """The changes feed."""

    path = "/v1/changes"
    tags = ["changes"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("/", summary="Follow the changes feed", responses={400: BAD_REQUEST})
    async def list_changes(
        self,
        request: Request[Any, Any, Any],
        primary_pool: WritePoolDep,
        after: After = None,
        cursor: CursorAlias = None,
        limit: Limit = DEFAULT_LIMIT,
        types: Types = None,
        actor: ActorParam = None,
    ) -> Response[ChangePage]:
        """Committed changes after `after`, oldest first: each with its cursor, type, id, operation, version, time
        and the state it left (null for a deletion). Keep `next_cursor` and poll with it: a walk sees every committed
        change exactly once, in order; `has_more` is false when you are caught up."""
        after = after or cursor
        position = parse_after(after)
        where = queries.FeedFilter(
            after=position,
            types=parse_types(types),
            actor=parse_actor(actor),
        )
        rows = await queries.list_changes(primary_pool, where, limit + 1)
        items = [
            Change(
                cursor=change_cursor(row.txid, row.id),
                type=row.resource_type,  # type: ignore[arg-type]
                id=row.resource_id,
                operation=row.operation,  # type: ignore[arg-type]
                version=row.version,
                at=row.at,
                state=row.state,
            )
            for row in rows[:limit]
        ]
        next_cursor = items[-1].cursor if items else after
        page = ChangePage(items=items, next_cursor=next_cursor, has_more=len(rows) > limit)
        return Response(content=page, headers=_next_link(request, next_cursor) if page.has_more else {})
