"""Read a dataset file into `schema.story.Dataset`, collecting every error instead of the first.

YAML is parsed once, then each item is converted by msgspec on its own so that one bad
item does not hide the next. Implicit YAML timestamps are switched off: `when: 2023-02-05`
stays the EDTF string it is meant to be.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import yaml

from api.loader.errors import DatasetError
from schema.story import (
    ActorIn,
    ClaimIn,
    Dataset,
    EventIn,
    PlaceIn,
    PropositionIn,
    SourceIn,
)

ITEM_TYPES: dict[str, type[msgspec.Struct]] = {
    "actors": ActorIn,
    "places": PlaceIn,
    "sources": SourceIn,
    "propositions": PropositionIn,
    "events": EventIn,
    "claims": ClaimIn,
}
_TOP_LEVEL = {"dataset", "title", *ITEM_TYPES}
_MSGSPEC_PATH = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_FIELD_PREFIX = re.compile(r"^(?P<field>[a-z_]+): (?P<msg>.*)$", re.DOTALL)


class _StringDatesLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: dates are EDTF strings here."""


_StringDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def describe_validation_error(where: str, exc: msgspec.ValidationError) -> str:
    """`claims[12]` + "Invalid enum value 'x' - at `$.kind`" -> "claims[12].kind: Invalid enum value 'x'"."""
    match = _MSGSPEC_PATH.match(str(exc))
    msg, path = (match.group("msg"), match.group("path") or "") if match else (str(exc), "")
    field = _FIELD_PREFIX.match(msg)
    if field:  # raised by a __post_init__ that names its field
        path, msg = f"{path}.{field.group('field')}", field.group("msg")
    return f"{where}{path}: {msg}"


def parse_dataset(raw: Any) -> Dataset:
    """Convert already-parsed YAML/JSON into a Dataset, or raise DatasetError listing every bad item."""
    if not isinstance(raw, dict):
        raise DatasetError(["(file): expected a mapping with 'dataset', 'actors', 'events', 'claims'…"])
    errors = [f"{key}: unknown top-level key" for key in raw if key not in _TOP_LEVEL]
    header: dict[str, Any] = {"dataset": raw.get("dataset"), "title": raw.get("title")}
    try:
        msgspec.convert(header, Dataset)
    except msgspec.ValidationError as exc:
        errors.append(describe_validation_error("", exc).lstrip("."))
    items: dict[str, list[Any]] = {}
    for item_type, struct in ITEM_TYPES.items():
        values = raw.get(item_type) or []
        if not isinstance(values, list):
            errors.append(f"{item_type}: expected a list")
            continue
        converted = []
        for index, value in enumerate(values):
            try:
                converted.append(msgspec.convert(value, struct))
            except msgspec.ValidationError as exc:
                errors.append(describe_validation_error(f"{item_type}[{index}]", exc))
        items[item_type] = converted
    if errors:
        raise DatasetError(errors)
    return Dataset(dataset=header["dataset"], title=header["title"], **items)


def read_dataset(path: Path) -> Dataset:
    """Read and type-check a dataset file (references are checked against the database at load time)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError([f"(file): cannot read {path}: {exc}"]) from exc
    try:
        raw = yaml.load(text, Loader=_StringDatesLoader)
    except yaml.YAMLError as exc:
        raise DatasetError([f"(file): not valid YAML: {exc}"]) from exc
    return parse_dataset(raw)
