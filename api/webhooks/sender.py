"""One POST of one delivery: signed, bounded in time, and described as a :class:`DeliveryAttempt` whatever happens."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

import httpx
import msgspec

from api.queries.webhooks import DueDelivery
from api.routes.changes import change_cursor
from api.webhooks.signing import signature_header
from schema.webhooks import DeliveryAttempt
from schema.writes import Change

EXCERPT_BYTES = 1024
EXCERPT_CHARS = 200


def user_agent() -> str:
    try:
        return f"timeline-webhooks/{version('timeline')}"
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "timeline-webhooks"


def delivered_change(delivery: DueDelivery) -> Change:
    """The change a delivery carries, as `/v1/changes` serves it (same Struct, same cursor)."""
    change = msgspec.convert(
        {**delivery.payload, "cursor": change_cursor(delivery.change_txid, delivery.change_id)}, Change, strict=False
    )
    # jsonb wrote the time in the session's time zone; the feed writes UTC.
    return msgspec.structs.replace(change, at=change.at.astimezone(UTC))


def delivery_body(delivery: DueDelivery) -> bytes:
    return msgspec.json.encode(delivered_change(delivery))


def delivery_headers(delivery: DueDelivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Timeline-Signature": signature_header(delivery.secret, timestamp, body),
        "Timeline-Delivery": delivery.id,
        "Timeline-Event": delivery.event,
    }


async def post_delivery(client: httpx.AsyncClient, delivery: DueDelivery, timeout: float) -> DeliveryAttempt:
    """POST the delivery; a 2xx answer within `timeout` seconds (the whole exchange) is a success."""
    body = delivery_body(delivery)
    at = datetime.now(UTC)
    started = time.monotonic()
    status_code: int | None = None
    excerpt: str | None = None
    error: str | None = None
    try:
        # httpx's timeouts bound each read or write, not the exchange: a receiver dripping bytes would never end.
        async with asyncio.timeout(timeout):
            headers = delivery_headers(delivery, body, int(time.time()))
            async with client.stream("POST", delivery.url, content=body, headers=headers) as response:
                status_code = response.status_code
                excerpt = await _excerpt(response)
    except (TimeoutError, httpx.TimeoutException):
        error = f"no answer within {timeout:g} s"
        status_code = None
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS]
    if status_code is not None and not 200 <= status_code < 300:
        error = f"HTTP {status_code}"
    return DeliveryAttempt(
        at=at,
        status_code=status_code,
        error=error,
        response=excerpt,
        duration_ms=round((time.monotonic() - started) * 1000),
    )


async def _excerpt(response: httpx.Response) -> str | None:
    """The start of the answer; the rest is never read (a receiver may answer a lot)."""
    received = b""
    async for chunk in response.aiter_bytes():
        received += chunk
        if len(received) >= EXCERPT_BYTES:
            break
    text = received[:EXCERPT_BYTES].decode("utf-8", errors="replace").strip()
    return text[:EXCERPT_CHARS] or None
