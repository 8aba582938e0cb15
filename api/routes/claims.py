"""`/v1/claims`, `/v1/claims/{id}` and `/v1/actors/{id}/claims`: who said what, when."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter

from api.dependencies import PoolDep
from api.http_cache import LINK_HEADER
from api.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor, invalid_param, next_link
from api.params import Cursor, DateFrom, DateTo, Lang, Limit, OrderParam, date_window, preferred_languages
from api.problems import PROBLEM_JSON, Problem, problem
from api.queries import claims as queries
from api.queries.claims import ClaimFilters
from schema.read_claims import ClaimDetail, ClaimPage
from schema.vocab import ClaimKind, Stance

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_Q = 500

BAD_REQUEST = ResponseSpec(
    generate_examples=False,
    data_container=Problem,
    media_type=PROBLEM_JSON,
    description="A filter value outside its closed list, a malformed date, cursor or limit: `errors` names it.",
)
NOT_FOUND = ResponseSpec(
    generate_examples=False, data_container=Problem, media_type=PROBLEM_JSON, description="No item has this id."
)

ActorIds = Annotated[
    list[str] | None,
    Parameter(description="Claimant actor id; repeat for any of several.", examples=[Example(value=["dmitry-peskov"])]),
]
Kinds = Annotated[
    list[ClaimKind] | None,
    Parameter(description="Claim kind; repeat for any of several.", examples=[Example(value=["denial"])]),
]
PropositionId = Annotated[
    str | None,
    Parameter(
        description="Only claims that take a side on this proposition (see `stance`).",
        examples=[Example(value="iran-has-delivered-drones-to-russia")],
    ),
]
StanceParam = Annotated[
    Stance | None,
    Parameter(
        description="Only claims that take this side: on `proposition` when given, else on any proposition.",
        examples=[Example(value="opposes")],
    ),
]
EventId = Annotated[
    str | None,
    Parameter(description="Only claims about this event.", examples=[Example(value="wsj-yelabuga-factory-report")]),
]
RelayId = Annotated[
    str | None,
    Parameter(
        description="Only claims relayed by this actor anywhere in their reporting chain.",
        examples=[Example(value="wall-street-journal")],
    ),
]
SourceId = Annotated[
    str | None,
    Parameter(description="Only claims cited in this source document.", examples=[Example(value="seed-000-presstv")]),
]
ClaimLang = Annotated[
    str | None,
    Parameter(
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description=(
            "Language to read claims in. Resolves `text` (and labels) to it, like `Accept-Language` does, AND keeps "
            "only the claims readable in it: words recorded in that language or translated into it (primary "
            "subtags compared, so `fr` matches `fr-CA`). `Accept-Language` alone resolves texts without filtering. "
            "Text fallback: the language, then `en`, then `fr`, then the words as recorded."
        ),
        examples=[Example(value="en")],
    ),
]
Query = Annotated[
    str | None,
    Parameter(
        max_length=MAX_Q,
        description=(
            "Full-text search in the words and translations, French and English stemming, accents ignored "
            '(web-search syntax: `"exact phrase"`, `or`, `-excluded`).'
        ),
        examples=[Example(value="usines")],
    ),
]
ClaimId = Annotated[
    str,
    Parameter(
        description="The claim's id.", examples=[Example(value="amir-abdollahian-admits-drones-supplied-before-war")]
    ),
]
ActorId = Annotated[str, Parameter(description="The actor's id.", examples=[Example(value="dmitry-peskov")])]


def no_nul(name: str, value: str | None) -> str | None:
    """PostgreSQL text cannot hold NUL: refuse it as a 400 rather than fail in the database."""
    if value is not None and "\x00" in value:
        raise invalid_param(name, "must not contain NUL characters")
    return value


def provide_claim_filters(
    kind: Kinds = None,
    proposition: PropositionId = None,
    stance: StanceParam = None,
    event: EventId = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    reported_via: RelayId = None,
    source: SourceId = None,
    lang: ClaimLang = None,
    q: Query = None,
) -> ClaimFilters:
    """The filters `/v1/claims` and `/v1/actors/{id}/claims` share (every one but the claimant)."""
    window = date_window(no_nul("from", date_from), no_nul("to", date_to))
    return ClaimFilters(
        kinds=kind,
        proposition=no_nul("proposition", proposition),
        stance=stance,
        event=no_nul("event", event),
        start=window.start,
        end=window.end,
        reported_via=no_nul("reported_via", reported_via),
        source=no_nul("source", source),
        language=lang,
        q=no_nul("q", q) or None,
    )


class ClaimsController(Controller):
    """Claims: what an actor said, when, in which words, relayed by whom, cited where."""

    tags = ["claims"]  # noqa: RUF012  (Litestar reads it as a class attribute)
    dependencies = {"claim_filters": Provide(provide_claim_filters, sync_to_thread=False)}  # noqa: RUF012

    @get("/v1/claims", summary="List claims", responses={400: BAD_REQUEST}, response_headers=[LINK_HEADER])
    async def list_claims(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        claim_filters: NamedDependency[ClaimFilters],
        actor: ActorIds = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        order: OrderParam = "asc",
    ) -> Response[ClaimPage]:
        """Claims in the order they were said (earliest day, ties by id in the same direction), filtered."""
        return await _page(request, pool, with_claimants(claim_filters, actor), "claims", limit, cursor, order)

    @get("/v1/claims/{claim_id:str}", summary="Get a claim", responses={404: NOT_FOUND, 400: BAD_REQUEST})
    async def get_claim(
        self, request: Request[Any, Any, Any], pool: PoolDep, claim_id: ClaimId, lang: Lang = None
    ) -> ClaimDetail:
        """A claim with its claimant, reporting chain, citations, events, stances and links in both directions."""
        detail = None
        if SLUG.match(claim_id):
            async with pool.acquire() as conn:
                detail = await queries.get_claim(conn, claim_id, preferred_languages(request, lang))
        if detail is None:
            raise problem(404, f"No claim has the id {claim_id!r}.")
        return detail

    @get(
        "/v1/actors/{actor_id:str}/claims",
        summary="List an actor's claims",
        responses={404: NOT_FOUND, 400: BAD_REQUEST},
        response_headers=[LINK_HEADER],
    )
    async def list_actor_claims(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        actor_id: ActorId,
        claim_filters: NamedDependency[ClaimFilters],
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
        order: OrderParam = "asc",
    ) -> Response[ClaimPage]:
        """What this actor said, in the order it was said, with the filters of `/v1/claims`."""
        if not SLUG.match(actor_id):
            raise problem(404, f"No actor has the id {actor_id!r}.")
        filters = replace(claim_filters, claimants=[actor_id])
        return await _page(request, pool, filters, "actor-claims", limit, cursor, order, actor_id=actor_id)


def with_claimants(filters: ClaimFilters, actor: list[str] | None) -> ClaimFilters:
    """The shared filters narrowed to the claimants of the repeatable `actor` parameter."""
    for value in actor or []:
        no_nul("actor", value)
    return replace(filters, claimants=actor)


def claim_cursor(cursor: str | None, resource: str, order: str, refusal: str) -> tuple[date, str] | None:
    """The (earliest, id) a claims cursor continues after; a 400 with `refusal` for anything else."""
    if cursor is None:
        return None
    earliest, claim_id = decode_cursor(cursor, resource, order, (date, str))
    if earliest is None or claim_id is None or "\x00" in claim_id:
        raise invalid_param("cursor", refusal)
    return (earliest, claim_id)


async def _page(
    request: Request[Any, Any, Any],
    pool: PoolDep,
    filters: ClaimFilters,
    resource: str,
    limit: int,
    cursor: str | None,
    order: str,
    *,
    actor_id: str | None = None,
) -> Response[ClaimPage]:
    after = claim_cursor(cursor, resource, order, "not a cursor of this list (use next_cursor as given)")
    languages = preferred_languages(request, filters.language)
    async with pool.acquire() as conn:
        items, next_key = await queries.list_claims(
            conn, filters, order=order, after=after, limit=limit, languages=languages
        )
        # A page with claims proves the actor exists; only an empty one needs asking.
        found = bool(items) or actor_id is None or await queries.actor_exists(conn, actor_id)
    if not found:
        raise problem(404, f"No actor has the id {actor_id!r}.")
    next_cursor = encode_cursor(resource, order, next_key) if next_key else None
    return Response(content=ClaimPage(items=items, next_cursor=next_cursor), headers=next_link(request, next_cursor))
