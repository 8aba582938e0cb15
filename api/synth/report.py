"""Where the time went: per table (rows, COPY, indexes, keys) and per phase."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.synth.spec import SynthSpec


@dataclass
class TableTimes:
    rows: int = 0
    copy: float = 0.0
    indexes: float = 0.0
    keys: float = 0.0
    analyze: float = 0.0


@dataclass
class Report:
    spec: SynthSpec
    tables: dict[str, TableTimes] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    steps: list[tuple[str, str, str, float]] = field(default_factory=list)
    """(kind, table, index or constraint, seconds) of every rebuild step."""

    def table(self, name: str) -> TableTimes:
        return self.tables.setdefault(name, TableTimes())

    def add_copy(self, table: str, rows: int, seconds: float) -> None:
        times = self.table(table)
        times.rows += rows
        times.copy += seconds

    def add_step(self, kind: str, table: str, name: str, seconds: float) -> None:
        self.steps.append((kind, table, name, seconds))
        times = self.table(table)
        if kind == "index":
            times.indexes += seconds
        elif kind == "analyze":
            times.analyze += seconds
        else:
            times.keys += seconds

    def phase(self, name: str, seconds: float) -> None:
        self.phases[name] = self.phases.get(name, 0.0) + seconds

    @property
    def total(self) -> float:
        return self.phases.get("total", sum(self.phases.values()))

    def lines(self) -> list[str]:
        s = self.spec
        out = [
            f"synth: {s.events} events, {s.claims} claims, {s.actors} actors, seed {s.seed}",
            f"{'table':<20}{'rows':>11}{'copy s':>9}{'rows/s':>10}{'index s':>9}{'keys s':>8}{'analyze s':>11}",
        ]
        for name, t in self.tables.items():
            rate = f"{t.rows / t.copy:>10.0f}" if t.copy else f"{'':>10}"
            out.append(f"{name:<20}{t.rows:>11}{t.copy:>9.1f}{rate}{t.indexes:>9.1f}{t.keys:>8.1f}{t.analyze:>11.1f}")
        out.append("(copy/index/keys: seconds of the statements, which run concurrently; keys include recomputing")
        out.append(" derived tables such as proposition_tallies; wall time by phase:)")
        out.append("  ".join(f"{name} {seconds:.1f}s" for name, seconds in self.phases.items()))
        return out

    def as_dict(self) -> dict[str, object]:
        """Every figure, for a benchmark's JSON output."""
        return {
            "spec": {"events": self.spec.events, "claims": self.spec.claims, "actors": self.spec.actors},
            "seed": self.spec.seed,
            "tables": {name: vars(t) for name, t in self.tables.items()},
            "phases": dict(self.phases),
            "steps": [{"kind": k, "table": t, "name": n, "seconds": s} for k, t, n, s in self.steps],
        }
