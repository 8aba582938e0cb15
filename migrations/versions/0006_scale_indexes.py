"""Indexes that only matter at scale (issue 7): every list keyset walk has an index to read in order.

`GET /v1/sources` sorts by `COALESCE(published_earliest, 'infinity')`, so the index is on that
expression: a walk reads it in order instead of sorting the whole table.

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
"""

DOWNGRADE = """
DROP INDEX sources_published_idx;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
