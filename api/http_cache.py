"""HTTP behaviour every GET shares: a strong ETag with conditional 304s, Cache-Control, gzip, CORS.

Order of the layers, outermost first (see :func:`http_middleware`):

1. CORS (Litestar's, app-wide, also answers preflight OPTIONS);
2. gzip (Litestar's ``CompressionMiddleware``) for bodies of 1 KiB or more when ``Accept-Encoding`` asks;
3. :class:`ConditionalGetMiddleware`: ETag, ``If-None-Match`` → 304, Cache-Control;
4. the anonymous rate limit (:mod:`api.rate_limit`), when ``RATE_LIMIT`` is on.

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

from api.conditional import HeadValidators, etag_matches, head_scoped
from api.feed_head import FeedHead
from api.rate_limit import rate_limit_middleware
from api.settings import RateLimit

COMPRESSION_MINIMUM_SIZE = 1024
API_CACHE_CONTROL = "public, max-age=30"
"""Story data changes when a curator reloads the dataset; 30 s bounds how stale a shared cache can be."""
NO_STORE = "no-store"
NO_STORE_PATHS = ("/health", "/ready")
"""Probes must always reach the process."""
CORS_EXPOSED_HEADERS = ["ETag", "Last-Modified", "Link", "Cache-Control", "Content-Language", "Retry-After"]
"""Browsers hide response headers from scripts unless listed; pagination needs `Link`, caching `ETag`."""

_VERSION_TAG = re.compile(r'^"v[1-9][0-9]*"$')
_CONDITIONAL_METHODS = frozenset({"GET", "HEAD"})
# Headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5); the body's own go.
_KEPT_ON_304 = frozenset(
    {b"cache-control", b"etag", b"vary", b"content-location", b"expires", b"link", b"last-modified"}
)


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
            "If-Modified-Since",
            "If-Match",
            "Content-Type",
            "Authorization",
            "Idempotency-Key",
        ],
        expose_headers=[*CORS_EXPOSED_HEADERS, "Location"],
        max_age=600,
    )


def http_middleware(rate_limit: RateLimit | None = None) -> list[DefineMiddleware | type[ConditionalGetMiddleware]]:
    """The app-wide middleware list, outermost first: gzip, ETag and Cache-Control, then the anonymous rate limit
    (inside, so a 304 answered from the feed head is not counted)."""
    compression = CompressionConfig(backend="gzip", minimum_size=COMPRESSION_MINIMUM_SIZE)
    limiter = rate_limit_middleware(rate_limit)
    return [
        DefineMiddleware(CompressionMiddleware, config=compression),
        ConditionalGetMiddleware,
        *([limiter] if limiter is not None else []),
    ]


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


class ConditionalGetMiddleware:
    """Tags each GET response with a strong ETag, answering 304 when the client has it.

    Lists, the timeline, search, the changes feed and the Atom feeds (:func:`api.conditional.head_scoped`) are
    tagged from the feed head taken *before* the handler runs (a body newer than its tag is harmless; a tag newer
    than its body would hide a change for good), so a matching `If-None-Match` or `If-Modified-Since` is answered
    here without calling the handler — no SQL. That shortcut is skipped when reads need a key (the key check is SQL),
    and the whole head scheme while the head is unknown: then the tag is the body's hash, as for single resources.

    Other responses are buffered to hash their body. Non-GET requests and event streams pass through untouched.
    Every GET answer gets a Cache-Control unless its handler set one; only 200 answers get an ETag.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] not in _CONDITIONAL_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers.from_scope(scope)
        validators = _head_validators(scope, headers)
        if validators is not None and validators.client_is_current and not _reads_need_key(scope):
            await _send_not_modified(_head_headers(scope["path"], validators), send)
            return
        if_none_match = headers.get("if-none-match")
        start: HTTPResponseStartEvent | None = None
        chunks: list[bytes] = []

        async def buffered_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if _is_stream(message):
                    start = None
                    await send(message)
                    return
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(scope["path"], start, b"".join(chunks), if_none_match, validators, send)

        await self.app(scope, receive, buffered_send)

    @staticmethod
    async def _finish(
        path: str,
        start: HTTPResponseStartEvent,
        body: bytes,
        if_none_match: str | None,
        validators: HeadValidators | None,
        send: Send,
    ) -> None:
        status = start["status"]
        headers = MutableScopeHeaders(start)
        if "cache-control" not in headers:
            headers["Cache-Control"] = cache_control(path, status)
        if status == 200:
            # Labels and texts follow `lang` or Accept-Language: caches must keep one copy per language.
            headers.extend_header_value("vary", "Accept-Language")
            if validators is not None:
                headers["ETag"] = validators.etag
                headers["Last-Modified"] = validators.last_modified
                current = validators.client_is_current
            else:
                etag = strong_etag(body, version_tag=headers.get("etag"))
                headers["ETag"] = etag
                current = if_none_match is not None and etag_matches(if_none_match, etag)
            if current:
                kept = [(name, value) for name, value in start["headers"] if name.lower() in _KEPT_ON_304]
                await _send_not_modified(kept, send)
                return
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _head_validators(scope: Scope, headers: Headers) -> HeadValidators | None:
    head: FeedHead | None = getattr(scope["litestar_app"].state, "feed_head", None)
    if head is None or head.current is None or not head_scoped(scope["path"]):
        return None
    return HeadValidators(head, scope, headers)


def _reads_need_key(scope: Scope) -> bool:
    settings = scope["litestar_app"].state.settings
    return bool(settings.read_requires_key)


def _head_headers(path: str, validators: HeadValidators) -> list[tuple[bytes, bytes]]:
    return [
        (b"etag", validators.etag.encode("latin-1")),
        (b"last-modified", validators.last_modified.encode("latin-1")),
        (b"cache-control", cache_control(path, 304).encode("latin-1")),
        (b"vary", b"Accept-Language"),
    ]


def _is_stream(start: HTTPResponseStartEvent) -> bool:
    content_type = MutableScopeHeaders(start).get("content-type") or ""
    return content_type.split(";")[0].strip().lower() == "text/event-stream"


async def _send_not_modified(headers: list[tuple[bytes, bytes]], send: Send) -> None:
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
