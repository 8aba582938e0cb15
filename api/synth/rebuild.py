"""After the load: indexes, unique and foreign keys back, tables analyzed, in one queue without phase barriers.

Every statement is a step; `jobs` connections take the costliest step that can start now. A step
can start when no running step works on one of its tables (two CREATE INDEX on one table share
their SHARE lock and may run together; a key or an ANALYZE would wait for it), so no connection
ever waits on a lock, and a short step fills in while a long GIN build runs. The order follows
what each step needs: ANALYZE after the table's indexes (it also gathers the statistics of
expression indexes), a foreign key after the unique keys of the table it references.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import asyncpg

from api.synth.report import Report
from api.synth.schema_ops import Restore

_REFERENCES = re.compile(r"\bREFERENCES\s+([\w.\"]+)\s*\(")


@dataclass(eq=False)
class Step:
    kind: str
    """index, key, derive or analyze."""
    table: str
    name: str
    sql: str
    cost: float
    tables: frozenset[str]
    after: set[Step] = field(default_factory=set)
    """Steps that must be done first."""

    def clashes(self, other: Step) -> bool:
        both_index = self.kind == "index" and other.kind == "index"
        return not both_index and bool(self.tables & other.tables)


def plan(restore: Restore, tables: Iterable[str], sizes: dict[str, int]) -> list[Step]:
    """The steps that put back what `restore` lists and ANALYZE `tables`, costliest first."""
    steps: list[Step] = []
    for table, name, sql in restore.indexes:
        # GIN builds cost about three times a B-tree over the same rows.
        cost: float = sizes.get(table, 0) * (3 if " USING gin " in sql else 1)
        steps.append(Step("index", table, name, sql, cost, frozenset({table})))
    unique: dict[str, list[Step]] = {}
    foreign: list[Step] = []
    for table, name, sql in restore.constraints:
        match = _REFERENCES.search(sql)
        if match is None:  # UNIQUE or PRIMARY KEY: builds an index
            step = Step("key", table, name, sql, sizes.get(table, 0), frozenset({table}))
            unique.setdefault(table, []).append(step)
            steps.append(step)
        else:  # a foreign key: one pass over both tables
            parent = match.group(1).strip('"')
            cost = (sizes.get(table, 0) + sizes.get(parent, 0)) / 2
            foreign.append(Step("key", table, name, sql, cost, frozenset({table, parent})))
    # Derived tables are filled before their foreign keys come back: one check of the rows, not one per row.
    derived = [
        Step("derive", written[0], sql.removeprefix("SELECT "), sql, sizes.get("claims", 0), frozenset(written))
        for written, sql in restore.derived
    ]
    steps += derived
    for step in foreign:
        step.after.update(u for t in step.tables for u in unique.get(t, []))
        step.after.update(d for d in derived if d.tables & step.tables)
        steps.append(step)
    for table in tables:
        before = {s for s in steps if s.table == table and s.kind in ("index", "key") and len(s.tables) == 1}
        cost = sizes.get(table, 0) / 20  # a sample of the rows
        steps.append(Step("analyze", table, table, f"ANALYZE {table}", cost, frozenset({table}), before))
    steps.sort(key=lambda s: -s.cost)
    return steps


async def run(
    steps: list[Step],
    jobs: int,
    connect: Callable[[], Awaitable[asyncpg.Connection]],
    report: Report,
) -> None:
    """Run `steps` on `jobs` connections (each made by `connect`), each as soon as it can start.

    The first failure cancels the other connections' steps and is raised (each step is its own
    transaction: what had finished stays, and the restore journal still lists everything).
    """
    pending = list(steps)
    running: set[Step] = set()
    done: set[Step] = set()
    changed = asyncio.Condition()

    def ready() -> Step | None:
        for step in pending:
            if step.after <= done and not any(step.clashes(r) for r in running):
                return step
        return None

    async def worker() -> None:
        conn = await connect()
        try:
            while True:
                async with changed:
                    await changed.wait_for(lambda: not pending or ready() is not None)
                    step = ready()
                    if step is None:
                        return
                    pending.remove(step)
                    running.add(step)
                started = time.perf_counter()
                try:
                    await conn.execute(step.sql)
                finally:
                    async with changed:
                        running.discard(step)
                        done.add(step)
                        changed.notify_all()
                report.add_step(step.kind, step.table, step.name, time.perf_counter() - started)
        finally:
            await conn.close()

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, min(jobs, len(steps)))):
                group.create_task(worker())
    except BaseExceptionGroup as failed:
        first: BaseException = failed
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
