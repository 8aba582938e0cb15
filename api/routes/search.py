"""`/v1/search`: one search box over actors, events, claims and citations."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter

from api.dependencies import PoolDep
from api.pagination import decode_cursor, encode_cursor, invalid_param, next_link
from api.params import Cursor, Lang, Limit, preferred_languages
from api.problems import PROBLEM_JSON, Problem
from api.queries import search as queries
from schema.read_search import SEARCH_TYPES, SearchPage, SearchType

BAD_REQUEST = ResponseSpec(
    generate_examples=False,
    data_container=Problem,
    media_type=PROBLEM_JSON,
    description="`q` is missing or blank, or a parameter is malformed or unknown (`errors` names it).",
)

SearchQuery = Annotated[
    str,
    Parameter(
        min_length=1,
        max_length=500,
        description=(
            "Words to find, French or English (stemmed: `usines` finds usine; accents ignored). Web-search syntax: "
            '`"exact phrase"`, `or`, `-excluded`. Actor names also match with small spelling differences.'
        ),
        examples=[Example(value="drones iraniens"), Example(value="Yelabuga factory")],
    ),
]
Types = Annotated[
    list[SearchType] | None,
    Parameter(
        description="Only hits of these types (repeatable); all four by default.",
        examples=[Example(value=["claim", "citation"])],
    ),
]


def _cursor_list(query: str) -> str:
    """The cursor namespace: a cursor only continues the query it came from."""
    return "search:" + hashlib.sha256(query.encode()).hexdigest()[:16]


def _after(cursor: str, namespace: str) -> tuple[int, str, str]:
    rank, hit_type, hit_id = decode_cursor(cursor, namespace, "rank", [int, str, str])
    # Ranks are small non-negative integers (ts_rank in micro-units); anything else is forged.
    if not 0 <= rank < 10**12 or hit_type not in SEARCH_TYPES or "\x00" in hit_id:
        raise invalid_param("cursor", "not a cursor of this list (use next_cursor as given)")
    return rank, hit_type, hit_id


class SearchController(Controller):
    """Full-text search across the story."""

    path = "/v1/search"
    tags = ["search"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("/", summary="Search", responses={400: BAD_REQUEST})
    async def search(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        q: SearchQuery,
        types: Types = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        lang: Lang = None,
    ) -> Response[SearchPage]:
        """Hits by rank, then type, then id; each `snippet` is escaped HTML with matches in `<mark>`."""
        query = q.strip()
        if not query:
            raise invalid_param("q", "must not be blank")
        if "\x00" in query:
            raise invalid_param("q", "must not contain NUL characters")
        namespace = _cursor_list(query)
        after = _after(cursor, namespace) if cursor else None
        chosen = sorted(set(types)) if types else list(SEARCH_TYPES)
        ranked = await queries.search(
            pool,
            query,
            chosen,
            after=after,
            limit=limit + 1,
            languages=preferred_languages(request, lang),
            common_lexemes=request.app.state.common_lexemes.current,
        )
        next_cursor = None
        if len(ranked) > limit:
            ranked = ranked[:limit]
            last = ranked[-1]
            next_cursor = encode_cursor(namespace, "rank", [last.rank, last.hit.type, last.hit.id])
        page = SearchPage(items=[r.hit for r in ranked], next_cursor=next_cursor)
        return Response(page, headers=next_link(request, next_cursor))
