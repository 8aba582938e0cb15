"""What to synthesize: the requested sizes, the derived ones, ids, and the seeded random streams.

Every table is generated in chunks of `CHUNK` rows; chunk k of a table draws from its own
random generator seeded by (seed, table, k), so any chunk can be rebuilt alone — in another
process, or by a harness checking that a database holds this corpus — and two runs with the
same seed produce the same rows whatever the order the chunks run in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

CHUNK = 20_000
"""Rows of the main table generated (and sent to PostgreSQL) at a time."""


@dataclass(frozen=True)
class SynthSpec:
    """The requested corpus: sizes and seed. Everything else derives from these four numbers."""

    events: int = 1_000_000
    claims: int = 3_000_000
    actors: int = 20_000
    seed: int = 1
    chunk: int = CHUNK
    """Rows per chunk (tests make it small to exercise many chunks)."""

    def __post_init__(self) -> None:
        if self.actors < 50:
            raise ValueError("actors: at least 50")
        if self.events < 10 or self.claims < 10:
            raise ValueError("events and claims: at least 10 each")

    @property
    def places(self) -> int:
        return max(20, self.actors // 10)

    @property
    def sources(self) -> int:
        """Documents the citations point into: about 25 claims each."""
        return max(20, self.claims // 25) // 5 * 5

    @property
    def propositions(self) -> int:
        """A few hundred questions the claims take sides on."""
        return max(5, min(400, self.actors // 50))

    @property
    def states(self) -> int:
        """The first actors are states, one per country of `names.COUNTRIES`."""
        from api.synth.names import COUNTRIES

        return len(COUNTRIES)

    def chunks(self, rows: int) -> range:
        """Indices of the chunks of a table of `rows` rows."""
        return range((rows + self.chunk - 1) // self.chunk)

    def chunk_rows(self, rows: int, chunk: int) -> range:
        """Row indices of chunk `chunk` of a table of `rows` rows."""
        return range(chunk * self.chunk, min(rows, (chunk + 1) * self.chunk))

    def rng(self, stream: str, chunk: int = 0) -> np.random.Generator:
        """The random generator of one chunk of one stream (a table or a shared pool)."""
        import numpy as np

        digest = hashlib.sha256(f"{self.seed}:{stream}:{chunk}".encode()).digest()
        return np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "little")))


def actor_id(i: int) -> str:
    return f"actor-{i:05d}"


def place_id(i: int) -> str:
    return f"place-{i:04d}"


def source_id(i: int) -> str:
    return f"src-{i:06d}"


def proposition_id(i: int) -> str:
    return f"prop-{i:03d}"


def event_id(i: int) -> str:
    return f"ev-{i:07d}"


def claim_id(i: int) -> str:
    return f"cl-{i:07d}"
