"""The producers of the corpus and the worker-process side of generation.

A producer makes one chunk of rows of its main table, with the rows of the tables that
hang off it (and their changes-feed rows, numbered in advance), as COPY text. Chunks are
made in worker processes, each process building its `Context` once.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass

from api.synth import claims, events, reference
from api.synth.context import Context, Lines
from api.synth.spec import SynthSpec
from api.synth.vectors import PieceVectors


@dataclass(frozen=True)
class Producer:
    name: str
    make: Callable[[Context, int], Lines]
    """One chunk's rows by table (`changes` included when the feed is filled); each table has a writer (`load`)."""
    changes_per_row: int
    """At most this many changes per row of the main table (the row and its citations)."""

    def chunks(self, spec: SynthSpec) -> range:
        rows = {"events": spec.events, "claims": spec.claims}.get(self.name)
        return spec.chunks(rows) if rows is not None else range(1)

    def change_block(self, spec: SynthSpec) -> int:
        """Change ids reserved for one chunk: room for its rows' most changes."""
        rows = {
            "actors": spec.actors,
            "places": spec.places,
            "sources": spec.sources,
            "propositions": spec.propositions,
        }.get(self.name, spec.chunk)
        return rows * self.changes_per_row


PRODUCERS: tuple[Producer, ...] = (
    Producer("actors", reference.actors, 1),
    Producer("places", reference.places, 1),
    Producer("sources", reference.sources, 1),
    Producer("propositions", reference.propositions, 1),
    Producer("events", events.events, 2),
    Producer("claims", claims.claims, 3),
)
"""In the order of the changes feed: what a resource refers to comes before it."""
BY_NAME = {p.name: p for p in PRODUCERS}
COLUMNS: dict[str, tuple[str, ...]] = {
    **reference.COLUMNS,
    **events.COLUMNS,
    **claims.COLUMNS,
    "changes": ("id", "resource_type", "resource_id", "operation", "version", "actor_ids"),
}
TABLES: tuple[str, ...] = (
    "actors",
    "actor_affiliations",
    "places",
    "sources",
    "propositions",
    "events",
    "event_participants",
    "claims",
    "claim_reporting",
    "claim_events",
    "claim_stances",
    "claim_links",
    "citations",
)
"""The story tables synth fills, in dependency order."""

_context: Context | None = None


def first_change_id(spec: SynthSpec, producer: str, chunk: int) -> int:
    """The id of the first change of a chunk: producers in feed order, each chunk a block of its own.

    Ids are fixed before any chunk is made, so chunks made in any order (and COPYed as they come)
    still number the feed in the order a mirror can apply it; a block's unused ids are gaps.
    """
    first = 1
    for p in PRODUCERS:
        if p.name == producer:
            return first + chunk * p.change_block(spec)
        first += len(p.chunks(spec)) * p.change_block(spec)
    raise KeyError(producer)


def init_worker(spec: SynthSpec, changes: bool, vectors: PieceVectors) -> None:
    """Process-pool initializer: build the shared context once per worker."""
    global _context
    _context = Context(spec, changes=changes, vectors=vectors)


WORKER_GC_THRESHOLD = (50_000, 20, 20)
"""A worker's collector thresholds: a chunk allocates millions of short-lived containers, none of them in cycles."""


def init_process_worker(spec: SynthSpec, changes: bool, vectors: PieceVectors) -> None:
    """`init_worker` for a worker process, whose collector then leaves the long-lived objects alone.

    A spawned worker imports the parent's main module again (the whole API behind the `timeline` script), and
    with the context that is 100,000-200,000 objects the collector walked again and again while the chunks were
    made: 10-25% of a worker's time (measured: 1.2-1.3 s of collection for six claims chunks, 0.07 s with this).
    `gc.freeze` sets them aside for good; fewer young collections do the rest.
    """
    init_worker(spec, changes, vectors)
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLD)


def make_chunk(producer: str, chunk: int) -> dict[str, bytes]:
    """One chunk of one producer, as COPY text by table (run in a worker)."""
    assert _context is not None, "init_worker was not run"
    lines = BY_NAME[producer].make(_context, chunk)
    if "changes" in lines:
        changes = lines["changes"]
        assert len(changes) <= BY_NAME[producer].change_block(_context.spec), producer
        first = first_change_id(_context.spec, producer, chunk)
        lines["changes"] = [f"{first + k}\t{line}" for k, line in enumerate(changes)]
    return {table: "".join(rows).encode() for table, rows in lines.items() if rows}
