"""EDTF (ISO 8601-2 / Library of Congress) dates and the day bounds they cover.

Parsing is delegated to python-edtf; this module only turns its answer into the
[earliest, latest] pair of calendar days that the database stores for filtering
and ordering. Bounds are the strict ones: "2022-10~" (approximately October
2022) covers 2022-10-01..2022-10-31 — the qualifier is kept in the EDTF string,
the bounds never pretend to more or less than the text says. Open interval ends
("2023-02/..") become date.min / date.max, which asyncpg maps to PostgreSQL's
-infinity / infinity.
"""

from __future__ import annotations

import math
import re
import time
from datetime import date
from typing import NamedTuple

from edtf import parse_edtf, struct_time_to_date

__all__ = ["DateBounds", "EdtfError", "edtf_bounds", "is_edtf"]

# Characters EDTF may use; python-edtf is lenient about some garbage, so a
# cheap syntactic gate runs first.
_EDTF_CHARS = re.compile(r"^[0-9XYEST:+\-./?~%\[\]{},]{4,64}$")


class EdtfError(ValueError):
    """The value is not an EDTF date, or not one whose bounds can be computed."""


class DateBounds(NamedTuple):
    earliest: date
    latest: date


def _to_date(value: object, *, lower: bool) -> date:
    if isinstance(value, float) and math.isinf(value):
        return date.min if value < 0 else date.max
    if isinstance(value, time.struct_time):
        result: date = struct_time_to_date(value)
        return result
    raise EdtfError(f"cannot compute the {'earliest' if lower else 'latest'} day")


def edtf_bounds(value: str) -> DateBounds:
    """Return the first and last calendar day covered by an EDTF string."""
    if not isinstance(value, str) or not _EDTF_CHARS.match(value):
        raise EdtfError(f"not an EDTF date: {value!r}")
    try:
        parsed = parse_edtf(value)
        lower = parsed.lower_strict()
        upper = parsed.upper_strict()
    except Exception as exc:  # python-edtf raises assorted types for bad input
        raise EdtfError(f"not an EDTF date: {value!r}") from exc
    try:
        earliest = _to_date(lower, lower=True)
        latest = _to_date(upper, lower=False)
    except (ValueError, OverflowError) as exc:  # year 0, or beyond what datetime.date holds
        raise EdtfError(f"not an EDTF date this service can place in time: {value!r}") from exc
    if earliest > latest:
        raise EdtfError(f"EDTF interval ends before it starts: {value!r}")
    return DateBounds(earliest, latest)


def is_edtf(value: str) -> bool:
    try:
        edtf_bounds(value)
    except EdtfError:
        return False
    return True
