"""API keys: `Authorization: Bearer <token>`, scopes, and the guards that enforce them.

A token is 32 random bytes (URL-safe base64, prefixed `tl_`); the database keeps only its SHA-256
(hex), which is enough for tokens of that entropy. The request logger never sees headers, so
tokens are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any, Literal

import asyncpg
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import Reference, SecurityRequirement, SecurityScheme

from api.problems import problem
from api.queries import keys as queries
from api.queries.keys import ActiveKey

Scope = Literal["read", "write", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "write", "admin")
"""`read`: reads only (for ``READ_REQUIRES_KEY=1``); `write`: reads and writes; `admin`: everything (issue 6's
webhooks)."""
TOKEN_PREFIX = "tl_"
SECURITY_SCHEME_NAME = "bearerAuth"
SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    SECURITY_SCHEME_NAME: SecurityScheme(
        type="http",
        scheme="bearer",
        description="An API key made with `timeline keys create --name NAME --scope read|write|admin`.",
    )
}
BEARER_REQUIRED: list[SecurityRequirement] = [{SECURITY_SCHEME_NAME: []}]
_REALM = 'Bearer realm="timeline"'
_GRANTS: dict[str, frozenset[str]] = {
    "read": frozenset({"read"}),
    "write": frozenset({"read", "write"}),
    "admin": frozenset({"read", "write", "admin"}),
}


def new_token() -> str:
    """A fresh random token; shown once, never stored."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, if that is what it holds."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def authenticate(pool: asyncpg.Pool, authorization: str | None) -> ActiveKey:
    """The live key the header names, or a 401 problem with `WWW-Authenticate`."""
    token = bearer_token(authorization)
    if token is None:
        raise problem(401, "This request needs an API key: send `Authorization: Bearer <token>`.", headers=_challenge())
    digest = hash_token(token)
    key = await queries.find_key(pool, digest)
    # The lookup is by hash; compare again in constant time so no timing depends on the token's bytes.
    if key is None or not hmac.compare_digest(key.token_hash, digest):
        raise problem(401, "The API key is unknown or revoked.", headers=_challenge('error="invalid_token"'))
    return key


def require_scope(key: ActiveKey, scope: Scope) -> None:
    if scope not in _GRANTS.get(key.scope, frozenset()):
        raise problem(
            403,
            f"The key {key.name!r} has the scope {key.scope!r}; this request needs {scope!r}.",
            headers=_challenge(f'error="insufficient_scope", scope="{scope}"'),
        )


def _challenge(params: str = "") -> dict[str, str]:
    return {"WWW-Authenticate": f"{_REALM}, {params}" if params else _REALM}


async def write_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Writes need a live key with the `write` scope (or `admin`); the handler finds it in `request.state.api_key`."""
    key = await authenticate(connection.app.state.pool, connection.headers.get("authorization"))
    require_scope(key, "write")
    connection.state.api_key = key


async def read_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """With `READ_REQUIRES_KEY=1`, every GET under `/v1` needs a live key of any scope."""
    if not connection.app.state.settings.read_requires_key:
        return
    if connection.scope.get("method") not in ("GET", "HEAD") or not connection.url.path.startswith("/v1/"):
        return
    connection.state.api_key = await authenticate(connection.app.state.pool, connection.headers.get("authorization"))
