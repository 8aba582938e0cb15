"""Validation of a written item, shared with the dataset loader: the same Structs, the same reference checks.

Errors name the field as the loader does without its `claims[12].` prefix: `claimant: unknown actor 'x'`.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import msgspec

from api.loader.read import describe_validation_error
from api.loader.references import check_references, referenced_ids
from api.queries import revisions as rq
from api.writes.errors import WriteError, invalid, singular
from schema.story import (
    ActorIn,
    CitationIn,
    ClaimIn,
    Dataset,
    EventIn,
    PlaceIn,
    PropositionIn,
    SourceIn,
    citation_id,
)

STRUCTS: dict[str, type[msgspec.Struct]] = {
    "actors": ActorIn,
    "places": PlaceIn,
    "sources": SourceIn,
    "propositions": PropositionIn,
    "events": EventIn,
    "claims": ClaimIn,
    "citations": CitationIn,
}
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`$")


def decode_json(body: bytes) -> Any:
    """The body as JSON; a 400 when it is not JSON at all."""
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise WriteError(400, f"The body is not valid JSON: {exc}") from exc


def require_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid([(None, "the body must be a JSON object")])
    return value


def to_item(resource_type: str, document: Any) -> Any:
    """Convert a write document into its `schema.story` Struct, or raise a 422 naming the field."""
    try:
        return msgspec.convert(require_object(document), STRUCTS[resource_type])
    except msgspec.ValidationError as exc:
        raise invalid([_split(describe_validation_error("", exc))]) from exc


def _split(described: str) -> tuple[str | None, str]:
    path, _, reason = described.partition(": ")
    path = path.lstrip(".")
    for pattern, what in ((_MISSING, "required field is missing"), (_UNKNOWN, "unknown field")):
        match = pattern.match(reason)
        if match:
            field = match.group("field")
            return (f"{path}.{field}" if path else field), what
    return (path or None), reason


def item_id(resource_type: str, item: Any) -> str:
    """The id the item is stored under (a citation's is `<claim or event>@<source>`)."""
    if isinstance(item, CitationIn):
        owner = item.claim or item.event
        assert owner is not None  # CitationIn.__post_init__ requires exactly one
        return citation_id(owner, item.source)
    resource_id: str = item.id
    return resource_id


async def check_item_references(conn: asyncpg.Connection, resource_type: str, item: Any, *, creating: bool) -> None:
    """The loader's cross-reference checks for one item, against the database; a 422 naming each field."""
    if isinstance(item, CitationIn):
        return await _check_citation(conn, item)
    dataset = msgspec.structs.replace(Dataset(dataset="api"), **{resource_type: [item]})
    wanted = referenced_ids(dataset)
    if creating:
        wanted.setdefault("citations", set()).update(
            citation_id(item.id, c.source) for c in getattr(item, "citations", [])
        )
    existing = await rq.existing_ids(conn, wanted)
    existing.get(resource_type, set()).discard(item.id)
    prefix = f"{resource_type}[0]."
    errors = [error.removeprefix(prefix) for error in check_references(dataset, existing)]
    if errors:
        raise invalid([_named(error) for error in errors])
    return None


async def _check_citation(conn: asyncpg.Connection, item: CitationIn) -> None:
    refs = [("source", "sources", item.source), ("claim", "claims", item.claim), ("event", "events", item.event)]
    wanted: dict[str, set[str]] = {}
    for _, kind, value in refs:
        if value is not None:
            wanted.setdefault(kind, set()).add(value)
    existing = await rq.existing_ids(conn, wanted)
    errors = [
        (field, f"unknown {singular(kind)} '{value}'")
        for field, kind, value in refs
        if value is not None and value not in existing[kind]
    ]
    if errors:
        raise invalid(errors)


def _named(error: str) -> tuple[str | None, str]:
    field, sep, reason = error.partition(": ")
    return (field, reason) if sep else (None, error)


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply a JSON Merge Patch (RFC 7396): objects merge recursively, `null` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
