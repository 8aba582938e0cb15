"""HTTP side of a write: one transaction per request, `Idempotency-Key` replay, ETags and Location.

Route handlers call these; they hold no SQL and no transaction logic of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import asyncpg
import msgspec
from litestar import Response

from api.queries import idempotency as idem
from api.queries.revisions import Recorded
from api.writes import service
from api.writes.errors import WriteError, invalid
from api.writes.etag import IfMatch, parse_if_match, version_etag
from api.writes.validate import decode_json

MAX_BODY = 256 * 1024
"""Bodies above 256 KiB get 413 before any parsing (Litestar's `request_max_body_size`)."""
JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
IDEMPOTENCY_KEY_MAX = 255
_canonical = msgspec.json.Encoder(order="deterministic")


@asynccontextmanager
async def _transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection inside a transaction (typed as the Connection it proxies).

    The Structs check bodies before any SQL runs; a CHECK or NOT NULL the database still refuses (a rule the
    Structs do not repeat) is the client's error too: 422 naming the constraint, never a 500.
    """
    try:
        async with pool.acquire() as conn, conn.transaction():
            yield cast(asyncpg.Connection, conn)
    except (asyncpg.CheckViolationError, asyncpg.NotNullViolationError, asyncpg.StringDataRightTruncationError) as exc:
        field = getattr(exc, "column_name", None) or getattr(exc, "constraint_name", None)
        raise invalid([(field, f"refused by the database: {exc.message}")]) from exc


def location(resource_type: str, resource_id: str) -> str:
    return f"/v1/{resource_type}/{resource_id}"


def _state_response(recorded: Recorded, status: int) -> tuple[int, dict[str, str], bytes]:
    headers = {"ETag": version_etag(recorded.version)}
    if status == 201:
        headers["Location"] = location(recorded.resource_type, recorded.id)
    return status, headers, msgspec.json.encode(recorded.state)


def _response(status: int, headers: dict[str, str], body: bytes) -> Response[Any]:
    return Response(content=body, status_code=status, headers=headers, media_type=JSON)


def fingerprint(resource_type: str, body: bytes) -> str:
    """What makes two POSTs "the same request": the resource type and the JSON body (key order ignored)."""
    try:
        canonical = _canonical.encode(msgspec.json.decode(body))
    except msgspec.DecodeError:
        canonical = body
    return hashlib.sha256(resource_type.encode() + b"\n" + canonical).hexdigest()


def check_idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not 1 <= len(value) <= IDEMPOTENCY_KEY_MAX or not value.isprintable():
        raise WriteError(
            400,
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} printable characters.",
            extra={"errors": [{"name": "Idempotency-Key", "source": "header", "reason": "invalid"}]},
        )
    return value


async def create(
    pool: asyncpg.Pool, resource_type: str, body: bytes, key_name: str, idempotency_key: str | None
) -> Response[Any]:
    """POST: 201 with the created state, `Location` and `ETag`; a retried `Idempotency-Key` replays the first answer."""
    idempotency_key = check_idempotency_key(idempotency_key)
    document = decode_json(body)
    digest = fingerprint(resource_type, body)
    async with _transaction(pool) as conn:
        if idempotency_key is not None and not await idem.claim_key(conn, key_name, idempotency_key, digest):
            return await _replay(conn, key_name, idempotency_key, digest)
        recorded = await service.create(conn, resource_type, document, key_name)
        status, headers, content = _state_response(recorded[0], 201)
        if idempotency_key is not None:
            await idem.save_response(conn, key_name, idempotency_key, status, headers, content)
    return _response(status, headers, content)


async def _replay(conn: asyncpg.Connection, key_name: str, idempotency_key: str, digest: str) -> Response[Any]:
    stored = await idem.get_key(conn, key_name, idempotency_key)
    if stored is None or stored.status is None or stored.body is None:  # pragma: no cover - committed without answer
        raise WriteError(409, "A request with this Idempotency-Key is still being processed; retry shortly.")
    if stored.fingerprint != digest:
        raise WriteError(
            422,
            "This Idempotency-Key was already used with a different body: use a new key for a new request.",
            extra={"errors": [{"name": "Idempotency-Key", "source": "header", "reason": "reused with another body"}]},
        )
    headers = dict(stored.headers or {})
    headers["Idempotent-Replayed"] = "true"
    return _response(stored.status, headers, stored.body)


def required_if_match(header: str | None) -> IfMatch:
    if header is None:
        raise WriteError(
            428,
            'This request needs If-Match with the resource\'s current ETag (for example If-Match: "v3"), '
            "so that it cannot overwrite a change it has not seen.",
        )
    return parse_if_match(header)


def check_patch_type(content_type: str | None) -> None:
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in (MERGE_PATCH, JSON):
        raise WriteError(415, f"PATCH takes a JSON Merge Patch: Content-Type {MERGE_PATCH} (or {JSON}).")


async def update(
    pool: asyncpg.Pool, resource_type: str, resource_id: str, body: bytes, if_match: IfMatch, key_name: str
) -> Response[Any]:
    """PATCH: 200 with the new state and its `ETag`."""
    patch = decode_json(body)
    async with _transaction(pool) as conn:
        recorded = await service.update(conn, resource_type, resource_id, patch, if_match, key_name)
    return _response(*_state_response(recorded, 200))


async def delete(
    pool: asyncpg.Pool, resource_type: str, resource_id: str, if_match: IfMatch, key_name: str
) -> Response[None]:
    """DELETE: 204; the resource answers 410 from now on."""
    async with _transaction(pool) as conn:
        await service.delete(conn, resource_type, resource_id, if_match, key_name)
    return Response(content=None, status_code=204)
