"""`/v1/sources`: the documents the story is built from, and what each of them backs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter

from api.dependencies import PoolDep
from api.http_cache import LINK_HEADER
from api.pagination import decode_cursor, encode_cursor, invalid_param, next_link
from api.params import Cursor, DateFrom, DateTo, Lang, Limit, OrderParam, date_window, preferred_languages
from api.problems import PROBLEM_JSON, Problem, problem
from api.queries import sources as queries
from schema.read_sources import SourceDetail, SourcePage

# No generated examples: Litestar would fill them with random values, noise in the committed contract.
BAD_REQUEST = ResponseSpec(
    data_container=Problem,
    media_type=PROBLEM_JSON,
    description="A parameter is malformed or out of range; `errors` names it.",
    generate_examples=False,
)
NOT_FOUND = ResponseSpec(
    data_container=Problem, media_type=PROBLEM_JSON, description="No item has this id.", generate_examples=False
)

_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")

OutletFilter = Annotated[
    list[str] | None,
    Parameter(
        description="Only sources published by this outlet (an actor id); repeat for any of several.",
        examples=[Example(value=["presstv-french"])],
    ),
]
LanguageFilter = Annotated[
    list[str] | None,
    Parameter(
        description="Only sources in this language (`fr` also finds `fr-CA`); repeat for any of several.",
        examples=[Example(value=["fr"])],
    ),
]
SourceId = Annotated[
    str,
    Parameter(description="The source's id.", examples=[Example(value="seed-000-presstv")]),
]


def checked_ids(name: str, values: Sequence[str] | None) -> list[str] | None:
    """Filter values as given; a 400 naming the parameter for a NUL byte, which PostgreSQL text cannot hold."""
    if not values:
        return None
    for value in values:
        if "\x00" in value:
            raise invalid_param(name, "must not contain a NUL character")
    return list(values)


def cursor_key(cursor: str, resource: str, order: str, types: Sequence[type]) -> list[Any]:
    """The key inside a cursor of this list; a 400 naming `cursor` when it is not one, or holds a NUL byte."""
    key = decode_cursor(cursor, resource, order, types)
    if any(isinstance(value, str) and "\x00" in value for value in key):
        raise invalid_param("cursor", "not a cursor of this list (use next_cursor as given)")
    return key


def _checked_languages(values: Sequence[str] | None) -> list[str] | None:
    if not values:
        return None
    for value in values:
        if not _LANGUAGE_TAG.fullmatch(value):
            raise invalid_param("language", f"not a language tag (like `fr` or `en-GB`): {value!r}")
    return list(values)


class SourceController(Controller):
    """Source documents: articles, reports and posts, with the citations taken from them."""

    path = "/v1/sources"
    tags = ["sources"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("/", summary="List sources", responses={400: BAD_REQUEST}, response_headers=[LINK_HEADER])
    async def list_sources(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        outlet: OutletFilter = None,
        language: LanguageFilter = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        order: OrderParam = "asc",
        limit: Limit = 50,
        cursor: Cursor = None,
        lang: Lang = None,
    ) -> Response[SourcePage]:
        """Sources by publication date (earliest possible day, then id); undated sources sort as if published last."""
        window = date_window(date_from, date_to)
        filters = queries.SourceFilters(
            outlets=checked_ids("outlet", outlet),
            languages=_checked_languages(language),
            published_from=window.start,
            published_to=window.end,
        )
        after = None
        if cursor is not None:
            key_date, key_id = cursor_key(cursor, "sources", order, [date, str])
            after = (key_date, key_id)
        async with pool.acquire() as conn:
            items, last = await queries.list_sources(
                conn,
                filters,
                order=order,
                after=after,
                limit=limit,
                languages=preferred_languages(request, lang),
            )
        next_cursor = encode_cursor("sources", order, last) if last is not None else None
        return Response(SourcePage(items=items, next_cursor=next_cursor), headers=next_link(request, next_cursor))

    @get("/{source_id:str}", summary="Get a source", responses={400: BAD_REQUEST, 404: NOT_FOUND})
    async def get_source(
        self, request: Request[Any, Any, Any], pool: PoolDep, source_id: SourceId, lang: Lang = None
    ) -> SourceDetail:
        """One source with every citation taken from it (in document order) and what each citation backs."""
        found = None
        if "\x00" not in source_id:
            async with pool.acquire() as conn:
                found = await queries.get_source(conn, source_id, languages=preferred_languages(request, lang))
        if found is None:
            raise problem(404, f"No source has the id {source_id!r}.")
        return found
