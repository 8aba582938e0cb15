"""`/v1/events`, `/v1/events/{id}` and `/v1/actors/{id}/events`."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Annotated, Any, TypeAlias

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter

from api.dependencies import PoolDep
from api.pagination import DEFAULT_LIMIT, Order, decode_cursor, encode_cursor, invalid_param, next_link
from api.params import (
    Cursor,
    DateFrom,
    DateTo,
    Lang,
    Limit,
    OrderParam,
    date_window,
    preferred_languages,
)
from api.problems import PROBLEM_JSON, Problem, problem
from api.queries import events as queries
from api.queries.events import EventFilters, Keyset
from schema.read_events import EventDetail, EventPage
from schema.vocab import EventKind

FiltersDep: TypeAlias = NamedDependency[EventFilters]
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

ActorFilter = Annotated[
    list[str] | None,
    Parameter(
        description="Actor id: items this actor took part in. Repeat to match any of several.",
        examples=[Example(value=["dmitry-peskov"])],
    ),
]
KindFilter = Annotated[
    list[EventKind] | None,
    Parameter(description="Event kind. Repeat to match any of several.", examples=[Example(value=["attack"])]),
]
PlaceFilter = Annotated[
    list[str] | None,
    Parameter(description="Place id. Repeat to match any of several.", examples=[Example(value=["yelabuga"])]),
]
TagFilter = Annotated[
    list[str] | None,
    Parameter(description="Tag. Repeat to match events with any of several.", examples=[Example(value=["drones"])]),
]
PropositionFilter = Annotated[
    list[str] | None,
    Parameter(
        description=(
            "Proposition id: events that claims taking a stance on it are about. Repeat to match any of several."
        ),
        examples=[Example(value=["iran-has-delivered-drones-to-russia"])],
    ),
]
TextQuery = Annotated[
    str | None,
    Parameter(
        max_length=500,
        description=(
            'Full-text search (web search syntax: words, "phrases", OR, -word) in French and English: '
            'stemmed ("usines" finds "usine"), accents ignored ("Teheran" finds "Téhéran").'
        ),
        examples=[Example(value="usine drones")],
    ),
]

BAD_REQUEST = ResponseSpec(
    generate_examples=False,
    data_container=Problem,
    media_type=PROBLEM_JSON,
    description="A parameter is invalid (unknown kind, malformed date or cursor, limit out of range); "
    "`errors` names it.",
)
NOT_FOUND = ResponseSpec(
    generate_examples=False, data_container=Problem, media_type=PROBLEM_JSON, description="No such item."
)


def text_param(value: str | None) -> str | None:
    """Free text PostgreSQL accepts: NUL (refused in text) becomes a space, lone surrogates a `?`."""
    if value is None:
        return None
    cleaned = value.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8").strip()
    return cleaned or None


def id_params(values: list[str] | None) -> list[str] | None:
    """Ids to match; a value that cannot be an id matches nothing (an empty list still filters)."""
    if values is None:
        return None
    return [value for value in values if is_slug(value)]


def is_slug(value: str) -> bool:
    return len(value) <= 120 and SLUG.match(value) is not None


def keyset(resource: str, order: Order, limit: int, cursor: str | None) -> Keyset:
    """The page to serve; the cursor's (earliest, id) must be one this list could have given."""
    if not cursor:
        return Keyset(order=order, limit=limit)
    day, item_id = decode_cursor(cursor, resource, order, (date, str))
    if not is_slug(item_id):
        raise invalid_param("cursor", "not a cursor of this list (use next_cursor as given)")
    return Keyset(order=order, limit=limit, after=(day, item_id))


def event_filters(
    date_from: DateFrom = None,
    date_to: DateTo = None,
    actor: ActorFilter = None,
    kind: KindFilter = None,
    place: PlaceFilter = None,
    tag: TagFilter = None,
    proposition: PropositionFilter = None,
    q: TextQuery = None,
) -> EventFilters:
    """The filters `/v1/events` and `/v1/actors/{id}/events` share."""
    window = date_window(date_from, date_to)
    return EventFilters(
        start=window.start,
        end=window.end,
        actors=id_params(actor),
        kinds=kind,
        places=id_params(place),
        tags=id_params(tag),
        propositions=id_params(proposition),
        q=text_param(q),
    )


def page_response(
    request: Request[Any, Any, Any], resource: str, order: Order, page: queries.EventsPage
) -> Response[EventPage]:
    cursor = encode_cursor(resource, order, page.next_key) if page.next_key else None
    return Response(content=EventPage(items=page.items, next_cursor=cursor), headers=next_link(request, cursor))


class EventsController(Controller):
    """Events: what happened, when, where, who took part, and what backs it."""

    path = "/v1"
    tags = ["events"]  # noqa: RUF012  (Litestar reads it as a class attribute)
    dependencies = {"filters": Provide(event_filters, sync_to_thread=False)}  # noqa: RUF012

    @get("/events", summary="List events", responses={400: BAD_REQUEST})
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        filters: FiltersDep,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        order: OrderParam = "asc",
        lang: Lang = None,
    ) -> Response[EventPage]:
        """Events in time order (earliest day, then id; both reversed with `order=desc`), every filter combined."""
        page = await queries.list_events(
            pool, filters, keyset("events", order, limit, cursor), preferred_languages(request, lang)
        )
        return page_response(request, "events", order, page)

    @get("/events/{event_id:str}", summary="Get an event", responses={404: NOT_FOUND, 400: BAD_REQUEST})
    async def get_event(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        event_id: Annotated[str, Parameter(description="Event id.", examples=[Example(value="wsj-report")])],
        lang: Lang = None,
    ) -> EventDetail:
        """One event with its participants, the citations that record it and the claims about it (in time order)."""
        detail = None
        if is_slug(event_id):
            detail = await queries.get_event(pool, event_id, preferred_languages(request, lang))
        if detail is None:
            raise problem(404, f"There is no event {event_id!r}.")
        return detail

    @get(
        "/actors/{actor_id:str}/events",
        summary="List an actor's events",
        responses={404: NOT_FOUND, 400: BAD_REQUEST},
    )
    async def list_actor_events(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        actor_id: Annotated[str, Parameter(description="Actor id.", examples=[Example(value="dmitry-peskov")])],
        filters: FiltersDep,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        order: OrderParam = "asc",
        lang: Lang = None,
    ) -> Response[EventPage]:
        """Events this actor took part in, in time order, with the filters of `/v1/events`."""
        page_request = keyset("actor-events", order, limit, cursor)
        async with pool.acquire() as conn:
            if not is_slug(actor_id) or not await queries.actor_exists(conn, actor_id):
                raise problem(404, f"There is no actor {actor_id!r}.")
            page = await queries.list_events(
                conn,
                dataclasses.replace(filters, participant=actor_id),
                page_request,
                preferred_languages(request, lang),
            )
        return page_response(request, "actor-events", order, page)
