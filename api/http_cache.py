"""HTTP behaviour every GET shares: a strong ETag with conditional 304s, Cache-Control, gzip, CORS.

Order of the layers, outermost first (see :func:`http_middleware`):

1. CORS (Litestar's, app-wide, also answers preflight OPTIONS);
2. gzip (Litestar's ``CompressionMiddleware``) for bodies of 1 KiB or more when ``Accept-Encoding`` asks;
3. :class:`ConditionalGetMiddleware`: ETag, ``If-None-Match`` → 304, Cache-Control.

The ETag layer sits inside compression so it hashes the identity body: a representation keeps one
ETag whatever encoding carries it, and a 304 (no body) passes through compression untouched.
Litestar's ``compression_config`` cannot be used for this, because it puts compression *inside*
every user middleware; compression is therefore listed as a user middleware here, before ours.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import Headers, MutableScopeHeaders, ResponseHeader
from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

COMPRESSION_MINIMUM_SIZE = 1024
API_CACHE_CONTROL = "public, max-age=30"
"""Story data changes when a curator reloads the dataset; 30 s bounds how stale a shared cache can be."""
NO_STORE = "no-store"
NO_STORE_PATHS = ("/health", "/ready")
"""Probes must always reach the process."""
CORS_EXPOSED_HEADERS = ["ETag", "Link", "Cache-Control", "Content-Language"]
"""Browsers hide response headers from scripts unless listed; pagination needs `Link`, caching `ETag`."""

_VERSION_TAG = re.compile(r'^"v[1-9][0-9]*"$')
_CONDITIONAL_METHODS = frozenset({"GET", "HEAD"})
# Headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5); the body's own go.
_KEPT_ON_304 = frozenset({b"cache-control", b"etag", b"vary", b"content-location", b"expires", b"link"})


CACHE_HEADERS = [
    ResponseHeader(
        name="ETag",
        documentation_only=True,
        description="Strong validator of the (uncompressed) body; send it back in `If-None-Match` to get a 304.",
        value='"3f2a9c0d5b8e41c7a6d2e9f0b1c3d4e5"',  # documentation only: gives the header a string schema
    ),
    ResponseHeader(
        name="Cache-Control",
        documentation_only=True,
        description="`public, max-age=30` for data, `no-store` for /health, /ready and errors.",
        value=API_CACHE_CONTROL,
    ),
]
"""Documented on every operation (the middleware below sets them)."""
LINK_HEADER = ResponseHeader(
    name="Link",
    documentation_only=True,
    description='RFC 8288 link to the next page, `<…>; rel="next"`; absent on the last page.',
    value='</v1/sources?limit=20&cursor=WyJzb3VyY2VzIl0>; rel="next"',
)
"""Documented on list operations (their handlers set it with `api.pagination.next_link`)."""


def cors_config(origins: Sequence[str]) -> CORSConfig:
    """Any origin by default; only `origins` when given (``CORS_ORIGINS``).

    Writes are allowed cross-origin too: they authenticate with a bearer token the page must hold, never with
    ambient credentials such as cookies, so a foreign page cannot write on a visitor's behalf.
    """
    return CORSConfig(
        allow_origins=list(origins) or ["*"],
        allow_methods=["GET", "HEAD", "OPTIONS", "POST", "PATCH", "DELETE"],
        allow_headers=[
            "Accept",
            "Accept-Language",
            "If-None-Match",
            "If-Match",
            "Content-Type",
            "Authorization",
            "Idempotency-Key",
        ],
        expose_headers=[*CORS_EXPOSED_HEADERS, "Location"],
        max_age=600,
    )


def http_middleware() -> list[DefineMiddleware | type[ConditionalGetMiddleware]]:
    """The app-wide middleware list, outermost first: gzip, then ETag and Cache-Control."""
    compression = CompressionConfig(backend="gzip", minimum_size=COMPRESSION_MINIMUM_SIZE)
    return [DefineMiddleware(CompressionMiddleware, config=compression), ConditionalGetMiddleware]


def cache_control(path: str, status: int) -> str:
    """The Cache-Control of a response: short public caching for successes, none for probes and errors."""
    if status >= 400 or path in NO_STORE_PATHS:
        return NO_STORE
    return API_CACHE_CONTROL


def strong_etag(body: bytes, version_tag: str | None = None) -> str:
    """A strong validator: the same bytes always give the same tag, any other bytes (practically) another.

    When the handler set a version ETag (``"v3"``, see :mod:`api.writes.etag`), the tag keeps it as a prefix,
    ``"v3.<hash>"``: still body-specific for caches, and accepted by ``If-Match`` on writes.
    """
    digest = hashlib.sha256(body).hexdigest()[:32]
    if version_tag and _VERSION_TAG.match(version_tag):
        return f'"{version_tag.strip(chr(34))}.{digest}"'
    return f'"{digest}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 §13.1.2 asks), or is `*`."""
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates


class ConditionalGetMiddleware:
    """Buffers each GET response to tag it with a strong ETag, answering 304 when the client has it.

    Non-GET requests pass through untouched. Every GET answer gets a Cache-Control unless its handler
    set one; only 200 answers get an ETag (errors are not validated representations).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] not in _CONDITIONAL_METHODS:
            await self.app(scope, receive, send)
            return
        if_none_match = Headers.from_scope(scope).get("if-none-match")
        start: HTTPResponseStartEvent | None = None
        chunks: list[bytes] = []

        async def buffered_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(scope["path"], start, b"".join(chunks), if_none_match, send)

        await self.app(scope, receive, buffered_send)

    @staticmethod
    async def _finish(
        path: str, start: HTTPResponseStartEvent, body: bytes, if_none_match: str | None, send: Send
    ) -> None:
        status = start["status"]
        headers = MutableScopeHeaders(start)
        if "cache-control" not in headers:
            headers["Cache-Control"] = cache_control(path, status)
        if status == 200:
            # Labels and texts follow `lang` or Accept-Language: caches must keep one copy per language.
            headers.extend_header_value("vary", "Accept-Language")
            etag = strong_etag(body, version_tag=headers.get("etag"))
            headers["ETag"] = etag
            if if_none_match is not None and etag_matches(if_none_match, etag):
                kept = [(name, value) for name, value in start["headers"] if name.lower() in _KEPT_ON_304]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})
