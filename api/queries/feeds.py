"""SQL of the Atom feeds: when each listed resource entered the database and when it last changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from api.queries import AnyConnection

# One statement per feed page, whatever its length; the (resource_type, resource_id, version) unique
# index answers it.
REVISION_TIMES = """
SELECT r.resource_id, min(r.at) AS first_at, max(r.at) AS last_at
FROM revisions AS r
WHERE r.resource_type = $1::text AND r.resource_id = ANY($2::text[])
GROUP BY r.resource_id
"""


class RevisionTimes(msgspec.Struct, frozen=True):
    first: datetime
    """When the resource was first written (its first revision)."""
    last: datetime
    """When it last changed (its latest revision)."""


async def revision_times(
    conn: AnyConnection, resource_type: str, resource_ids: Sequence[str]
) -> dict[str, RevisionTimes]:
    """First and latest revision time of each resource of `resource_ids` that has any."""
    rows = await conn.fetch(REVISION_TIMES, resource_type, list(resource_ids))
    return {row["resource_id"]: RevisionTimes(row["first_at"], row["last_at"]) for row in rows}
