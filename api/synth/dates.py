"""EDTF dates over ten years, with their [earliest, latest] bounds computed directly.

Bounds follow `schema.edtf.edtf_bounds` (strict bounds: a qualifier never widens or
narrows them; an open end is -infinity / infinity) but are looked up in precomputed
tables rather than parsed: a million dates parse in minutes, they look up in a second.
tests/test_synth.py checks a sample of the database against `edtf_bounds`.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

START = date(2015, 1, 1)
YEARS = 10
DAYS = (date(START.year + YEARS, 1, 1) - START).days
"""Days the corpus spans: dates are drawn in [0, DAYS)."""
_MARGIN_YEARS = 3
"""Intervals and later relays may run past the span; the tables cover this much more."""

# Precision codes and how often each is drawn.
PRECISIONS: tuple[tuple[str, float], ...] = (
    ("day", 0.44),
    ("day~", 0.06),
    ("day?", 0.06),
    ("day%", 0.02),
    ("month", 0.14),
    ("month~", 0.04),
    ("month?", 0.03),
    ("year", 0.03),
    ("year~", 0.02),
    ("year?", 0.01),
    ("day/day", 0.10),
    ("month/month", 0.03),
    ("month~/day?", 0.01),
    ("day/..", 0.005),
    ("../day", 0.005),
)
DAY_PRECISION = 0


class Calendar:
    """String tables indexed by day number (days since START) for fast EDTF rendering."""

    def __init__(self) -> None:
        end = date(START.year + YEARS + _MARGIN_YEARS, 1, 1)
        count = (end - START).days
        days = [START + timedelta(days=d) for d in range(count)]
        self.size = count
        self.day = [d.isoformat() for d in days]
        months: list[tuple[int, int]] = []
        self.month_of_day: list[int] = []
        for d in days:
            if not months or months[-1] != (d.year, d.month):
                months.append((d.year, d.month))
            self.month_of_day.append(len(months) - 1)
        self.month = [f"{y:04d}-{m:02d}" for y, m in months]
        self.month_first = [f"{y:04d}-{m:02d}-01" for y, m in months]
        self.month_last = [f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}" for y, m in months]
        self.year = [str(d.year) for d in days]

    def edtf(self, code: int, d: int, extra: int) -> tuple[str, str, str]:
        """(edtf, earliest, latest) as COPY text for precision `code` around day `d`.

        `extra` (>= 1) is the length of an interval in days (day/day) or months (month/month).
        """
        if code == 0:
            s = self.day[d]
            return s, s, s
        if code <= 3:
            s = self.day[d]
            return s + "~?%"[code - 1], s, s
        if code <= 6:
            m = self.month_of_day[d]
            return self.month[m] + ("", "~", "?")[code - 4], self.month_first[m], self.month_last[m]
        if code <= 9:
            y = self.year[d]
            return y + ("", "~", "?")[code - 7], y + "-01-01", y + "-12-31"
        if code == 10:
            e = d + extra
            return f"{self.day[d]}/{self.day[e]}", self.day[d], self.day[e]
        if code == 11:
            m = self.month_of_day[d]
            n = m + min(extra, 6)
            return f"{self.month[m]}/{self.month[n]}", self.month_first[m], self.month_last[n]
        if code == 12:
            m = self.month_of_day[d]
            e = d + 31 + extra
            return f"{self.month[m]}~/{self.day[e]}?", self.month_first[m], self.day[e]
        if code == 13:
            return f"{self.day[d]}/..", self.day[d], "infinity"
        return f"../{self.day[d]}", "-infinity", self.day[d]


def draw_precisions(rng: np.random.Generator, n: int) -> np.ndarray:
    """n precision codes (indices into PRECISIONS) with their frequencies."""
    import numpy as np

    weights = np.array([w for _, w in PRECISIONS])
    return rng.choice(len(PRECISIONS), size=n, p=weights / weights.sum())
