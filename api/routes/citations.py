"""`/v1/citations`: every exact quote that records a claim or an event, with its source."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.openapi.spec import Example
from litestar.params import Parameter

from api.dependencies import PoolDep
from api.http_cache import LINK_HEADER
from api.pagination import Order, encode_cursor, next_link
from api.params import Cursor, Lang, Limit, preferred_languages
from api.queries import citations as queries
from api.routes.sources import BAD_REQUEST, checked_ids, cursor_key
from schema.read_sources import CitationPage

ClaimFilter = Annotated[
    list[str] | None,
    Parameter(
        description="Only citations recording this claim (a claim id); repeat for any of several.",
        examples=[Example(value=["peskov-does-not-know-wsj-sources"])],
    ),
]
EventFilter = Annotated[
    list[str] | None,
    Parameter(
        description="Only citations recording this event (an event id); repeat for any of several.",
        examples=[Example(value=["wsj-yelabuga-factory-report"])],
    ),
]
SourceFilter = Annotated[
    list[str] | None,
    Parameter(
        description="Only citations taken from this source (a source id); repeat for any of several.",
        examples=[Example(value=["seed-000-presstv"])],
    ),
]
CitationOrder = Annotated[
    Order,
    Parameter(
        description="`asc`: by source id, then citation id (`<claim or event id>@<source id>`); `desc`: reversed.",
        examples=[Example(value="asc")],
    ),
]


class CitationController(Controller):
    """Citations: where in which document each claim and event is recorded."""

    path = "/v1/citations"
    tags = ["citations"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("/", summary="List citations", responses={400: BAD_REQUEST}, response_headers=[LINK_HEADER])
    async def list_citations(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        claim: ClaimFilter = None,
        event: EventFilter = None,
        source: SourceFilter = None,
        order: CitationOrder = "asc",
        limit: Limit = 50,
        cursor: Cursor = None,
        lang: Lang = None,
    ) -> Response[CitationPage]:
        """Citations with their quote, offsets, source and what they back; filters combine with AND."""
        filters = queries.CitationFilters(
            claims=checked_ids("claim", claim),
            events=checked_ids("event", event),
            sources=checked_ids("source", source),
        )
        after = None
        if cursor is not None:
            source_id, citation_id = cursor_key(cursor, "citations", order, [str, str])
            after = (source_id, citation_id)
        async with pool.acquire() as conn:
            items, last = await queries.list_citations(
                conn,
                filters,
                order=order,
                after=after,
                limit=limit,
                languages=preferred_languages(request, lang),
            )
        next_cursor = encode_cursor("citations", order, last) if last is not None else None
        return Response(CitationPage(items=items, next_cursor=next_cursor), headers=next_link(request, next_cursor))
