"""The proposition tallies kept by migration 0009's triggers stay equal to a from-scratch count after any write.

The reference is the aggregate the propositions list ran before 0009 (every stance of every proposition, an actor's
current stance being the one of their latest claim, by `earliest` then claim id): each test compares the stored
tables with it, after writes through the HTTP API, the dataset loader, plain SQL and concurrent transactions.
"""

from __future__ import annotations

import asyncio
import copy
import random
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.database import create_pool
from api.loader import load_dataset_file
from api.settings import project_root
from api.writes import store
from api.writes.validate import to_item
from tests.factories_claims import DELIVERED, FACTORY, UNUSED, claims_dataset, load
from tests.story_factories import claim
from tests.write_helpers import bearer, make_key

Client = AsyncTestClient[Litestar]
STORY = project_root() / "data" / "drone-story.yaml"
PROPOSITIONS = [DELIVERED, FACTORY, UNUSED]
ACTORS = ["kremlin", "dmitry-peskov", "hossein-amir-abdollahian", "us-officials"]

# The propositions list's query before 0009, over every proposition.
REFERENCE_COUNTS = """
SELECT p.id::text, claim_counts.supporting_claims, claim_counts.opposing_claims,
       actor_counts.supporting_actors, actor_counts.opposing_actors
FROM propositions AS p
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE s.stance = 'supports') AS supporting_claims,
           count(*) FILTER (WHERE s.stance = 'opposes') AS opposing_claims
    FROM claim_stances AS s WHERE s.proposition_id = p.id) AS claim_counts
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE current.stance = 'supports') AS supporting_actors,
           count(*) FILTER (WHERE current.stance = 'opposes') AS opposing_actors
    FROM (SELECT DISTINCT ON (c.claimant_id) s.stance
            FROM claim_stances AS s JOIN claims AS c ON c.id = s.claim_id
           WHERE s.proposition_id = p.id
           ORDER BY c.claimant_id, c.earliest DESC, c.id DESC) AS current) AS actor_counts
ORDER BY p.id
"""
REFERENCE_CURRENT = """
SELECT DISTINCT ON (s.proposition_id, c.claimant_id) s.proposition_id::text, c.claimant_id::text, c.id::text,
       s.stance, c.earliest
FROM claim_stances AS s JOIN claims AS c ON c.id = s.claim_id
ORDER BY s.proposition_id, c.claimant_id, c.earliest DESC, c.id DESC
"""
STORED_COUNTS = """
SELECT proposition_id, supporting_claims, opposing_claims, supporting_actors, opposing_actors
FROM proposition_tallies ORDER BY proposition_id
"""
STORED_CURRENT = """
SELECT proposition_id, actor_id, claim_id, stance, earliest FROM proposition_actor_stances
ORDER BY proposition_id, actor_id
"""

Rows = list[tuple[Any, ...]]


async def stored(conn: asyncpg.Connection | asyncpg.Pool) -> tuple[Rows, Rows]:
    return [tuple(r) for r in await conn.fetch(STORED_COUNTS)], [tuple(r) for r in await conn.fetch(STORED_CURRENT)]


async def assert_exact(conn: asyncpg.Connection | asyncpg.Pool) -> dict[str, tuple[int, int, int, int]]:
    """The stored tables equal the reference; the counts by proposition."""
    counts, current = await stored(conn)
    assert counts == [tuple(r) for r in await conn.fetch(REFERENCE_COUNTS)]
    assert current == [tuple(r) for r in await conn.fetch(REFERENCE_CURRENT)]
    return {row[0]: row[1:] for row in counts}


async def listed(client: Client) -> dict[str, tuple[int, int, int, int]]:
    items = (await client.get("/v1/propositions", params={"limit": 200})).json()["items"]
    keys = ("supporting_claims", "opposing_claims", "supporting_actors", "opposing_actors")
    return {item["id"]: tuple(item[k] for k in keys) for item in items}


@pytest.fixture
async def token(pool: asyncpg.Pool, database_url: str) -> str:
    await load(pool, claims_dataset())
    return await make_key(database_url, "editor")


async def test_every_http_write_keeps_the_counts(client: Client, token: str, pool: asyncpg.Pool) -> None:
    """The claims story: on DELIVERED the Kremlin opposes; the minister denied, then admitted (supports)."""
    assert await assert_exact(pool) == await listed(client)
    merge = bearer(token, **{"If-Match": "*", "Content-Type": "application/merge-patch+json"})

    # POST a claim with stances: the Kremlin comes round on DELIVERED, and opposes FACTORY
    stances = [{"proposition": DELIVERED, "stance": "supports"}, {"proposition": FACTORY, "stance": "opposes"}]
    body = claim("kremlin-relents", "kremlin", when="2023-03-01", stances=stances)
    assert (await client.post("/v1/claims", json=body, headers=bearer(token))).status_code == 201
    counts = await assert_exact(pool)
    assert (counts[DELIVERED], counts[FACTORY]) == ((3, 2, 3, 0), (1, 1, 1, 1))
    assert counts == await listed(client)

    # PATCH its stances: it now opposes DELIVERED and says nothing of FACTORY
    patch = {"stances": [{"proposition": DELIVERED, "stance": "opposes"}]}
    response = await client.patch("/v1/claims/kremlin-relents", json=patch, headers=merge)
    assert response.status_code == 200, response.text
    counts = await assert_exact(pool)
    assert (counts[DELIVERED], counts[FACTORY]) == ((2, 3, 2, 1), (1, 0, 1, 0))

    # PATCH a date: the minister's denial moves after his admission and becomes his current stance
    patch = {"when": "2022-12-01"}
    assert (await client.patch("/v1/claims/fm-denies", json=patch, headers=merge)).status_code == 200
    counts = await assert_exact(pool)
    assert counts[DELIVERED] == (2, 3, 1, 2)

    # PATCH a claimant: the admission becomes the US officials' (who already support); the minister keeps his denial
    patch = {"claimant": "us-officials"}
    assert (await client.patch("/v1/claims/fm-admits", json=patch, headers=merge)).status_code == 200
    counts = await assert_exact(pool)
    assert counts[DELIVERED] == (2, 3, 1, 2)
    # …and back to the minister, whose date is then moved before the admission again: he supports once more
    patch = {"claimant": "hossein-amir-abdollahian"}
    assert (await client.patch("/v1/claims/fm-admits", json=patch, headers=merge)).status_code == 200
    assert (await client.patch("/v1/claims/fm-denies", json={"when": "2022-10-25"}, headers=merge)).status_code == 200
    counts = await assert_exact(pool)
    assert counts[DELIVERED] == (2, 3, 2, 1)

    # DELETE: the Kremlin's later claim goes, its earlier one (opposes) is its current stance again
    assert (await client.delete("/v1/claims/kremlin-relents", headers=merge)).status_code == 204
    counts = await assert_exact(pool)
    assert counts[DELIVERED] == (2, 2, 2, 1)
    assert (await client.delete("/v1/claims/kremlin-own-drones", headers=merge)).status_code == 204
    counts = await assert_exact(pool)
    assert counts == {DELIVERED: (2, 1, 2, 0), FACTORY: (1, 0, 1, 0), UNUSED: (0, 0, 0, 0)}
    assert counts == await listed(client)

    # a new proposition lists zeros at once; deleting it takes its tally with it
    proposition = {"id": "new-proposition", "text": {"en": "Something new"}}
    assert (await client.post("/v1/propositions", json=proposition, headers=bearer(token))).status_code == 201
    assert (await assert_exact(pool))["new-proposition"] == (0, 0, 0, 0)
    assert (await client.delete("/v1/propositions/new-proposition", headers=merge)).status_code == 204
    assert "new-proposition" not in await assert_exact(pool)


async def test_a_dataset_reload_that_changes_a_stance(pool: asyncpg.Pool) -> None:
    dataset = claims_dataset()
    await load(pool, dataset)
    assert (await assert_exact(pool))[DELIVERED] == (2, 2, 2, 1)
    edited = copy.deepcopy(dataset)
    fm_admits = next(c for c in edited["claims"] if c["id"] == "fm-admits")
    fm_admits["stances"] = [
        {"proposition": DELIVERED, "stance": "opposes"},
        {"proposition": FACTORY, "stance": "opposes"},
    ]
    await load(pool, edited)
    counts = await assert_exact(pool)
    assert (counts[DELIVERED], counts[FACTORY]) == ((1, 3, 1, 2), (1, 1, 1, 1))
    edited["claims"] = [c for c in edited["claims"] if c["id"] not in ("zelensky-factory", "kremlin-own-drones")]
    await load(pool, edited)  # the file no longer holds them: the loader removes them
    counts = await assert_exact(pool)
    assert (counts[DELIVERED], counts[FACTORY]) == ((1, 2, 1, 1), (0, 1, 0, 1))


async def test_the_story_tallies_equal_the_reference_and_the_rebuild(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await load_dataset_file(conn, STORY)
    counts = await assert_exact(pool)
    assert len(counts) == 9 and any(sum(c) > 0 for c in counts.values())
    by_triggers = await stored(pool)
    await pool.execute("SELECT timeline_rebuild_proposition_tallies()")
    assert await stored(pool) == by_triggers


class Writes:
    """Random writes of every shape the triggers see, in plain SQL, on a few actors, propositions and dates."""

    DATES = (date(2022, 10, 1), date(2022, 10, 1), date(2022, 11, 5), date(2023, 1, 10), date(2023, 2, 5))

    def __init__(self, conn: asyncpg.Connection, seed: int) -> None:
        self.conn = conn
        self.rng = random.Random(seed)
        self.created: list[str] = []
        self.numbered = 0

    async def claim_ids(self) -> list[str]:
        return [r["id"] for r in await self.conn.fetch("SELECT id FROM claims ORDER BY id")]

    async def stances(self) -> list[asyncpg.Record]:
        return list(await self.conn.fetch("SELECT * FROM claim_stances ORDER BY claim_id, proposition_id"))

    async def create_claim(self) -> None:
        """A claim and 0 to 3 stances, the stances in one multi-row statement."""
        self.numbered += 1
        claim_id = f"random-{self.numbered}"
        day = self.rng.choice(self.DATES)
        await self.conn.execute(
            """INSERT INTO claims (id, claimant_id, kind, when_edtf, earliest, latest, words, language, quote_type)
               VALUES ($1, $2, 'assertion', $3, $4, $4, 'w', 'en', 'direct')""",
            claim_id,
            self.rng.choice(ACTORS),
            day.isoformat(),
            day,
        )
        self.created.append(claim_id)
        chosen = self.rng.sample(PROPOSITIONS, self.rng.randrange(4))
        sides = [self.rng.choice(["supports", "opposes"]) for _ in chosen]
        await self.conn.execute(
            "INSERT INTO claim_stances SELECT $1, p, s FROM unnest($2::text[], $3::text[]) AS x (p, s)",
            claim_id,
            chosen,
            sides,
        )

    async def add_stance(self) -> None:
        await self.conn.execute(
            "INSERT INTO claim_stances VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            self.rng.choice(await self.claim_ids()),
            self.rng.choice(PROPOSITIONS),
            self.rng.choice(["supports", "opposes"]),
        )

    async def delete_stances(self) -> None:
        chosen = [r for r in await self.stances() if self.rng.random() < 0.2]
        await self.conn.execute(
            """DELETE FROM claim_stances
               WHERE (claim_id, proposition_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))""",
            [r["claim_id"] for r in chosen],
            [r["proposition_id"] for r in chosen],
        )

    async def flip_stances(self) -> None:
        chosen = [r["claim_id"] for r in await self.stances() if self.rng.random() < 0.3]
        await self.conn.execute(
            """UPDATE claim_stances SET stance = CASE stance WHEN 'supports' THEN 'opposes' ELSE 'supports' END
               WHERE claim_id = ANY($1::text[])""",
            chosen,
        )

    async def move_stance(self) -> None:
        row = self.rng.choice(await self.stances() or [None])
        if row is not None:
            await self.conn.execute(
                """UPDATE claim_stances SET proposition_id = $3 WHERE claim_id = $1 AND proposition_id = $2
                   AND NOT EXISTS (SELECT 1 FROM claim_stances WHERE claim_id = $1 AND proposition_id = $3)""",
                row["claim_id"],
                row["proposition_id"],
                self.rng.choice(PROPOSITIONS),
            )

    async def redate_claims(self) -> None:
        """Several claims re-dated and some re-attributed in one statement."""
        chosen = [c for c in await self.claim_ids() if self.rng.random() < 0.3]
        days = [self.rng.choice(self.DATES) for _ in chosen]
        claimants = [self.rng.choice([*ACTORS, None]) for _ in chosen]
        await self.conn.execute(
            """UPDATE claims AS c SET earliest = x.day, latest = greatest(x.day, c.latest),
                                      claimant_id = coalesce(x.claimant, c.claimant_id)
               FROM unnest($1::text[], $2::date[], $3::text[]) AS x (id, day, claimant) WHERE c.id = x.id""",
            chosen,
            days,
            claimants,
        )

    async def touch_claims(self) -> None:
        """An update that changes neither date nor claimant."""
        await self.conn.execute(
            "UPDATE claims SET words = words || '.' WHERE id = $1", self.rng.choice(await self.claim_ids())
        )

    async def delete_claims(self) -> None:
        chosen = [c for c in self.created if self.rng.random() < 0.3]
        await self.conn.execute("DELETE FROM claims WHERE id = ANY($1::text[])", chosen)
        self.created = [c for c in self.created if c not in chosen]

    async def rolled_back(self) -> None:
        """Writes undone: a savepoint rolled back inside a committed transaction, then a whole transaction."""
        async with self.conn.transaction():
            await self.create_claim()
            savepoint = self.conn.transaction()
            await savepoint.start()
            await self.flip_stances()
            await self.redate_claims()
            await savepoint.rollback()
        created = list(self.created)
        transaction = self.conn.transaction()
        await transaction.start()
        await self.delete_stances()
        await self.delete_claims()
        await transaction.rollback()
        self.created = created

    async def step(self) -> str:
        operation = self.rng.choice(
            [self.create_claim] * 3
            + [self.add_stance, self.delete_stances, self.flip_stances, self.move_stance, self.redate_claims]
            + [self.touch_claims, self.delete_claims, self.rolled_back]
        )
        await operation()
        return operation.__name__


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_after_random_writes_the_tallies_equal_a_recount(pool: asyncpg.Pool, seed: int) -> None:
    await load(pool, claims_dataset())
    async with pool.acquire() as conn:
        writes = Writes(conn, seed)
        for number in range(80):
            operation = await writes.step()
            try:
                await assert_exact(conn)
            except AssertionError as exc:
                raise AssertionError(f"after write {number} ({operation}), seed {seed}") from exc
        by_triggers = await stored(conn)
        assert len(by_triggers[1]) > 3  # the writes left actors standing somewhere
        await conn.execute("SELECT timeline_rebuild_proposition_tallies()")
        assert await stored(conn) == by_triggers


@pytest.fixture
async def wide_pool(database_url: str, pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Pool]:
    await load(pool, claims_dataset())
    wide = await create_pool(database_url, min_size=2, max_size=10)
    try:
        yield wide
    finally:
        await wide.close()


async def wait_until_blocked(pool: asyncpg.Pool, pid: int) -> None:
    """Until the backend `pid` waits for a lock (the other transaction holds the tally row)."""
    for _ in range(3000):
        if await pool.fetchval("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", pid) == "Lock":
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the second transaction never waited for the first")


async def test_two_transactions_on_one_actor_and_proposition(wide_pool: asyncpg.Pool) -> None:
    """The later claim commits first, the earlier one was written meanwhile without seeing it: the later one wins."""
    later = claim(
        "kremlin-later", "kremlin", when="2023-05-01", stances=[{"proposition": FACTORY, "stance": "supports"}]
    )
    earlier = claim(
        "kremlin-earlier", "kremlin", when="2023-04-01", stances=[{"proposition": FACTORY, "stance": "opposes"}]
    )
    async with wide_pool.acquire() as first, wide_pool.acquire() as second:
        first_tx, second_tx = first.transaction(), second.transaction()
        await first_tx.start()
        await second_tx.start()
        await second.fetchval("SELECT 1")  # the second's snapshot predates the first's commit
        await store.save(first, "claims", [to_item("claims", later)], {"kremlin-later": "create"}, "one")
        blocked = asyncio.create_task(
            store.save(second, "claims", [to_item("claims", earlier)], {"kremlin-earlier": "create"}, "two")
        )
        await wait_until_blocked(wide_pool, second.get_server_pid())
        await first_tx.commit()
        await blocked
        await second_tx.commit()
    counts = await assert_exact(wide_pool)
    assert counts[FACTORY] == (2, 1, 2, 0)  # Zelensky and the Kremlin (its later claim) support
    assert (
        await wide_pool.fetchval(
            "SELECT claim_id FROM proposition_actor_stances WHERE proposition_id = $1 AND actor_id = 'kremlin'", FACTORY
        )
        == "kremlin-later"
    )


async def test_concurrent_writers_through_the_write_path_leave_exact_counts(wide_pool: asyncpg.Pool) -> None:
    """Eight writers create, re-date and delete claims of the same two actors on the same proposition at once."""

    async def writer(number: int) -> None:
        rng = random.Random(number)
        mine: list[str] = []
        for i in range(20):
            async with wide_pool.acquire() as conn, conn.transaction():
                if mine and rng.random() < 0.25:
                    await store.remove(conn, "claims", [mine.pop(rng.randrange(len(mine)))], f"w{number}")
                    continue
                claim_id = mine[-1] if mine and rng.random() < 0.3 else f"w{number}-{i}"
                body = claim(
                    claim_id,
                    rng.choice(["kremlin", "dmitry-peskov"]),
                    when=f"2023-0{rng.randrange(1, 4)}-1{rng.randrange(3)}",
                    stances=[{"proposition": DELIVERED, "stance": rng.choice(["supports", "opposes"])}],
                )
                operation: Any = "update" if claim_id in mine else "create"
                await store.save(conn, "claims", [to_item("claims", body)], {claim_id: operation}, f"w{number}")
                await asyncio.sleep(rng.uniform(0, 0.005))  # hold the transaction open: the others queue
                mine += [] if claim_id in mine else [claim_id]

    await asyncio.gather(*(writer(n) for n in range(8)))
    counts = await assert_exact(wide_pool)
    assert sum(counts[DELIVERED][:2]) > 20
