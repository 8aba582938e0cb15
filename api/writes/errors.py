"""What a write can fail with; :func:`api.problems` renders each as an RFC 9457 problem (see api/app.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class WriteError(Exception):
    """A refused write: nothing was changed. `status` is the HTTP status it answers."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


def invalid(errors: Sequence[tuple[str | None, str]]) -> WriteError:
    """422 naming each offending field of the body: `[("claimant", "unknown actor 'x'")]`."""
    detail = "; ".join(f"{name}: {reason}" if name else reason for name, reason in errors)
    listed = [{"name": name, "source": "body", "reason": reason} for name, reason in errors]
    return WriteError(422, detail, extra={"errors": listed})


def not_found(resource_type: str, resource_id: str) -> WriteError:
    return WriteError(404, f"There is no {singular(resource_type)} {resource_id!r}.")


def gone(resource_type: str, resource_id: str, version: int) -> WriteError:
    return WriteError(
        410,
        f"The {singular(resource_type)} {resource_id!r} was deleted (version {version}); its history remains.",
    )


SINGULAR = {
    "actors": "actor",
    "places": "place",
    "sources": "source",
    "propositions": "proposition",
    "events": "event",
    "claims": "claim",
    "citations": "citation",
}


def singular(resource_type: str) -> str:
    return SINGULAR.get(resource_type, resource_type)
