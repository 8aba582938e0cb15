"""`/v1/actors`: who appears in the story, found by (approximate) name, kind, country or tie."""

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
from api.problems import PROBLEM_JSON, Problem, problem
from api.queries import actors as queries
from schema.read_actors import ActorDetail, ActorPage
from schema.vocab import ActorKind

BAD_REQUEST = ResponseSpec(
    generate_examples=False,
    data_container=Problem,
    media_type=PROBLEM_JSON,
    description="A parameter is malformed or unknown (`errors` names it): `kind`, `country`, `q`, `limit`, `cursor`…",
)
NOT_FOUND = ResponseSpec(
    generate_examples=False, data_container=Problem, media_type=PROBLEM_JSON, description="No actor has this id."
)

NameQuery = Annotated[
    str | None,
    Parameter(
        max_length=200,
        description=(
            "Name, label or alias, in any case, with or without accents or hyphens, tolerating small spelling "
            "differences (`Teheran` finds Téhéran, `Peskof` finds Dmitry Peskov). With `q`, actors come best match "
            "first (exact name, then a name starting with `q`, then close spellings), ties by id."
        ),
        examples=[Example(value="Peskov"), Example(value="Amirabdollahian")],
    ),
]
Kinds = Annotated[
    list[ActorKind] | None,
    Parameter(description="Only actors of these kinds (repeatable).", examples=[Example(value=["person", "state"])]),
]
Country = Annotated[
    str | None,
    Parameter(
        pattern=r"^[A-Za-z]{2}$",
        description="Only actors of this country (ISO 3166-1 alpha-2, any case).",
        examples=[Example(value="IR")],
    ),
]
AffiliatedWith = Annotated[
    str | None,
    Parameter(
        max_length=200,
        description="Only actors with an affiliation to this actor id (its spokespeople, ministries, units…).",
        examples=[Example(value="kremlin")],
    ),
]


def _no_nul(name: str, value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL: reject it here rather than fail in the driver.
    if value is not None and "\x00" in value:
        raise invalid_param(name, "must not contain NUL characters")
    return value


def _query_cursor_list(query: str) -> str:
    """The cursor namespace of a ranked list: a cursor only continues the query it came from."""
    return "actors:q:" + hashlib.sha256(query.encode()).hexdigest()[:16]


def _id_cursor(cursor: str) -> str:
    (actor_id,) = decode_cursor(cursor, "actors", "id", [str])
    if "\x00" in actor_id:
        raise invalid_param("cursor", "not a cursor of this list (use next_cursor as given)")
    return str(actor_id)


def _rank_cursor(cursor: str, namespace: str) -> tuple[int, str]:
    rank, actor_id = decode_cursor(cursor, namespace, "rank", [int, str])
    # Ranks are below 5e6 (tier ≤ 3 plus a similarity ≤ 1, in micro-units); anything else is forged.
    if not 0 <= rank < 10**9 or "\x00" in actor_id:
        raise invalid_param("cursor", "not a cursor of this list (use next_cursor as given)")
    return rank, actor_id


class ActorController(Controller):
    """People, institutions, states, media and anonymous groups of the story."""

    path = "/v1/actors"
    tags = ["actors"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("/", summary="List actors", responses={400: BAD_REQUEST})
    async def list_actors(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        q: NameQuery = None,
        kind: Kinds = None,
        country: Country = None,
        affiliated_with: AffiliatedWith = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        lang: Lang = None,
    ) -> Response[ActorPage]:
        """Actors by id, or best name match first with `q`; filtered by kind, country and affiliation."""
        filters = queries.ActorFilters(
            kinds=kind,
            country=country.upper() if country else None,
            affiliated_with=_no_nul("affiliated_with", affiliated_with),
        )
        query = (_no_nul("q", q) or "").strip()
        languages = preferred_languages(request, lang)
        next_cursor: str | None = None
        if not query:
            after = _id_cursor(cursor) if cursor else None
            items = await queries.list_actors(pool, filters, after_id=after, limit=limit + 1, languages=languages)
            if len(items) > limit:
                items = items[:limit]
                next_cursor = encode_cursor("actors", "id", [items[-1].id])
        else:
            namespace = _query_cursor_list(query)
            after_key = _rank_cursor(cursor, namespace) if cursor else None
            ranked = await queries.search_actors(
                pool, filters, query, after=after_key, limit=limit + 1, languages=languages
            )
            if len(ranked) > limit:
                ranked = ranked[:limit]
                next_cursor = encode_cursor(namespace, "rank", [ranked[-1].rank, ranked[-1].actor.id])
            items = [hit.actor for hit in ranked]
        return Response(ActorPage(items=items, next_cursor=next_cursor), headers=next_link(request, next_cursor))

    @get("/{actor_id:str}", summary="One actor with its ties", responses={400: BAD_REQUEST, 404: NOT_FOUND})
    async def get_actor(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        actor_id: Annotated[str, Parameter(description="Actor id.", examples=[Example(value="dmitry-peskov")])],
        lang: Lang = None,
    ) -> ActorDetail:
        """The actor, its affiliations, the actors affiliated with it and, for a state, its media outlets."""
        # PostgreSQL text cannot hold NUL, and no id holds one.
        actor = (
            None if "\x00" in actor_id else await queries.get_actor(pool, actor_id, preferred_languages(request, lang))
        )
        if actor is None:
            raise problem(404, f"No actor has the id {actor_id!r}.")
        return actor
