"""`/v1/timeline`: events and claims in one chronological stream."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.openapi.spec import Example
from litestar.params import Parameter

from api.dependencies import PoolDep
from api.pagination import DEFAULT_LIMIT, Order, decode_cursor, encode_cursor, invalid_param, next_link
from api.params import Cursor, DateFrom, DateTo, Lang, Limit, OrderParam, date_window, preferred_languages
from api.queries import timeline as queries
from api.queries.events import Keyset
from api.queries.timeline import TYPE_RANK, TimelineFilters
from api.routes.events import BAD_REQUEST, TextQuery, id_params, is_slug, text_param
from schema.read_timeline import TimelinePage

RESOURCE = "timeline"

TimelineActor = Annotated[
    list[str] | None,
    Parameter(
        description="Actor id: events it took part in and claims it made. Repeat to match any of several.",
        examples=[Example(value=["hossein-amir-abdollahian"])],
    ),
]
TimelineProposition = Annotated[
    list[str] | None,
    Parameter(
        description=(
            "Proposition id: claims taking a stance on it and the events those claims are about. "
            "Repeat to match any of several."
        ),
        examples=[Example(value=["iran-has-delivered-drones-to-russia"])],
    ),
]


def timeline_keyset(order: Order, limit: int, cursor: str | None) -> Keyset:
    if not cursor:
        return Keyset(order=order, limit=limit)
    day, item_type, item_id = decode_cursor(cursor, RESOURCE, order, (date, str, str))
    if item_type not in TYPE_RANK or not is_slug(item_id):
        raise invalid_param("cursor", "not a cursor of this list (use next_cursor as given)")
    return Keyset(order=order, limit=limit, after=(day, item_type, item_id))


class TimelineController(Controller):
    """The story as one stream: what happened and what was said, in time order."""

    path = "/v1"
    tags = ["timeline"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("/timeline", summary="Timeline of events and claims", responses={400: BAD_REQUEST})
    async def timeline(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        actor: TimelineActor = None,
        proposition: TimelineProposition = None,
        q: TextQuery = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        order: OrderParam = "asc",
        lang: Lang = None,
    ) -> Response[TimelinePage]:
        """Events and claims merged, each tagged `type`: by earliest day, then events before claims, then id
        (all reversed with `order=desc`)."""
        window = date_window(date_from, date_to)
        filters = TimelineFilters(
            start=window.start,
            end=window.end,
            actors=id_params(actor),
            propositions=id_params(proposition),
            q=text_param(q),
        )
        page = await queries.list_timeline(
            pool, filters, timeline_keyset(order, limit, cursor), preferred_languages(request, lang)
        )
        next_cursor = encode_cursor(RESOURCE, order, page.next_key) if page.next_key else None
        return Response(
            content=TimelinePage(items=page.items, next_cursor=next_cursor),
            headers=next_link(request, next_cursor),
        )
