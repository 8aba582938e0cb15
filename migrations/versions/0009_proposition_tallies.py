"""Proposition tallies kept by triggers: the propositions list reads its counts by primary key (issue 7).

`GET /v1/propositions` counted, for every proposition of a page, its claims on each side and its
actors on each side (an actor stands where their latest claim on the proposition stands, latest by
`earliest` then claim id) by aggregating every stance at request time: 10 to 26 s a page on the
synthetic corpus. Two tables now hold the answer:

- `proposition_actor_stances`: each actor's current stance per proposition (the claim that decides
  it, its stance and its `earliest`), one row per (proposition, actor) that took a side;
- `proposition_tallies`: the four counts per proposition, a row for every proposition (zeros until
  someone takes a side), deleted with it.

Statement-level triggers with transition tables keep them exact on every write path (the HTTP
writes and the dataset loader both replace a claim's stances by DELETE then INSERT, and upsert the
claim itself): inserts, updates and deletes of `claim_stances` (a deleted claim's stances go by
ON DELETE CASCADE, which fires them too), and updates of `claims` that change `claimant_id` or
`earliest`. Each statement hands `timeline_apply_proposition_tallies` the (proposition, actor, claim)
triples it touched and the claim counts it changed; only those pairs are recomputed:

- the pair's stored current claim stays a candidate unless the statement touched it; the touched
  claims that still carry a stance of that actor on that proposition are the other candidates; the
  latest candidate wins. So adding a stance costs a few index lookups, however many claims the
  actor has;
- when the statement touched the stored current claim (its stance deleted or changed, its date or
  claimant edited), the pair is recomputed from the actor's claims (`claims_claimant_idx`).

Concurrency: the function first locks the tally rows of every proposition concerned (`FOR UPDATE`,
in proposition id order) until commit; its later statements take a fresh snapshot (READ COMMITTED),
so a transaction that waited sees what the other committed before recomputing. Counts change by
difference (`n = n + delta`) under that lock. Each statement takes its locks in that order, but a
transaction's statements follow one another: two transactions that each write stances on the same
two propositions in opposite orders, one statement per stance, can deadlock (PostgreSQL aborts one,
nothing is miscounted). Writing a claim's stances sorted by proposition avoids it.

`timeline_rebuild_proposition_tallies()` recomputes both tables from scratch, set-based: the
backfill below, and what `timeline synth` runs after loading with these triggers disabled.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = (
    ("propositions", "propositions_tally_insert"),
    ("claim_stances", "claim_stances_tally_insert"),
    ("claim_stances", "claim_stances_tally_update"),
    ("claim_stances", "claim_stances_tally_delete"),
    ("claims", "claims_tally_update"),
)
"""(table, trigger) of every trigger this migration creates."""

TABLES = """
CREATE TABLE proposition_tallies (
    proposition_id text PRIMARY KEY REFERENCES propositions (id) ON DELETE CASCADE ON UPDATE CASCADE,
    supporting_claims integer NOT NULL DEFAULT 0 CHECK (supporting_claims >= 0),
    opposing_claims integer NOT NULL DEFAULT 0 CHECK (opposing_claims >= 0),
    supporting_actors integer NOT NULL DEFAULT 0 CHECK (supporting_actors >= 0),
    opposing_actors integer NOT NULL DEFAULT 0 CHECK (opposing_actors >= 0)
);

-- Derived rows only: each exists while a claim_stances row (which carries the foreign keys) backs it, so
-- none is declared here (they would be checked row by row on every write and rebuild).
CREATE TABLE proposition_actor_stances (
    proposition_id text NOT NULL,
    actor_id text NOT NULL,
    claim_id text NOT NULL,
    stance text NOT NULL CHECK (stance IN ('supports', 'opposes')),
    earliest date NOT NULL,
    PRIMARY KEY (proposition_id, actor_id)
);
-- A deleted claim's stances leave no claimant to look up: its pairs are found through the claim.
CREATE INDEX proposition_actor_stances_claim_idx ON proposition_actor_stances (claim_id);
"""

APPLY = """
-- The (proposition, actor, claim) triples a statement touched, and the stance rows it added (+1) or removed (-1).
CREATE FUNCTION timeline_apply_proposition_tallies(
    touched_propositions text[], touched_actors text[], touched_claims text[],
    changed_propositions text[], changed_stances text[], changed_signs integer[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(touched_propositions) = 0 AND cardinality(changed_propositions) = 0 THEN
        RETURN;
    END IF;

    -- Lock every tally row concerned, in one fixed order (proposition id), then apply the claim counts. The
    -- statements after the lock take a new snapshot: they see what a transaction we waited for committed.
    INSERT INTO proposition_tallies (proposition_id)
    SELECT p FROM unnest(changed_propositions || touched_propositions) AS p GROUP BY p ORDER BY p
    ON CONFLICT (proposition_id) DO NOTHING;
    PERFORM FROM proposition_tallies
    WHERE proposition_id = ANY(changed_propositions || touched_propositions)
    ORDER BY proposition_id
    FOR UPDATE;
    UPDATE proposition_tallies AS t
    SET supporting_claims = t.supporting_claims + d.supporting, opposing_claims = t.opposing_claims + d.opposing
    FROM (SELECT c.proposition_id, coalesce(sum(c.sign) FILTER (WHERE c.stance = 'supports'), 0) AS supporting,
                 coalesce(sum(c.sign) FILTER (WHERE c.stance = 'opposes'), 0) AS opposing
          FROM unnest(changed_propositions, changed_stances, changed_signs) AS c (proposition_id, stance, sign)
          GROUP BY c.proposition_id) AS d
    WHERE t.proposition_id = d.proposition_id AND (d.supporting <> 0 OR d.opposing <> 0);

    IF cardinality(touched_propositions) = 0 THEN
        RETURN;
    END IF;

    WITH touched AS (
        SELECT DISTINCT * FROM unnest(touched_propositions, touched_actors, touched_claims)
            AS t (proposition_id, actor_id, claim_id)
    ),
    old AS (
        SELECT s.* FROM proposition_actor_stances AS s
        WHERE (s.proposition_id, s.actor_id) IN (SELECT proposition_id, actor_id FROM touched)
    ),
    -- The statement touched the stored current claim: the pair is recomputed from all the actor's claims.
    recompute AS (
        SELECT o.proposition_id, o.actor_id FROM old AS o
        WHERE (o.proposition_id, o.actor_id, o.claim_id) IN (SELECT * FROM touched)
    ),
    -- Otherwise the stored current claim and the touched claims that still carry a stance are the only
    -- candidates: every other claim of the actor lost to the stored one before this statement.
    candidates AS (
        SELECT o.proposition_id, o.actor_id, o.claim_id, o.stance, o.earliest FROM old AS o
        WHERE (o.proposition_id, o.actor_id) NOT IN (SELECT * FROM recompute)
        UNION ALL
        SELECT t.proposition_id, t.actor_id, c.id, s.stance, c.earliest
        FROM touched AS t
        JOIN claims AS c ON c.id = t.claim_id AND c.claimant_id = t.actor_id
        JOIN claim_stances AS s ON s.claim_id = c.id AND s.proposition_id = t.proposition_id
        UNION ALL
        SELECT r.proposition_id, r.actor_id, latest.id, latest.stance, latest.earliest
        FROM recompute AS r
        CROSS JOIN LATERAL (
            SELECT c.id, s.stance, c.earliest
            FROM claims AS c JOIN claim_stances AS s ON s.claim_id = c.id AND s.proposition_id = r.proposition_id
            WHERE c.claimant_id = r.actor_id
            ORDER BY c.earliest DESC, c.id DESC
            LIMIT 1) AS latest
    ),
    fresh AS (
        SELECT DISTINCT ON (proposition_id, actor_id) * FROM candidates
        ORDER BY proposition_id, actor_id, earliest DESC, claim_id DESC
    ),
    removed AS (
        DELETE FROM proposition_actor_stances AS s
        USING old AS o
        WHERE s.proposition_id = o.proposition_id AND s.actor_id = o.actor_id
          AND (o.proposition_id, o.actor_id) NOT IN (SELECT proposition_id, actor_id FROM fresh)
    ),
    written AS (
        INSERT INTO proposition_actor_stances AS s (proposition_id, actor_id, claim_id, stance, earliest)
        SELECT proposition_id, actor_id, claim_id, stance, earliest FROM fresh
        ON CONFLICT (proposition_id, actor_id) DO UPDATE SET
            claim_id = EXCLUDED.claim_id, stance = EXCLUDED.stance, earliest = EXCLUDED.earliest
        WHERE (s.claim_id, s.stance, s.earliest) IS DISTINCT FROM (EXCLUDED.claim_id, EXCLUDED.stance,
                                                                   EXCLUDED.earliest)
    ),
    actor_deltas AS (
        SELECT d.proposition_id, sum(d.supporting) AS supporting, sum(d.opposing) AS opposing
        FROM (SELECT proposition_id, (stance = 'supports')::integer, (stance = 'opposes')::integer FROM fresh
              UNION ALL
              SELECT proposition_id, -(stance = 'supports')::integer, -(stance = 'opposes')::integer FROM old
             ) AS d (proposition_id, supporting, opposing)
        GROUP BY d.proposition_id
    )
    UPDATE proposition_tallies AS t
    SET supporting_actors = t.supporting_actors + d.supporting, opposing_actors = t.opposing_actors + d.opposing
    FROM actor_deltas AS d
    WHERE t.proposition_id = d.proposition_id AND (d.supporting <> 0 OR d.opposing <> 0);
END
$$;
"""

TRIGGER_FUNCTIONS = """
-- One function for the three kinds of claim_stances statements; each names only its own transition tables.
CREATE FUNCTION timeline_tally_claim_stances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched_propositions text[] := '{}';
    touched_actors text[] := '{}';
    touched_claims text[] := '{}';
    changed_propositions text[] := '{}';
    changed_stances text[] := '{}';
    changed_signs integer[] := '{}';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT coalesce(array_agg(n.proposition_id::text), '{}'), coalesce(array_agg(c.claimant_id::text), '{}'),
               coalesce(array_agg(n.claim_id::text), '{}')
        INTO touched_propositions, touched_actors, touched_claims
        FROM new_stances AS n JOIN claims AS c ON c.id = n.claim_id;
        SELECT coalesce(array_agg(proposition_id::text), '{}'), coalesce(array_agg(stance), '{}'),
               coalesce(array_agg(1), '{}')
        INTO changed_propositions, changed_stances, changed_signs
        FROM new_stances;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        -- A deleted claim's stances (ON DELETE CASCADE) have no claimant left: the pair it decided is found
        -- through the claim; a claim that decided no pair is no pair's candidate, and only its counts change.
        SELECT touched_propositions || coalesce(array_agg(o.proposition_id), '{}'),
               touched_actors || coalesce(array_agg(o.actor_id), '{}'),
               touched_claims || coalesce(array_agg(o.claim_id), '{}')
        INTO touched_propositions, touched_actors, touched_claims
        FROM (SELECT o.proposition_id::text, c.claimant_id::text AS actor_id, o.claim_id::text
              FROM old_stances AS o JOIN claims AS c ON c.id = o.claim_id
              UNION
              SELECT o.proposition_id, s.actor_id, o.claim_id
              FROM old_stances AS o
              JOIN proposition_actor_stances AS s ON s.claim_id = o.claim_id AND s.proposition_id = o.proposition_id
             ) AS o;
        SELECT changed_propositions || coalesce(array_agg(proposition_id::text), '{}'),
               changed_stances || coalesce(array_agg(stance), '{}'),
               changed_signs || coalesce(array_agg(-1), '{}')
        INTO changed_propositions, changed_stances, changed_signs
        FROM old_stances;
    END IF;
    PERFORM timeline_apply_proposition_tallies(
        touched_propositions, touched_actors, touched_claims, changed_propositions, changed_stances, changed_signs);
    RETURN NULL;
END
$$;

-- A claim's date or claimant decides which of an actor's claims is the latest; its other columns do not.
CREATE FUNCTION timeline_tally_claims_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched_propositions text[];
    touched_actors text[];
    touched_claims text[];
BEGIN
    SELECT coalesce(array_agg(s.proposition_id::text), '{}'), coalesce(array_agg(a.actor_id::text), '{}'),
           coalesce(array_agg(s.claim_id::text), '{}')
    INTO touched_propositions, touched_actors, touched_claims
    FROM old_claims AS o
    JOIN new_claims AS n ON n.id = o.id
    JOIN claim_stances AS s ON s.claim_id = n.id
    CROSS JOIN LATERAL (VALUES (o.claimant_id), (n.claimant_id)) AS a (actor_id)
    WHERE (o.claimant_id, o.earliest) IS DISTINCT FROM (n.claimant_id, n.earliest);
    IF cardinality(touched_propositions) > 0 THEN
        PERFORM timeline_apply_proposition_tallies(
            touched_propositions, touched_actors, touched_claims, '{}', '{}', '{}');
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION timeline_tally_propositions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO proposition_tallies (proposition_id)
    SELECT id FROM new_propositions ORDER BY id
    ON CONFLICT (proposition_id) DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER propositions_tally_insert AFTER INSERT ON propositions
    REFERENCING NEW TABLE AS new_propositions
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_tally_propositions_inserted();
CREATE TRIGGER claim_stances_tally_insert AFTER INSERT ON claim_stances
    REFERENCING NEW TABLE AS new_stances
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_tally_claim_stances();
CREATE TRIGGER claim_stances_tally_update AFTER UPDATE ON claim_stances
    REFERENCING OLD TABLE AS old_stances NEW TABLE AS new_stances
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_tally_claim_stances();
CREATE TRIGGER claim_stances_tally_delete AFTER DELETE ON claim_stances
    REFERENCING OLD TABLE AS old_stances
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_tally_claim_stances();
-- Transition tables rule out `UPDATE OF claimant_id, earliest`: the function compares the columns itself.
CREATE TRIGGER claims_tally_update AFTER UPDATE ON claims
    REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims
    FOR EACH STATEMENT EXECUTE FUNCTION timeline_tally_claims_updated();
"""

REBUILD = """
-- Both tables from scratch, set-based. The sort of every stance by (proposition, claimant, latest first) is the
-- whole cost: it is given the memory to run in RAM on a large corpus.
CREATE FUNCTION timeline_rebuild_proposition_tallies() RETURNS void LANGUAGE plpgsql SET work_mem = '256MB' AS $$
BEGIN
    TRUNCATE proposition_actor_stances, proposition_tallies;
    INSERT INTO proposition_actor_stances (proposition_id, actor_id, claim_id, stance, earliest)
    SELECT DISTINCT ON (s.proposition_id, c.claimant_id) s.proposition_id, c.claimant_id, c.id, s.stance, c.earliest
    FROM claim_stances AS s JOIN claims AS c ON c.id = s.claim_id
    ORDER BY s.proposition_id, c.claimant_id, c.earliest DESC, c.id DESC;
    INSERT INTO proposition_tallies
        (proposition_id, supporting_claims, opposing_claims, supporting_actors, opposing_actors)
    SELECT p.id, coalesce(claim_counts.supporting, 0), coalesce(claim_counts.opposing, 0),
           coalesce(actor_counts.supporting, 0), coalesce(actor_counts.opposing, 0)
    FROM propositions AS p
    LEFT JOIN (SELECT proposition_id, count(*) FILTER (WHERE stance = 'supports') AS supporting,
                      count(*) FILTER (WHERE stance = 'opposes') AS opposing
               FROM claim_stances GROUP BY proposition_id) AS claim_counts ON claim_counts.proposition_id = p.id
    LEFT JOIN (SELECT proposition_id, count(*) FILTER (WHERE stance = 'supports') AS supporting,
                      count(*) FILTER (WHERE stance = 'opposes') AS opposing
               FROM proposition_actor_stances GROUP BY proposition_id) AS actor_counts
           ON actor_counts.proposition_id = p.id
    ORDER BY p.id;
    -- Fresh tables have no statistics: without them the list joins the tallies by a guess.
    ANALYZE proposition_actor_stances, proposition_tallies;
END
$$;
"""

DOWNGRADE = """
DROP TRIGGER claims_tally_update ON claims;
DROP TRIGGER claim_stances_tally_delete ON claim_stances;
DROP TRIGGER claim_stances_tally_update ON claim_stances;
DROP TRIGGER claim_stances_tally_insert ON claim_stances;
DROP TRIGGER propositions_tally_insert ON propositions;
DROP FUNCTION timeline_rebuild_proposition_tallies();
DROP FUNCTION timeline_tally_propositions_inserted();
DROP FUNCTION timeline_tally_claims_updated();
DROP FUNCTION timeline_tally_claim_stances();
DROP FUNCTION timeline_apply_proposition_tallies(text[], text[], text[], text[], text[], integer[]);
DROP TABLE proposition_actor_stances;
DROP TABLE proposition_tallies;
"""


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(APPLY)
    op.execute(REBUILD)
    # Triggers first: creating them locks the tables against writes until the migration commits, so the backfill
    # sees every committed write and every later write goes through the triggers.
    op.execute(TRIGGER_FUNCTIONS)
    op.execute("SELECT timeline_rebuild_proposition_tallies()")


def downgrade() -> None:
    op.execute(DOWNGRADE)
