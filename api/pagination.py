"""Keyset pagination: opaque cursors, `next_cursor`, and the RFC 8288 `Link` header.

A cursor is the sort key of the last item served, the list it belongs to and the order,
base64url-encoded JSON. Lists continue with `WHERE (key, id) > (:key, :id)` (or `<` for
`order=desc`), so page 10,000 costs what page 1 costs. Ties on the sort key are broken by
`id`, ascending with `order=asc` and descending with `order=desc`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import date
from typing import Any, Literal
from urllib.parse import urlencode

import msgspec
from litestar import Request

from api.problems import problem

Order = Literal["asc", "desc"]
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class _CursorBody(msgspec.Struct, frozen=True, array_like=True):
    resource: str
    order: str
    key: list[Any]


def encode_cursor(resource: str, order: str, key: Sequence[Any]) -> str:
    """An opaque cursor after the item whose sort key is `key` (dates are written as ISO strings)."""
    values = [v.isoformat() if isinstance(v, date) else v for v in key]
    raw = msgspec.json.encode(_CursorBody(resource, order, values))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, resource: str, order: str, types: Sequence[type]) -> list[Any]:
    """The sort key inside `cursor`; a 400 naming `cursor` when it is not one of this list's cursors."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = msgspec.json.decode(raw, type=_CursorBody)
        if body.resource != resource or body.order != order or len(body.key) != len(types):
            raise ValueError("cursor of another list")
        return [_typed(value, kind) for value, kind in zip(body.key, types, strict=True)]
    except (ValueError, binascii.Error, msgspec.DecodeError, TypeError) as exc:
        raise invalid_param("cursor", "not a cursor of this list (use next_cursor as given)") from exc


def _typed(value: Any, kind: type) -> Any:
    if value is None:
        return None
    if kind is date:
        return date.fromisoformat(value)
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}")
    return value


def invalid_param(name: str, reason: str, source: str = "query") -> Exception:
    """A 400 problem naming the parameter, shaped like Litestar's own validation problems."""
    return problem(
        400,
        f"{source} parameter '{name}': {reason}",
        title="Bad Request",
        extra={"errors": [{"name": name, "source": source, "reason": reason}]},
    )


def next_link(request: Request[Any, Any, Any], next_cursor: str | None) -> dict[str, str]:
    """The `Link: <…>; rel="next"` header for a page, or no header on the last page."""
    if next_cursor is None:
        return {}
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    params.append(("cursor", next_cursor))
    return {"Link": f'<{request.url.path}?{urlencode(params)}>; rel="next"'}
