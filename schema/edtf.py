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

import calendar
import functools
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
# A plain ISO 8601 year, month or day: most query parameters and dataset dates. Their bounds need no parser
# (python-edtf's pyparsing grammar took most of a timeline request's Python time at a million events).
_PLAIN_DATE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")


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
    return _cached_bounds(value)


@functools.lru_cache(maxsize=4096)
def _cached_bounds(value: str) -> DateBounds:
    """A pure function of the string: request parameters repeat (a bot's window, a day's date)."""
    plain = _PLAIN_DATE.match(value)
    if plain is not None:
        return _plain_bounds(value, *plain.groups())
    return parsed_bounds(value)


def parsed_bounds(value: str) -> DateBounds:
    """The bounds python-edtf's parser gives (every EDTF form; the reference for the plain-date shortcut)."""
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


def _plain_bounds(value: str, year: str, month: str | None, day: str | None) -> DateBounds:
    """The bounds python-edtf gives a plain year, month or day, computed directly."""
    try:
        if day is not None:
            single = date(int(year), int(month or 0), int(day))
            return DateBounds(single, single)
        if month is not None:  # 01 to 12: 21 to 41 are EDTF seasons and quarters, for the parser
            last = calendar.monthrange(int(year), int(month))[1]
            return DateBounds(date(int(year), int(month), 1), date(int(year), int(month), last))
        return DateBounds(date(int(year), 1, 1), date(int(year), 12, 31))
    except ValueError as exc:  # year 0, February 30th
        raise EdtfError(f"not an EDTF date this service can place in time: {value!r}") from exc


def is_edtf(value: str) -> bool:
    try:
        edtf_bounds(value)
    except EdtfError:
        return False
    return True
