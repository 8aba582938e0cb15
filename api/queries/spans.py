"""An actor's items that overlap a window from a given day, as ordered index ranges: one per date-span class.

A window's first items in time order include every item whose date straddles its start (a year, an open
interval), and no b-tree walks those in order: walking an actor's `(…, earliest)` index from the window's start
misses them, and the range index (GiST) returns a window's items in no order, so all of them were read and
sorted. `timeline_span_class(earliest, latest)` (migration 0012) sorts dates by length; an item of class k that
overlaps a window starting on day F began at most k's longest span before F, so each class is one bounded range.
Class 0 is the range from F - `NARROW_SPAN` of the actor's full index; each longer class the rest of its own range
of a partial index on `(actor, class, earliest)`. The caller walks each range in its order and merges them.
`actor_is` writes the actor's condition so that the planner keeps the index's order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

NARROW_SPAN = 31
"""Days: the longest date span of class 0 (`timeline_span_class`, migration 0012)."""
WIDE_CLASSES = {1: 92, 2: 366, 3: 3660, 9: None}
"""Each longer class and its longest span in days (None: open or unbounded)."""


def span_branches(alias: str, start: str) -> list[list[str]]:
    """The conditions of each ordered range holding the rows that end on or after `start` (a placeholder).

    A row of class k overlapping a window from `start` began at most k's longest span before it (migration
    0012): class 0, and any row that began at most `NARROW_SPAN` days before, is one range of the actor's
    (…, earliest) index; each longer class, the rest of its own range of the partial span index.
    """
    ends_after = f"{alias}.latest >= {start}::date"
    narrow_start = f"{start}::date - {NARROW_SPAN}"
    span_class = f"timeline_span_class({alias}.earliest, {alias}.latest)"
    branches = [[f"{alias}.earliest >= {narrow_start}", ends_after]]
    for span_class_number, longest in WIDE_CLASSES.items():
        branch = [f"{span_class} = {span_class_number}", f"{alias}.earliest < {narrow_start}"]
        if longest is not None:
            branch.append(f"{alias}.earliest >= {start}::date - {longest}")
        branches.append([*branch, ends_after])
    return branches


def actor_is(column: str, actors: Sequence[str], add: Callable[[Any], str]) -> str:
    """`column` is one of `actors` (`add` turns a value into its placeholder). One actor is written as an equality,
    which lets the planner walk the actor's index in time order: with `= ANY` of even one value it reads all the
    actor's rows and sorts them (seconds for the most active)."""
    if len(actors) == 1:
        return f"{column} = {add(actors[0])}::text"
    return f"{column} = ANY({add(list(actors))}::text[])"
