"""`GET /v1/changes/stream`: the changes feed as Server-Sent Events, live, resumable with `Last-Event-ID`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
from litestar import Controller, Request, get
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import HeaderParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from api.dependencies import PoolDep
from api.pagination import invalid_param
from api.problems import PROBLEM_JSON, Problem
from api.queries import changes as change_queries
from api.routes.changes import ActorParam, After, Types, parse_actor, parse_after, parse_types
from api.stream import ChangeTail, Position, Subscription, change_json, change_of

CATCH_UP_PAGE = 200
RETRY_MILLISECONDS = 1000
"""How long an `EventSource` waits before reconnecting after the stream ends."""

LastEventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        description="The `id` of the last event received: resume right after it (wins over `after`). Browsers' "
        "`EventSource` sends it by itself when it reconnects.",
        examples=[Example(value="WyJjaGFuZ2VzIiwiYXNjIixbNzcxLDEyXV0")],
    ),
]
BAD_REQUEST = ResponseSpec(
    generate_examples=False,
    data_container=Problem,
    media_type=PROBLEM_JSON,
    description="A malformed cursor (`after` or `Last-Event-ID`), type list or actor.",
)


def _event(change_json: str, cursor: str) -> ServerSentEventMessage:
    return ServerSentEventMessage(data=change_json, event="change", id=cursor)


async def _events(
    tail: ChangeTail,
    pool: asyncpg.Pool,
    position: Position | None,
    types: list[str] | None,
    actor: str | None,
    heartbeat: float,
) -> AsyncIterator[ServerSentEventMessage]:
    # Subscribe first, then catch up: see api.stream for why this order leaves no gap.
    subscription = await tail.subscribe(frozenset(types) if types is not None else None, actor)
    try:
        yield ServerSentEventMessage(data=None, comment="connected", retry=RETRY_MILLISECONDS)
        last = position
        if last is None:
            last = subscription.start
        else:
            where = change_queries.FeedFilter(after=last, types=types, actor=actor)
            while True:
                rows = await change_queries.list_changes(pool, where, CATCH_UP_PAGE)
                for row in rows:
                    change = change_of(row)
                    yield _event(change_json(change), change.cursor)
                    last = (row.txid, row.id)
                if len(rows) < CATCH_UP_PAGE:
                    break
                where = change_queries.FeedFilter(after=last, types=types, actor=actor)
        async for message in live_events(subscription, last, heartbeat):
            yield message
    finally:
        tail.unsubscribe(subscription)


async def live_events(
    subscription: Subscription, last: Position | None, heartbeat: float
) -> AsyncIterator[ServerSentEventMessage]:
    while not subscription.overflowed:
        try:
            item = await asyncio.wait_for(subscription.queue.get(), heartbeat)
        except TimeoutError:
            yield ServerSentEventMessage(data=None, comment="keepalive")
            continue
        if subscription.overflowed:
            break
        if last is None or item.position > last:
            yield _event(item.data, item.cursor)
            last = item.position
    yield ServerSentEventMessage(data=None, comment="too far behind: reconnect with Last-Event-ID to catch up")


class ChangeStreamController(Controller):
    """The live changes stream."""

    path = "/v1/changes/stream"
    tags = ["changes"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get(
        "/",
        summary="Stream the changes feed (Server-Sent Events)",
        media_type="text/event-stream",
        responses={400: BAD_REQUEST},
    )
    async def stream_changes(
        self,
        request: Request[Any, Any, Any],
        pool: PoolDep,
        after: After = None,
        types: Types = None,
        actor: ActorParam = None,
        last_event_id: LastEventId = None,
    ) -> ServerSentEvent:
        """Every committed change as one `change` event (`id:` its cursor, `data:` the change as `/v1/changes`
        lists it), with the filters of `/v1/changes`. With `Last-Event-ID` (or `after`) it first sends everything
        after that cursor, then live changes, with no gap and no repeat; without either it starts with the next
        change. A `: keepalive` comment comes after every `STREAM_HEARTBEAT_SECONDS` without an event. A client
        that falls too far behind is disconnected: reconnect with `Last-Event-ID` to catch up."""
        if last_event_id:
            try:
                position = parse_after(last_event_id)
            except HTTPException as exc:
                raise invalid_param("Last-Event-ID", "not a cursor of the changes feed", source="header") from exc
        else:
            position = parse_after(after)
        wanted = parse_types(types)
        who = parse_actor(actor)
        settings = request.app.state.settings
        tail: ChangeTail = request.app.state.change_tail
        return ServerSentEvent(
            _events(tail, pool, position, wanted, who, settings.stream_heartbeat_seconds),
            headers={"Cache-Control": "no-store"},
        )
