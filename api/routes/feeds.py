"""`/v1/feeds/claims.atom` and `/v1/feeds/events.atom`: the claim and event lists as Atom 1.0 feeds.

A feed takes the filters of its list (`?actor=dmitry-peskov` is a feed of what Peskov says) and serves
its items newest first *by when they happened* (the list's `order=desc`), so its `cursor` is the
list's and RFC 5005 `next` links page back in time. An entry's `updated` is the last time the item
changed in the database (its latest revision) and `published` the first, so a reader shows an edited
claim as updated and a newly added one as new wherever its date falls; a bot that must see every
addition, including an old claim recorded late beyond the first page, follows the changes feed instead.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Parameter

from api.atom import ATOM_MEDIA_TYPE, EMPTY_FEED_UPDATED, Entry, Feed, Link, Person, render, resource_tag, shorten
from api.dependencies import PoolDep
from api.pagination import DEFAULT_LIMIT, encode_cursor
from api.params import Lang, Limit, preferred_languages, resolve_label
from api.problems import PROBLEM_JSON, Problem
from api.queries import claims as claim_queries
from api.queries import events as event_queries
from api.queries.claims import ClaimFilters
from api.queries.events import EventFilters
from api.queries.feeds import RevisionTimes, revision_times
from api.routes.claims import ActorIds, claim_cursor, provide_claim_filters, with_claimants
from api.routes.events import event_filters, keyset
from schema.read_claims import ClaimItem
from schema.read_events import EventItem

BAD_REQUEST = ResponseSpec(
    generate_examples=False,
    data_container=Problem,
    media_type=PROBLEM_JSON,
    description="A filter value outside its closed list, a malformed date, cursor or limit: `errors` names it.",
)
FeedCursor = Annotated[
    str | None,
    Parameter(
        description="The `next` link's cursor (also a `next_cursor` of the list with `order=desc`): older items.",
        examples=[Example(value="WyJjbGFpbXMiLCJkZXNjIixbIjIwMjMtMDItMDUiLCJwZXNrb3YiXV0")],
    ),
]
_PAGING_PARAMS = frozenset({"cursor", "limit"})
_NEVER = RevisionTimes(EMPTY_FEED_UPDATED, EMPTY_FEED_UPDATED)


def _query(request: Request[Any, Any, Any], *, drop: frozenset[str], extra: dict[str, str] | None = None) -> str:
    params = sorted((k, v) for k, v in request.query_params.multi_items() if k not in drop)
    params.extend((extra or {}).items())
    return f"?{urlencode(params)}" if params else ""


def _feed_id(request: Request[Any, Any, Any]) -> str:
    """The feed's id: its path and filters, sorted, so the same feed keeps one id however it is asked for."""
    return resource_tag("feeds", request.url.path.removeprefix("/v1/feeds/") + _query(request, drop=_PAGING_PARAMS))


def _links(request: Request[Any, Any, Any], list_path: str, next_cursor: str | None) -> list[Link]:
    base = str(request.base_url).rstrip("/")
    links = [
        Link(str(request.url), "self", ATOM_MEDIA_TYPE),
        Link(
            base + list_path + _query(request, drop=_PAGING_PARAMS, extra={"order": "desc"}),
            "alternate",
            "application/json",
        ),
    ]
    if next_cursor is not None:
        links.append(
            Link(
                base + request.url.path + _query(request, drop=frozenset({"cursor"}), extra={"cursor": next_cursor}),
                "next",
                ATOM_MEDIA_TYPE,
            )
        )
    return links


def _title(kind: str, request: Request[Any, Any, Any]) -> str:
    filters = _query(request, drop=_PAGING_PARAMS).removeprefix("?").replace("&", ", ")
    return f"Timeline: {kind}" + (f" ({filters})" if filters else "")


def _atom(feed: Feed) -> Response[bytes]:
    return Response(content=render(feed), media_type=ATOM_MEDIA_TYPE)


def claim_entry(base: str, claim: ClaimItem, times: RevisionTimes) -> Entry:
    who = claim.claimant.label or claim.claimant.name
    return Entry(
        id=resource_tag("claims", claim.id),
        title=f"{who} ({claim.kind}, {claim.when}): {shorten(claim.text)}",
        updated=times.last,
        published=times.first,
        link=f"{base}/v1/claims/{claim.id}",
        summary=f"{who}, {claim.when}: {claim.text}",
        authors=(Person(who, f"{base}/v1/actors/{claim.claimant.id}"),),
        categories=(claim.kind,),
    )


def event_entry(base: str, event: EventItem, times: RevisionTimes, languages: tuple[str, ...]) -> Entry:
    title = event.label or resolve_label(event.title, languages) or event.id
    summary = resolve_label(event.summary, languages)
    where = f" ({event.place.label})" if event.place else ""
    return Entry(
        id=resource_tag("events", event.id),
        title=f"{title} ({event.when})",
        updated=times.last,
        published=times.first,
        link=f"{base}/v1/events/{event.id}",
        summary=f"{event.when}{where}: {summary or title}",
        categories=(event.kind, *event.tags),
    )


class FeedsController(Controller):
    """Atom feeds of the claim and event lists, for feed readers and simple bots."""

    path = "/v1/feeds"
    tags = ["feeds"]  # noqa: RUF012  (Litestar reads it as a class attribute)
    dependencies = {  # noqa: RUF012
        "claim_filters": Provide(provide_claim_filters, sync_to_thread=False),
        "filters": Provide(event_filters, sync_to_thread=False),
    }

    @get("/claims.atom", summary="Claims as an Atom feed", media_type=ATOM_MEDIA_TYPE, responses={400: BAD_REQUEST})
    async def claims_feed(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        claim_filters: NamedDependency[ClaimFilters],
        actor: ActorIds = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: FeedCursor = None,
    ) -> Response[bytes]:
        """The claims `/v1/claims` lists with the same filters, most recently said first, as Atom 1.0: each entry's
        `updated` is when the claim last changed here, `published` when it was recorded, its link the claim's API
        resource and its author the claimant."""
        filters = with_claimants(claim_filters, actor)
        after = claim_cursor(cursor, "claims", "desc", "not a cursor of this feed (use the next link as given)")
        languages = preferred_languages(request, filters.language)
        async with pool.acquire() as conn:
            items, next_key = await claim_queries.list_claims(
                conn, filters, order="desc", after=after, limit=limit, languages=languages
            )
            times = await revision_times(conn, "claims", [item.id for item in items])
        base = _base(request)
        entries = [claim_entry(base, item, times.get(item.id, _NEVER)) for item in items]
        subtitle = "Who said what, when: the claims of /v1/claims, most recently said first."
        return _feed(request, "claims", subtitle, next_key, entries, languages[0])

    @get("/events.atom", summary="Events as an Atom feed", media_type=ATOM_MEDIA_TYPE, responses={400: BAD_REQUEST})
    async def events_feed(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        filters: NamedDependency[EventFilters],
        limit: Limit = DEFAULT_LIMIT,
        cursor: FeedCursor = None,
        lang: Lang = None,
    ) -> Response[bytes]:
        """The events `/v1/events` lists with the same filters, most recent first, as Atom 1.0: each entry's
        `updated` is when the event last changed here, `published` when it was recorded, its link the event's API
        resource."""
        page_request = keyset("events", "desc", limit, cursor)
        languages = preferred_languages(request, lang)
        async with pool.acquire() as conn:
            page = await event_queries.list_events(conn, filters, page_request, languages)
            times = await revision_times(conn, "events", [item.id for item in page.items])
        base = _base(request)
        entries = [event_entry(base, item, times.get(item.id, _NEVER), languages) for item in page.items]
        subtitle = "What happened, when: the events of /v1/events, most recent first."
        return _feed(request, "events", subtitle, page.next_key, entries, languages[0])


def _base(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/")


def _feed(
    request: Request[Any, Any, Any],
    kind: str,
    subtitle: str,
    next_key: tuple[Any, ...] | None,
    entries: list[Entry],
    language: str,
) -> Response[bytes]:
    """The Atom response of one page of the `kind` list (`claims`, `events`), newest first."""
    next_cursor = encode_cursor(kind, "desc", next_key) if next_key else None
    feed = Feed(
        id=_feed_id(request),
        title=_title(kind, request),
        subtitle=subtitle,
        links=_links(request, f"/v1/{kind}", next_cursor),
        entries=entries,
        language=language,
    )
    return _atom(feed)
