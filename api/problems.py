"""RFC 9457 problem details: every error the API answers is ``application/problem+json``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsException

PROBLEM_JSON = "application/problem+json"
_MISSING_PARAM = re.compile(r"^Missing required (?P<source>\w+) parameter '(?P<name>[^']+)'")
log = structlog.get_logger("api.problems")


class InvalidParam(msgspec.Struct, frozen=True):
    """One rejected input: its name, where it came from (query, path, body, header…) and why."""

    name: str | None
    source: str | None
    reason: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """A problem details object (RFC 9457). Validation problems list the offending inputs in ``errors``."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[InvalidParam] | None = None


def problem(
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemDetailsException:
    """Build an exception that Litestar's problem details plugin renders as ``application/problem+json``."""
    return ProblemDetailsException(
        status_code=status,
        detail=detail,
        type_=type_,
        title=title or HTTPStatus(status).phrase,
        extra=dict(extra) if extra else None,
        headers=headers,
    )


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Render any Litestar HTTP exception (404 for unknown routes, 405, 400 validation…) as a problem."""
    status = exc.status_code
    phrase = HTTPStatus(status).phrase
    extra: dict[str, Any] = {}
    detail = exc.detail if exc.detail and exc.detail != phrase else _default_detail(request, status)
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        errors = [_invalid_param(item) for item in exc.extra]
        if errors:
            extra["errors"] = [msgspec.structs.asdict(e) for e in errors]
            detail = "; ".join(_describe(e) for e in errors)
    elif isinstance(exc, ValidationException) and (missing := _MISSING_PARAM.match(detail)):
        # Litestar reports a missing required parameter in prose only; give it the same `errors` shape.
        missing_param = InvalidParam(name=missing["name"], source=missing["source"], reason="required")
        extra["errors"] = [msgspec.structs.asdict(missing_param)]
    elif isinstance(exc.extra, Mapping):
        extra.update(exc.extra)
    return problem(status, detail, extra=extra, headers=exc.headers).to_response(request)


def write_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Render a refused write (:class:`api.writes.errors.WriteError`) as a problem with its status."""
    status = getattr(exc, "status", 500)
    detail = getattr(exc, "detail", str(exc))
    return problem(
        status, detail, extra=getattr(exc, "extra", None), headers=getattr(exc, "headers", None)
    ).to_response(request)


def write_conflict_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A transaction PostgreSQL rolled back to break a deadlock or a serialization conflict: retrying succeeds."""
    log.warning("write rolled back by a concurrent one", method=request.method, path=request.url.path, error=str(exc))
    detail = "The write collided with a concurrent one and was rolled back; nothing was written. Retry it."
    return problem(503, detail, headers={"Retry-After": "1"}).to_response(request)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Log an unexpected exception and answer a 500 problem that leaks nothing of it."""
    log.error("unhandled exception", method=request.method, path=request.url.path, exc_info=exc)
    return problem(500, "The server failed to handle the request.").to_response(request)


def _default_detail(request: Request[Any, Any, Any], status: int) -> str:
    if status == 404:
        return f"Nothing is found at {request.url.path}."
    if status == 405:
        return f"{request.method} is not allowed on {request.url.path}."
    return HTTPStatus(status).description or HTTPStatus(status).phrase


def _invalid_param(item: object) -> InvalidParam:
    if not isinstance(item, Mapping):
        return InvalidParam(name=None, source=None, reason=str(item))
    key = item.get("key")
    source = getattr(item.get("source"), "value", item.get("source"))
    return InvalidParam(
        name=str(key) if key is not None else None,
        source=str(source) if source is not None else None,
        reason=str(item.get("message", "invalid value")),
    )


def _describe(error: InvalidParam) -> str:
    if error.name is None:
        return error.reason
    where = f"{error.source} parameter" if error.source else "field"
    return f"{where} '{error.name}': {error.reason}"
