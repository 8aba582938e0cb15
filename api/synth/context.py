"""What every chunk generator shares: text pools, calendar, actor popularity, event days.

Built once per process from the spec alone (deterministic), in well under a second at
full scale.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.synth.dates import DAYS, Calendar
from api.synth.names import COUNTRIES
from api.synth.spec import SynthSpec, actor_id, source_id
from api.synth.texts import TextPools

if TYPE_CHECKING:
    import numpy as np

    from api.synth.vectors import PieceVectors

ACTOR_KINDS: tuple[tuple[str, float], ...] = (
    ("person", 0.55),
    ("government_body", 0.12),
    ("media_outlet", 0.08),
    ("organisation", 0.08),
    ("military_unit", 0.06),
    ("anonymous_group", 0.05),
    ("company", 0.04),
    ("international_organisation", 0.02),
)
ZIPF_EXPONENT = 1.0
"""Activity of the actor of popularity rank r is proportional to 1 / (r + 1) ** ZIPF_EXPONENT."""
Lines = dict[str, list[str]]
"""COPY text lines (tab-separated, newline-terminated) by table."""
NULL = "\\N"


class Context:
    def __init__(self, spec: SynthSpec, *, changes: bool = False, vectors: PieceVectors | None = None) -> None:
        """`vectors`: the pieces' search vectors the load fetched; without them (a corpus fingerprint, which
        compares texts only) rows are made with empty `search_vector` fields."""
        import numpy as np

        self.spec = spec
        self.changes = changes
        self.vectors = vectors
        self.pools = TextPools(spec)
        self.cal = Calendar()
        rng = spec.rng("actors-shape")
        n = spec.actors
        kinds = [k for k, _ in ACTOR_KINDS]
        weights = np.array([w for _, w in ACTOR_KINDS])
        drawn = rng.choice(len(kinds), size=n - spec.states, p=weights / weights.sum()).tolist()
        self.actor_kinds: list[str] = ["state"] * spec.states + [kinds[k] for k in drawn]
        self.actor_ids = [actor_id(i) for i in range(n)]
        self.actor_country = [i % len(COUNTRIES) for i in range(n)]
        # Popularity: rank r -> actor index; actor 0 (a state) is not necessarily the hottest.
        self.by_rank = rng.permutation(n)
        self.actor_cdf = _zipf_cdf(n)
        outlets = np.array([i for i, k in enumerate(self.actor_kinds) if k == "media_outlet"], dtype=np.int64)
        self.outlets = rng.permutation(outlets)
        self.outlet_cdf = _zipf_cdf(len(self.outlets))
        self.prop_cdf = _zipf_cdf(spec.propositions)
        self.source_ids = [source_id(j) for j in range(spec.sources)]
        self.source_blocks = spec.sources // 5
        self.event_days = spec.rng("event-days").integers(0, DAYS, size=spec.events, dtype=np.int64)

    def zipf_actors(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """Actor indices drawn with Zipf-distributed popularity."""
        import numpy as np

        ranks = np.searchsorted(self.actor_cdf, rng.random(size))
        return self.by_rank[ranks]

    def zipf_outlets(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        import numpy as np

        return self.outlets[np.searchsorted(self.outlet_cdf, rng.random(size))]

    def zipf_propositions(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        import numpy as np

        return np.searchsorted(self.prop_cdf, rng.random(size))

    def source_for(self, rng: np.random.Generator, days: np.ndarray, french: np.ndarray) -> np.ndarray:
        """A source published on or soon after each day, in the language (French or English) asked.

        Sources run in date order by blocks of five: three French, then two English.
        """
        import numpy as np

        near = days * self.source_blocks // DAYS + rng.integers(0, 3, size=len(days))
        blocks = np.minimum(near, self.source_blocks - 2)
        offset = np.where(french, rng.integers(0, 3, size=len(days)), rng.integers(3, 5, size=len(days)))
        return blocks * 5 + offset


def _zipf_cdf(n: int) -> np.ndarray:
    import numpy as np

    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** ZIPF_EXPONENT
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    cdf[-1] = 1.0
    return cdf


def lang_map(texts: dict[str, str]) -> str:
    """A jsonb literal for COPY text: the synthetic texts hold no quote, backslash, tab or newline."""
    return "{" + ", ".join(f'"{k}": "{v}"' for k, v in texts.items()) + "}"


def text_array(values: list[str]) -> str:
    """A text[] literal for COPY text (values without quotes or backslashes)."""
    return "{" + ",".join(f'"{v}"' for v in values) + "}"
