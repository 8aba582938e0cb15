"""SQL behind `/v1/sources`: a keyset-paginated list and one source with all its citations.

Each request is one statement: the outlet is joined, the citation count and the embedded
citations (with what each one backs) are correlated subqueries of the same SELECT.
Sources sort by the first day they may have been published, then id; a source with no
known publication date sorts as if published at +infinity (last with `asc`, first with `desc`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

from api.params import resolve_label
from api.queries import AnyConnection
from schema.read_common import ActorSummary, open_bound
from schema.read_sources import Backing, SourceCitation, SourceDetail, SourceItem

_SOURCE_COLUMNS = """
    s.id, s.title, s.language, s.published_edtf, s.published_earliest, s.published_latest,
    s.url, s.document, s.sha256,
    COALESCE(s.published_earliest, 'infinity'::date) AS sort_key,
    (SELECT count(*) FROM citations AS n WHERE n.source_id = s.id) AS citation_count,
    o.id AS outlet_id, o.kind AS outlet_kind, o.name AS outlet_name, o.labels AS outlet_labels
"""

# The window is also written as a range overlap, the same condition for the rows the two comparisons keep (sources
# without dates drop out of those), so that `sources_published_range_idx` finds the sources of a window instead of
# a walk in date order throwing away every source published before it. `$3 > $4` (an inverted window, refused by
# the route) keeps daterange from raising.
# $1 outlets, $2 languages (a tag matches itself and its regional variants: `fr` finds `fr-CA`),
# $3/$4 the window the publication range must overlap, $5/$6 the key of the last item served.
_LIST_SOURCES = """
SELECT {columns}
FROM sources AS s
LEFT JOIN actors AS o ON o.id = s.outlet_id
WHERE ($1::text[] IS NULL OR s.outlet_id = ANY($1::text[]))
  AND ($2::text[] IS NULL OR s.language = ANY($2::text[]) OR split_part(s.language, '-', 1) = ANY($2::text[]))
  AND ($3::date IS NULL OR s.published_latest >= $3::date)
  AND ($4::date IS NULL OR s.published_earliest <= $4::date)
  AND (($3::date IS NULL AND $4::date IS NULL) OR $3::date > $4::date
       OR daterange(s.published_earliest, s.published_latest, '[]') && daterange($3::date, $4::date, '[]'))
  AND ($5::date IS NULL OR (COALESCE(s.published_earliest, 'infinity'::date), s.id) {cmp} ($5::date, $6::text))
ORDER BY {sort_key} {direction}, s.id {direction}
LIMIT $7
"""
SORT_KEY = "COALESCE(s.published_earliest, 'infinity'::date)"
LIST_SOURCES_ASC = _LIST_SOURCES.format(columns=_SOURCE_COLUMNS, cmp=">", direction="ASC", sort_key=SORT_KEY)
LIST_SOURCES_DESC = _LIST_SOURCES.format(columns=_SOURCE_COLUMNS, cmp="<", direction="DESC", sort_key=SORT_KEY)
# With a window, the same order written so that `sources_published_idx` cannot serve it (`+ 0` days): the planner
# would walk that index in date order, counting on matches spread along it, while a window's sources all sit at one
# place in it (60,000 sources read to serve 51 of a month). It finds the window's sources through the range index
# and sorts them instead: work proportional to the window, not to its position.
LIST_WINDOW_SOURCES_ASC = _LIST_SOURCES.format(
    columns=_SOURCE_COLUMNS, cmp=">", direction="ASC", sort_key=f"({SORT_KEY} + 0)"
)
LIST_WINDOW_SOURCES_DESC = _LIST_SOURCES.format(
    columns=_SOURCE_COLUMNS, cmp="<", direction="DESC", sort_key=f"({SORT_KEY} + 0)"
)

# What a citation backs, as columns over `c` (citation), `cl` (claim), `ca` (claimant), `e` (event).
BACKING_COLUMNS = """
    c.claim_id, c.event_id,
    COALESCE(cl.when_edtf, e.when_edtf) AS backs_when,
    COALESCE(cl.earliest, e.earliest) AS backs_earliest,
    COALESCE(cl.latest, e.latest) AS backs_latest,
    e.title AS event_title,
    cl.words AS claim_words, cl.language AS claim_language, cl.translations AS claim_translations,
    ca.name AS claimant_name, ca.labels AS claimant_labels
"""
BACKING_JOINS = """
LEFT JOIN claims AS cl ON cl.id = c.claim_id
LEFT JOIN actors AS ca ON ca.id = cl.claimant_id
LEFT JOIN events AS e ON e.id = c.event_id
"""

GET_SOURCE = f"""
SELECT {_SOURCE_COLUMNS},
    COALESCE((
        SELECT jsonb_agg(to_jsonb(b) ORDER BY b.start_offset, b.id)
        FROM (
            SELECT c.id, c.quote, c.start_offset, c.end_offset, {BACKING_COLUMNS}
            FROM citations AS c
            {BACKING_JOINS}
            WHERE c.source_id = s.id
        ) AS b
    ), '[]'::jsonb) AS citations
FROM sources AS s
LEFT JOIN actors AS o ON o.id = s.outlet_id
WHERE s.id = $1
"""

LABEL_LENGTH = 160


class Row(Protocol):
    """An asyncpg record, or a dict from a jsonb column: read by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


@dataclass(frozen=True)
class SourceFilters:
    """Filters of the source list; None means no filter."""

    outlets: list[str] | None = None
    languages: list[str] | None = None
    published_from: date | None = None
    published_to: date | None = None


async def list_sources(
    conn: AnyConnection,
    filters: SourceFilters,
    *,
    order: str,
    after: tuple[date, str] | None,
    limit: int,
    languages: tuple[str, ...],
) -> tuple[list[SourceItem], tuple[date, str] | None]:
    """One page of sources after the key `after`, and the key to continue from (None on the last page)."""
    if filters.published_from is None and filters.published_to is None:
        sql = LIST_SOURCES_DESC if order == "desc" else LIST_SOURCES_ASC
    else:
        sql = LIST_WINDOW_SOURCES_DESC if order == "desc" else LIST_WINDOW_SOURCES_ASC
    rows = await conn.fetch(
        sql,
        filters.outlets,
        filters.languages,
        filters.published_from,
        filters.published_to,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    items = [_source_item(row, languages) for row in rows[:limit]]
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return items, ((last["sort_key"], last["id"]) if last is not None else None)


async def get_source(conn: AnyConnection, source_id: str, *, languages: tuple[str, ...]) -> SourceDetail | None:
    """One source with its citations in document order; None when no source has this id."""
    row = await conn.fetchrow(GET_SOURCE, source_id)
    if row is None:
        return None
    item = _source_item(row, languages)
    citations = [
        SourceCitation(
            id=c["id"],
            quote=c["quote"],
            start=c["start_offset"],
            end=c["end_offset"],
            claim=c["claim_id"],
            event=c["event_id"],
            backs=backing(c, languages),
        )
        for c in row["citations"]
    ]
    return SourceDetail(**_fields(item), citations=citations)


def _fields(item: SourceItem) -> dict[str, Any]:
    return {field: getattr(item, field) for field in item.__struct_fields__}


def _source_item(row: Row, languages: tuple[str, ...]) -> SourceItem:
    outlet = None
    if row["outlet_id"] is not None:
        labels: dict[str, str] = row["outlet_labels"]
        outlet = ActorSummary(
            id=row["outlet_id"],
            kind=row["outlet_kind"],
            name=row["outlet_name"],
            label=resolve_label(labels, languages, row["outlet_name"]),
            labels=labels,
        )
    return SourceItem(
        id=row["id"],
        title=row["title"],
        outlet=outlet,
        language=row["language"],
        published=row["published_edtf"],
        published_earliest=open_bound(row["published_earliest"]),
        published_latest=open_bound(row["published_latest"]),
        url=row["url"],
        document=row["document"],
        sha256=row["sha256"],
        citation_count=row["citation_count"],
    )


def backing(row: Row, languages: tuple[str, ...]) -> Backing:
    """What a citation backs, from the `BACKING_COLUMNS` of a row or of its JSON form."""
    if row["claim_id"] is not None:
        texts = {**(row["claim_translations"] or {}), row["claim_language"]: row["claim_words"]}
        claimant_labels = row["claimant_labels"] or {}
        claimant = resolve_label(claimant_labels, languages, row["claimant_name"])
        label = f"{claimant}: {resolve_label(texts, languages)}"
        kind: Literal["claim", "event"] = "claim"
        backed_id = row["claim_id"]
    else:
        label = resolve_label(row["event_title"] or {}, languages) or row["event_id"]
        kind = "event"
        backed_id = row["event_id"]
    return Backing(
        type=kind,
        id=backed_id,
        when=row["backs_when"],
        earliest=open_bound(_as_date(row["backs_earliest"])),
        latest=open_bound(_as_date(row["backs_latest"])),
        label=_shorten(label),
    )


def _as_date(value: date | str | None) -> date | None:
    """Dates inside jsonb arrive as ISO strings, and PostgreSQL's infinities as words."""
    if value is None or isinstance(value, date):
        return value
    if value == "infinity":
        return date.max
    if value == "-infinity":
        return date.min
    return date.fromisoformat(value)


def _shorten(text: str) -> str:
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1].rstrip() + "…"
