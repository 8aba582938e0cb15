"""SQL behind `timeline verify-quotes`: every citation with its source document."""

from __future__ import annotations

import asyncpg
import msgspec

LIST_CITATIONS_WITH_DOCUMENTS = """
SELECT c.id, c.quote, c.start_offset, c.end_offset, s.id AS source_id, s.document, s.sha256
FROM citations AS c
JOIN sources AS s ON s.id = c.source_id
ORDER BY s.id, c.start_offset, c.id
"""


class CitationToVerify(msgspec.Struct, frozen=True):
    id: str
    quote: str
    start: int
    end: int
    source_id: str
    document: str | None
    sha256: str | None


async def list_citations_with_documents(conn: asyncpg.Connection) -> list[CitationToVerify]:
    rows = await conn.fetch(LIST_CITATIONS_WITH_DOCUMENTS)
    return [
        CitationToVerify(
            r["id"],
            r["quote"],
            r["start_offset"],
            r["end_offset"],
            r["source_id"],
            r["document"],
            r["sha256"],
        )
        for r in rows
    ]
