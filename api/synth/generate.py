"""The producers of the corpus and the worker-process side of generation.

A producer makes one chunk of rows of its main table, with the rows of the tables that
hang off it, as COPY text. Chunks are made in worker processes (PostgreSQL, not Python, is
the slow side: the generated tsvector columns), each process building its `Context` once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from api.synth import claims, events, reference
from api.synth.context import Context, Lines
from api.synth.spec import SynthSpec


@dataclass(frozen=True)
class Producer:
    name: str
    make: Callable[[Context, int], Lines]
    tables: tuple[str, ...]
    """Tables the producer writes (besides `changes`), in the order they are listed in reports."""

    def chunks(self, spec: SynthSpec) -> range:
        rows = {"events": spec.events, "claims": spec.claims}.get(self.name)
        return spec.chunks(rows) if rows is not None else range(1)


PRODUCERS: tuple[Producer, ...] = (
    Producer("actors", reference.actors, ("actors", "actor_affiliations")),
    Producer("places", reference.places, ("places",)),
    Producer("sources", reference.sources, ("sources",)),
    Producer("propositions", reference.propositions, ("propositions",)),
    Producer("events", events.events, ("events", "event_participants", "citations")),
    Producer(
        "claims",
        claims.claims,
        ("claims", "claim_reporting", "claim_events", "claim_stances", "claim_links", "citations"),
    ),
)
BY_NAME = {p.name: p for p in PRODUCERS}
COLUMNS: dict[str, tuple[str, ...]] = {
    **reference.COLUMNS,
    **events.COLUMNS,
    **claims.COLUMNS,
    "changes": ("resource_type", "resource_id", "operation", "version", "actor_ids"),
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


def init_worker(spec: SynthSpec, changes: bool) -> None:
    """Process-pool initializer: build the shared context once per worker."""
    global _context
    _context = Context(spec, changes=changes)


def make_chunk(producer: str, chunk: int) -> dict[str, bytes]:
    """One chunk of one producer, as COPY text by table (run in a worker)."""
    assert _context is not None, "init_worker was not run"
    lines = BY_NAME[producer].make(_context, chunk)
    return {table: "".join(rows).encode() for table, rows in lines.items() if rows}
