"""410 Gone for deleted resources, in one place: a 404 from any `GET /v1/{resource}/{id}[/…]` whose id has a
tombstone becomes a 410 problem. Read handlers need no change; the lookup runs only on their 404s."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from api.problems import PROBLEM_JSON
from api.queries.revisions import tombstone_version
from api.writes.errors import gone

_RESOURCE_PATH = re.compile(
    r"^/v1/(?P<type>actors|events|claims|citations|sources|propositions)/(?P<id>[^/]+)(/[^/]+)?$"
)
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(@[a-z0-9]+(-[a-z0-9]+)*)?$")
"""A slug, or a citation's `<owner>@<source>`: anything else cannot have a tombstone."""
_DROPPED = frozenset({"content-length", "content-type", "content-encoding", "etag"})


class GoneRewriter:
    """ASGI wrapper (see :func:`api.app.create_app`) turning a deleted resource's 404 into 410."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _RESOURCE_PATH.match(scope.get("path", "")) if scope["type"] == ScopeType.HTTP else None
        if match is None or scope.get("method") not in ("GET", "HEAD") or not _ID.match(match.group("id")):
            await self.app(scope, receive, send)
            return
        held: HTTPResponseStartEvent | None = None

        async def rewriting_send(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] == 404:
                held = message
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            if message.get("more_body", False):
                return  # a problem body comes in one piece; drop any partial one
            start, held = held, None
            await self._answer(start, match.group("type"), match.group("id"), message, send)

        await self.app(scope, receive, rewriting_send)

    async def _answer(
        self, start: HTTPResponseStartEvent, resource_type: str, resource_id: str, body: Message, send: Send
    ) -> None:
        version = await tombstone_version(self.state.pool, resource_type, resource_id)
        if version is None:
            await send(start)
            await send(body)
            return
        error = gone(resource_type, resource_id, version)
        content = msgspec.json.encode({"type": "about:blank", "title": "Gone", "status": 410, "detail": error.detail})
        headers = [(k, v) for k, v in start["headers"] if k.decode("latin-1").lower() not in _DROPPED]
        rewritten: HTTPResponseStartEvent = {"type": "http.response.start", "status": 410, "headers": headers}
        mutable = MutableScopeHeaders(rewritten)
        mutable["Content-Type"] = PROBLEM_JSON
        mutable["Content-Length"] = str(len(content))
        await send(rewritten)
        await send({"type": "http.response.body", "body": content, "more_body": False})
