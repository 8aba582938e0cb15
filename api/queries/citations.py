"""SQL behind `/v1/citations`: citations with their source and what they back, keyset-paginated.

A citation's id is `<claim or event id>@<source id>`. The list is ordered by source id, then
citation id (the `citations_source_idx` index), both descending with `order=desc`; one
statement per page joins the source, the claim or event and the claimant.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.queries import AnyConnection
from api.queries.sources import BACKING_COLUMNS, BACKING_JOINS, Row, backing
from schema.read_common import SourceSummary, open_bound
from schema.read_sources import CitationItem

# $1 claims, $2 events, $3 sources (each: any of them), $4/$5 the key of the last item served.
_LIST_CITATIONS = f"""
SELECT c.id, c.quote, c.language, c.start_offset, c.end_offset, c.source_id,
    s.title AS source_title, s.outlet_id AS source_outlet, s.language AS source_language,
    s.published_edtf, s.published_earliest, s.published_latest, s.url, s.document,
    {BACKING_COLUMNS}
FROM citations AS c
JOIN sources AS s ON s.id = c.source_id
{BACKING_JOINS}
WHERE ($1::text[] IS NULL OR c.claim_id = ANY($1::text[]))
  AND ($2::text[] IS NULL OR c.event_id = ANY($2::text[]))
  AND ($3::text[] IS NULL OR c.source_id = ANY($3::text[]))
  AND ($4::text IS NULL OR (c.source_id, c.id) {{cmp}} ($4::text, $5::text))
ORDER BY c.source_id {{direction}}, c.id {{direction}}
LIMIT $6
"""
LIST_CITATIONS_ASC = _LIST_CITATIONS.format(cmp=">", direction="ASC")
LIST_CITATIONS_DESC = _LIST_CITATIONS.format(cmp="<", direction="DESC")


@dataclass(frozen=True)
class CitationFilters:
    """Filters of the citation list; None means no filter."""

    claims: list[str] | None = None
    events: list[str] | None = None
    sources: list[str] | None = None


async def list_citations(
    conn: AnyConnection,
    filters: CitationFilters,
    *,
    order: str,
    after: tuple[str, str] | None,
    limit: int,
    languages: tuple[str, ...],
) -> tuple[list[CitationItem], tuple[str, str] | None]:
    """One page of citations after the key `after`, and the key to continue from (None on the last page)."""
    sql = LIST_CITATIONS_DESC if order == "desc" else LIST_CITATIONS_ASC
    rows = await conn.fetch(
        sql,
        filters.claims,
        filters.events,
        filters.sources,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    items = [_citation_item(row, languages) for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return items, ((last["source_id"], last["id"]) if last is not None else None)


def _citation_item(row: Row, languages: tuple[str, ...]) -> CitationItem:
    return CitationItem(
        id=row["id"],
        quote=row["quote"],
        language=row["language"],
        start=row["start_offset"],
        end=row["end_offset"],
        claim=row["claim_id"],
        event=row["event_id"],
        backs=backing(row, languages),
        source=SourceSummary(
            id=row["source_id"],
            title=row["source_title"],
            outlet=row["source_outlet"],
            language=row["source_language"],
            published=row["published_edtf"],
            published_earliest=open_bound(row["published_earliest"]),
            published_latest=open_bound(row["published_latest"]),
            url=row["url"],
            document=row["document"],
        ),
    )
