"""An actor's timeline and claims, in time order, from indexes: participants carry their event's dates (issue 7).

`/v1/timeline?actor=X&from=&to=` read every item of the window, or every item of the actor, and sorted
them to serve 50. On the benchmark corpus the events side read all the window's events (89,701 rows,
64,000 pages) and kept the actor's (`event_participants` had no date to walk in order), 300-370 ms; the
claims side ANDed the window's range index with the actor's and sorted 1,500-3,000 rows, 20-150 ms.
`/v1/claims?actor=X&from=` walked the claimant's claims from the first and dropped those ending before
the window.

- `event_participants` gets its event's `earliest` and `latest`, kept by triggers: a participant
  written takes its event's dates, an event whose dates change passes them on. `timeline synth`
  COPYs them with the fill trigger off. `event_participants_actor_idx` becomes `(actor_id, earliest,
  event_id) INCLUDE (latest)`: an actor's events in time order, as `claims_claimant_idx` (which now
  INCLUDEs `latest` too) gives its claims.
- A window's first items include every item whose date straddles its start (a year, an open
  interval), and no b-tree walks those in order. `timeline_span_class(earliest, latest)` sorts dates
  by length: 0 up to 31 days, 1 up to 92, 2 up to 366, 3 up to 3,660, and 9 for longer or open ones.
  An item of class k that overlaps a window starting on day F began at most its class's longest span
  before F, so each class is one bounded range of its own index. Class 0 (nine items in ten) needs no
  index of its own: it is the range from F - 31 of the actor's full index. The longer classes have
  partial indexes on `(actor, class, earliest)` (a tenth of the rows). `api.queries.spans` builds one
  ordered range per class; the timeline and the claims list merge them.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = """
-- Longer spans than a class's bound go to the next class; open or unbounded dates to class 9 (api.queries.timeline
-- holds the same bounds).
CREATE FUNCTION timeline_span_class(earliest date, latest date) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN NOT (isfinite(earliest) AND isfinite(latest)) THEN 9
        WHEN latest - earliest <= 31 THEN 0
        WHEN latest - earliest <= 92 THEN 1
        WHEN latest - earliest <= 366 THEN 2
        WHEN latest - earliest <= 3660 THEN 3
        ELSE 9
    END;

ALTER TABLE event_participants ADD COLUMN earliest date, ADD COLUMN latest date;
UPDATE event_participants AS p SET earliest = e.earliest, latest = e.latest FROM events AS e WHERE e.id = p.event_id;
ALTER TABLE event_participants ALTER COLUMN earliest SET NOT NULL, ALTER COLUMN latest SET NOT NULL;

CREATE FUNCTION timeline_participant_dates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT e.earliest, e.latest INTO NEW.earliest, NEW.latest FROM events AS e WHERE e.id = NEW.event_id;
    RETURN NEW;
END $$;
CREATE TRIGGER event_participants_dates BEFORE INSERT OR UPDATE ON event_participants
    FOR EACH ROW EXECUTE FUNCTION timeline_participant_dates();

CREATE FUNCTION timeline_event_dates_to_participants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE event_participants SET earliest = NEW.earliest, latest = NEW.latest WHERE event_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER events_dates_to_participants AFTER UPDATE OF earliest, latest ON events
    FOR EACH ROW WHEN (OLD.earliest IS DISTINCT FROM NEW.earliest OR OLD.latest IS DISTINCT FROM NEW.latest)
    EXECUTE FUNCTION timeline_event_dates_to_participants();

DROP INDEX event_participants_actor_idx;
CREATE INDEX event_participants_actor_idx ON event_participants (actor_id, earliest, event_id) INCLUDE (latest);
CREATE INDEX event_participants_actor_span_idx
    ON event_participants (actor_id, timeline_span_class(earliest, latest), earliest, event_id) INCLUDE (latest)
    WHERE timeline_span_class(earliest, latest) > 0;
-- The window's first range of an actor's claims filters on `latest` from the index.
DROP INDEX claims_claimant_idx;
CREATE INDEX claims_claimant_idx ON claims (claimant_id, earliest, id) INCLUDE (latest);
CREATE INDEX claims_claimant_span_idx
    ON claims (claimant_id, timeline_span_class(earliest, latest), earliest, id) INCLUDE (latest)
    WHERE timeline_span_class(earliest, latest) > 0;
"""

DOWNGRADE = """
DROP INDEX claims_claimant_span_idx;
DROP INDEX claims_claimant_idx;
CREATE INDEX claims_claimant_idx ON claims (claimant_id, earliest, id);
DROP INDEX event_participants_actor_span_idx;
DROP INDEX event_participants_actor_idx;
CREATE INDEX event_participants_actor_idx ON event_participants (actor_id, event_id);
DROP TRIGGER events_dates_to_participants ON events;
DROP FUNCTION timeline_event_dates_to_participants();
DROP TRIGGER event_participants_dates ON event_participants;
DROP FUNCTION timeline_participant_dates();
ALTER TABLE event_participants DROP COLUMN earliest, DROP COLUMN latest;
DROP FUNCTION timeline_span_class(date, date);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
