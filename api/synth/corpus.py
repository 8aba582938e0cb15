"""Build or reuse: does a database already hold the corpus of a spec?

The check is cheap and exact enough for a benchmark: row counts of actors, events and claims,
and the first and last claim and event as the spec would generate them (text, dates and all).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal

import asyncpg

from api.synth.load import synthesize
from api.synth.report import Report
from api.synth.spec import SynthSpec

Status = Literal["empty", "match", "other"]

_FINGERPRINT = {
    "events": "SELECT id, kind, when_edtf, earliest::text, latest::text, title::text, summary::text FROM events"
    " WHERE id = ANY($1::text[]) ORDER BY id",
    "claims": "SELECT id, claimant_id, kind, when_edtf, earliest::text, latest::text, words FROM claims"
    " WHERE id = ANY($1::text[]) ORDER BY id",
}


def _row(producer: str, values: list[str]) -> tuple[object, ...]:
    """Selected fields of a row, jsonb parsed (PostgreSQL gives it back with its own key order)."""
    if producer == "events":
        return (*values[:5], json.loads(values[5]), json.loads(values[6]))
    return tuple(values)


def _expected(spec: SynthSpec, producer: str) -> dict[str, tuple[object, ...]]:
    """The first and last rows of a producer's main table, regenerated: {id: fields}."""
    from api.synth.context import Context
    from api.synth.generate import BY_NAME

    ctx = Context(spec)
    chunks = BY_NAME[producer].chunks(spec)
    out = {}
    for chunk, pick in ((chunks[0], 0), (chunks[-1], -1)):
        line = BY_NAME[producer].make(ctx, chunk)[producer][pick].rstrip("\n").split("\t")
        out[line[0]] = _row(producer, line[:7])
    return out


async def corpus_status(url: str, spec: SynthSpec) -> Status:
    """ "empty" (no story), "match" (the corpus of `spec`), or "other" (anything else)."""
    conn = await asyncpg.connect(url)
    try:
        counts = [await conn.fetchval(f"SELECT count(*) FROM {t}") for t in ("actors", "events", "claims")]
        if sum(counts) == 0:
            return "empty"
        if counts != [spec.actors, spec.events, spec.claims]:
            return "other"
        for producer in ("events", "claims"):
            expected = _expected(spec, producer)
            found = {r[0]: _row(producer, list(r)) for r in await conn.fetch(_FINGERPRINT[producer], list(expected))}
            if found != expected:
                return "other"
        return "match"
    finally:
        await conn.close()


async def ensure_corpus(
    url: str,
    spec: SynthSpec,
    *,
    workers: int = 2,
    jobs: int = 2,
    echo: Callable[[str], None] = lambda line: None,
) -> Report | None:
    """Reuse the database when it holds the corpus of `spec` (None), else build it and return its Report.

    Meant for a benchmark's own database: whatever else it holds is replaced (truncated) by the corpus.
    """
    status = await corpus_status(url, spec)
    if status == "match":
        echo("the database already holds this corpus: reused")
        return None
    return await synthesize(url, spec, truncate=status == "other", workers=workers, jobs=jobs, echo=echo)
