"""Rate limiting of anonymous clients, per client IP, with Litestar's `RateLimitMiddleware` (fixed window, in-process
memory store: with several workers each counts on its own).

It sits inside the conditional-GET middleware (`api.http_cache`): a poll answered 304 from the feed head never
reaches it, so such polls do not count. Requests with a live API key are not limited: a key is verified once (one
SQL lookup) and remembered for :data:`KEY_MEMORY_SECONDS`, so an unknown or revoked token is limited like no token.
Probes, the API description and CORS preflights are exempt.
"""

from __future__ import annotations

import time
from typing import Any

import asyncpg
from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.types import Receive, Scope, Send

from api.auth import bearer_token, hash_token
from api.queries.keys import find_key
from api.settings import RateLimit

EXEMPT_PATHS = ["^/health$", "^/ready$", "^/schema"]
KEY_MEMORY_SECONDS = 60.0
"""How long a verified key stays exempt without another lookup (a revoked key may stay exempt that long)."""
_KEY_MEMORY_SIZE = 10_000


class KeyedClients:
    """Decides whether a request is limited: yes unless it carries a live API key."""

    def __init__(self) -> None:
        self._verified: dict[str, float] = {}

    async def __call__(self, request: Request[Any, Any, Any]) -> bool:
        if request.method == "OPTIONS":  # CORS preflights come before the real request, which counts
            return False
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            return True
        return not await self._is_live(request.app.state.pool, hash_token(token))

    async def _is_live(self, pool: asyncpg.Pool, digest: str) -> bool:
        now = time.monotonic()
        if self._verified.get(digest, 0.0) > now:
            return True
        if await find_key(pool, digest) is None:
            return False
        if len(self._verified) >= _KEY_MEMORY_SIZE:
            self._verified = {d: until for d, until in self._verified.items() if until > now}
        if len(self._verified) < _KEY_MEMORY_SIZE:
            self._verified[digest] = now + KEY_MEMORY_SECONDS
        return True


class AnonymousRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's limiter, whose 429 also says when to retry (`Retry-After`) and what to do about it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except TooManyRequestsException as exc:
            headers = dict(exc.headers or {})
            retry_after = headers.get(self.config.rate_limit_reset_header_key, "1")
            headers["Retry-After"] = retry_after
            headers["Cache-Control"] = "no-store"
            detail = (
                f"Too many requests from this address: at most {self.max_requests} per {self.unit} without an API "
                f"key. Retry after {retry_after} s, poll with If-None-Match (304 answers are not counted), or send "
                "`Authorization: Bearer <token>`."
            )
            raise TooManyRequestsException(detail=detail, headers=headers) from None


def rate_limit_middleware(limit: RateLimit | None) -> DefineMiddleware | None:
    """The limiter for `RATE_LIMIT`, or ``None`` when it is off."""
    if limit is None:
        return None
    config = RateLimitConfig(
        rate_limit=(limit.unit, limit.requests),
        exclude=EXEMPT_PATHS,
        check_throttle_handler=KeyedClients(),
        middleware_class=AnonymousRateLimitMiddleware,
    )
    return config.middleware
