"""Indexes that only matter at scale (issue 7): every list keyset walk has an index to read in order.

`GET /v1/sources` sorts by `COALESCE(published_earliest, 'infinity')`, so the index is on that
expression: a walk reads it in order instead of sorting the whole table. A window (`from`/`to`) is answered by the
GiST index on the publication range (`&&`), whose sources are then sorted.

Events and claims have the same GiST index on their [earliest, latest] range (`*_period_idx`): a window is also
written as a range overlap (`api.queries.events.period_overlap`), which gives the planner statistics on how many
items a window holds (on `earliest <= to AND latest >= from` alone it guesses a quarter of the table, and walks the
time index from the first day), and a way to find them.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
CREATE INDEX sources_published_idx ON sources ((COALESCE(published_earliest, 'infinity'::date)), id);
CREATE INDEX sources_published_range_idx ON sources USING gist (daterange(published_earliest, published_latest, '[]'));
CREATE INDEX events_period_idx ON events USING gist (daterange(earliest, latest, '[]'));
CREATE INDEX claims_period_idx ON claims USING gist (daterange(earliest, latest, '[]'));
"""

DOWNGRADE = """
DROP INDEX claims_period_idx;
DROP INDEX events_period_idx;
DROP INDEX sources_published_range_idx;
DROP INDEX sources_published_idx;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
