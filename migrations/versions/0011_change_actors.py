"""The changes feed of one actor, in feed order, from an index: `change_actors` (issue 7).

`GET /v1/changes?actor=X` walked `changes_feed_idx` (txid, id) from the cursor and dropped every
change whose `actor_ids` lacked X: from a point of the feed where X is absent for a long stretch it
read all of it (142,663 rows read and dropped on the benchmark corpus), and with `types=` too it
dropped X's changes of the other types. The GIN index on `actor_ids` finds X's changes but not in
feed order (863,318 matches to sort for the hottest actor).

`change_actors` holds one row per (change, actor in its `actor_ids`), an actor named twice in one
change counted once, with one b-tree index on `(actor_id, resource_type, txid, change_id)`: the
feed of one actor and one type, in feed order, from any cursor (api/queries/changes.py walks it
once per type and merges). No primary key: `timeline synth` drops the secondary indexes while it
loads and rebuilds them by sorting, and a key would be maintained row by row over ~15 million rows.

Statement-level triggers with transition tables keep it, so every writer of `changes` (the HTTP
writes, the dataset loader, synth's COPY) fills it without knowing it: an insert adds the rows, a
delete removes them, an update of a change replaces them, a TRUNCATE of `changes` empties it. The
code only ever inserts into `changes` (the feed is append-only); the other triggers keep the table
exact for whoever prunes or repairs the feed by hand.

Nothing else reads `changes_actor_idx` (GIN): the webhooks match actors on the changes of the
current transaction, found through `changes_feed_idx`. It is dropped; downgrade builds it again.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rows of a set of changes: `array_position` keeps an actor's first place in the array only, so an actor
# named twice makes one row without sorting the batch (a COPY statement of synth is a whole chunk).
ROWS_OF = """
    SELECT x.actor_id, c.resource_type, c.txid, c.id
    FROM {changes} AS c
    CROSS JOIN LATERAL unnest(c.actor_ids) WITH ORDINALITY AS x (actor_id, place)
    WHERE x.actor_id IS NOT NULL AND array_position(c.actor_ids, x.actor_id) = x.place"""
OLD_ROWS, NEW_ROWS, ALL_ROWS = (ROWS_OF.format(changes=t) for t in ("old_changes", "new_changes", "changes"))

UPGRADE = f"""
-- Ids are only compared for equality: byte order ("C") sorts the index build by memcmp whatever the locale.
CREATE TABLE change_actors (
    actor_id text COLLATE "C" NOT NULL,
    resource_type text COLLATE "C" NOT NULL,
    txid xid8 NOT NULL,
    change_id bigint NOT NULL
);

CREATE FUNCTION timeline_change_actors() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        -- Not TRUNCATE: `TRUNCATE changes, change_actors` (synth) would truncate it twice in one statement, which
        -- PostgreSQL refuses; there the table is already empty when this runs.
        DELETE FROM change_actors;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM change_actors AS a
        USING ({OLD_ROWS}) AS o (actor_id, resource_type, txid, change_id)
        WHERE a.actor_id = o.actor_id AND a.resource_type = o.resource_type
          AND a.txid = o.txid AND a.change_id = o.change_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO change_actors (actor_id, resource_type, txid, change_id) {NEW_ROWS};
    END IF;
    RETURN NULL;
END
$$;

-- Triggers before the backfill: creating them locks `changes` against writes until the migration commits, so
-- the backfill sees every committed change and every later one goes through the triggers.
CREATE TRIGGER changes_actors_insert AFTER INSERT ON changes
    REFERENCING NEW TABLE AS new_changes
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_change_actors();
CREATE TRIGGER changes_actors_update AFTER UPDATE ON changes
    REFERENCING OLD TABLE AS old_changes NEW TABLE AS new_changes
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_change_actors();
CREATE TRIGGER changes_actors_delete AFTER DELETE ON changes
    REFERENCING OLD TABLE AS old_changes
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_change_actors();
CREATE TRIGGER changes_actors_truncate AFTER TRUNCATE ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_change_actors();

INSERT INTO change_actors (actor_id, resource_type, txid, change_id) {ALL_ROWS};
CREATE INDEX change_actors_feed_idx ON change_actors (actor_id, resource_type, txid, change_id);
ANALYZE change_actors;

DROP INDEX changes_actor_idx;
"""

DOWNGRADE = """
CREATE INDEX changes_actor_idx ON changes USING gin (actor_ids);
DROP TRIGGER changes_actors_truncate ON changes;
DROP TRIGGER changes_actors_delete ON changes;
DROP TRIGGER changes_actors_update ON changes;
DROP TRIGGER changes_actors_insert ON changes;
DROP FUNCTION timeline_change_actors();
DROP TABLE change_actors;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
