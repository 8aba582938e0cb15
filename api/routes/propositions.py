"""`/v1/propositions` and `/v1/propositions/{id}`: who supports, who opposes, who changed position."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.openapi.spec import Example
from litestar.params import Parameter

from api.dependencies import PoolDep
from api.http_cache import LINK_HEADER
from api.pagination import DEFAULT_LIMIT, Order, decode_cursor, encode_cursor, invalid_param, next_link
from api.params import Cursor, Lang, Limit, preferred_languages
from api.problems import problem
from api.queries import propositions as queries
from api.routes.claims import BAD_REQUEST, MAX_Q, NOT_FOUND, SLUG, no_nul
from schema.read_propositions import PropositionDetail, PropositionPage

RESOURCE = "propositions"

PropositionOrder = Annotated[
    Order,
    Parameter(
        description="Propositions have no date: `asc` lists them by id, `desc` by id descending.",
        examples=[Example(value="asc")],
    ),
]
PropositionQuery = Annotated[
    str | None,
    Parameter(
        max_length=MAX_Q,
        description="Full-text search in the proposition's texts, French and English stemming, accents ignored.",
        examples=[Example(value="usine")],
    ),
]
PropositionId = Annotated[
    str,
    Parameter(description="The proposition's id.", examples=[Example(value="iran-has-delivered-drones-to-russia")]),
]


class PropositionsController(Controller):
    """Propositions and the sides actors take on them."""

    tags = ["propositions"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get(
        "/v1/propositions",
        summary="List propositions",
        responses={400: BAD_REQUEST},
        response_headers=[LINK_HEADER],
    )
    async def list_propositions(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        q: PropositionQuery = None,
        lang: Lang = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        order: PropositionOrder = "asc",
    ) -> Response[PropositionPage]:
        """Propositions by id, each with the number of claims and of actors on each side."""
        after = None
        if cursor is not None:
            (after,) = decode_cursor(cursor, RESOURCE, order, (str,))
            if after is None or "\x00" in after:
                raise invalid_param("cursor", "not a cursor of this list (use next_cursor as given)")
        async with pool.acquire() as conn:
            items, next_key = await queries.list_propositions(
                conn,
                q=no_nul("q", q) or None,
                order=order,
                after=after,
                limit=limit,
                languages=preferred_languages(request, lang),
            )
        next_cursor = encode_cursor(RESOURCE, order, [next_key]) if next_key else None
        return Response(
            content=PropositionPage(items=items, next_cursor=next_cursor), headers=next_link(request, next_cursor)
        )

    @get(
        "/v1/propositions/{proposition_id:str}",
        summary="Get a proposition's stance timeline",
        responses={404: NOT_FOUND, 400: BAD_REQUEST},
    )
    async def get_proposition(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        proposition_id: PropositionId,
        lang: Lang = None,
    ) -> PropositionDetail:
        """Each actor who took a side, their claims in order with the stance, where they stand now and if they moved."""
        detail = None
        if SLUG.match(proposition_id):
            async with pool.acquire() as conn:
                detail = await queries.get_proposition(conn, proposition_id, preferred_languages(request, lang))
        if detail is None:
            raise problem(404, f"No proposition has the id {proposition_id!r}.")
        return detail
