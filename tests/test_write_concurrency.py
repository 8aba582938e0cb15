"""Concurrency: optimistic locking loses no update, idempotent retries create once, the feed misses nothing."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest

from api.database import create_pool
from api.queries.changes import FeedFilter, list_changes
from api.writes import http, store
from api.writes.errors import WriteError
from api.writes.etag import parse_if_match
from schema.story import PropositionIn
from tests.write_helpers import fetchval, load_small_story

WRITERS = 8
WRITES_EACH = 200


@pytest.fixture
async def wide_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    await load_small_story(database_url)
    pool = await create_pool(database_url, min_size=WRITERS + 2, max_size=WRITERS + 2)
    try:
        yield pool
    finally:
        await pool.close()


async def patch_tags(pool: asyncpg.Pool, tag: str, version: int) -> int:
    """One editor's read-modify-write: add `tag` to the event's tags at `version`; the new version."""
    row = await pool.fetchrow("SELECT tags FROM events WHERE id = 'decree'")
    assert row is not None
    body = msgspec.json.encode({"tags": [*row["tags"], tag]})
    response = await http.update(pool, "events", "decree", body, parse_if_match(f'"v{version}"'), "editor")
    return int(response.headers["ETag"].strip('"v'))


async def test_concurrent_patches_at_one_version_one_wins_the_rest_412_and_no_update_is_lost(
    wide_pool: asyncpg.Pool, database_url: str
) -> None:
    editors = [f"tag-{n}" for n in range(20)]
    results = await asyncio.gather(*(patch_tags(wide_pool, tag, 1) for tag in editors), return_exceptions=True)
    winners = [tag for tag, result in zip(editors, results, strict=True) if result == 2]
    refused = [r for r in results if isinstance(r, WriteError)]
    assert len(winners) == 1
    assert len(refused) == len(editors) - 1 and {r.status for r in refused} == {412}
    assert await fetchval(database_url, "SELECT tags FROM events WHERE id = 'decree'") == winners

    async def retry_until_applied(tag: str) -> None:
        while True:
            version = await fetchval(database_url, "SELECT version FROM events WHERE id = 'decree'")
            try:
                await patch_tags(wide_pool, tag, version)
                return
            except WriteError as exc:
                assert exc.status == 412

    await asyncio.gather(*(retry_until_applied(tag) for tag in editors if tag not in winners))
    assert sorted(await fetchval(database_url, "SELECT tags FROM events WHERE id = 'decree'")) == sorted(editors)
    assert await fetchval(database_url, "SELECT version FROM events WHERE id = 'decree'") == len(editors) + 1
    revisions = "SELECT count(*) FROM revisions WHERE resource_type = 'events' AND resource_id = 'decree'"
    assert await fetchval(database_url, revisions) == len(editors) + 1


async def test_concurrent_retries_of_one_idempotency_key_create_once(
    wide_pool: asyncpg.Pool, database_url: str
) -> None:
    body = (
        b'{"id": "same-claim", "claimant": "kremlin", "kind": "assertion", "when": "2023", "words": "x", '
        b'"language": "en", "quote_type": "paraphrase"}'
    )
    responses = await asyncio.gather(*(http.create(wide_pool, "claims", body, "editor", "key-1") for _ in range(8)))
    assert {(r.status_code, r.content) for r in responses} == {(201, responses[0].content)}
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 7
    assert await fetchval(database_url, "SELECT count(*) FROM revisions WHERE resource_id = 'same-claim'") == 1
    with pytest.raises(WriteError) as refused:
        await http.create(wide_pool, "claims", body.replace(b'"x"', b'"y"'), "editor", "key-1")
    assert refused.value.status == 422
    # The same key of another API key is another request.
    other = await http.create(wide_pool, "claims", body.replace(b"same-claim", b"other-claim"), "bot", "key-1")
    assert other.status_code == 201


class Rollback(Exception):
    pass


async def writer(pool: asyncpg.Pool, number: int, committed: set[str], rolled_back: set[str]) -> None:
    """200 writes: creates then updates of its own propositions; some hold the transaction open, some roll back."""
    rng = random.Random(number)
    versions: dict[str, int] = {}
    for i in range(WRITES_EACH):
        resource_id = f"w{number}-p{rng.randrange(12)}"
        operation: Any = "update" if resource_id in versions else "create"
        text = f"writer {number} write {i}"  # identifies the write (a rolled-back version number is reused)
        item = PropositionIn(id=resource_id, text={"en": text})
        try:
            async with pool.acquire() as conn, conn.transaction():
                recorded = await store.save(conn, "propositions", [item], {resource_id: operation}, f"writer-{number}")
                if rng.random() < 0.3:
                    await asyncio.sleep(rng.uniform(0.001, 0.008))
                if rng.random() < 0.1:
                    raise Rollback
        except Rollback:
            rolled_back.add(text)
            continue
        versions[resource_id] = recorded[0].version
        committed.add(text)


async def test_a_poller_sees_every_committed_change_exactly_once_and_no_rolled_back_one(
    wide_pool: asyncpg.Pool, database_url: str
) -> None:
    start_after = await fetchval(database_url, "SELECT max(id) FROM changes")
    committed: set[str] = set()
    rolled_back: set[str] = set()
    seen: list[str] = []
    positions: list[tuple[int, int]] = []
    done = asyncio.Event()
    polls = 0

    async def poll() -> None:
        nonlocal polls
        after = None
        while True:
            finished = done.is_set()
            rows = await list_changes(wide_pool, FeedFilter(after=after, types=["propositions"]), 500)
            polls += 1
            for row in rows:
                positions.append((row.txid, row.id))
                if row.id > start_after:
                    assert row.state is not None
                    seen.append(row.state["text"]["en"])
            if rows:
                after = (rows[-1].txid, rows[-1].id)
            elif finished:
                return

    started = time.perf_counter()
    poller = asyncio.create_task(poll())
    await asyncio.gather(*(writer(wide_pool, n, committed, rolled_back) for n in range(WRITERS)))
    done.set()
    await poller
    elapsed = time.perf_counter() - started

    assert positions == sorted(positions), "the feed went backwards"
    assert len(seen) == len(set(seen)), "a change was served twice"
    assert set(seen) == committed, f"missed {len(committed - set(seen))}, unexpected {len(set(seen) - committed)}"
    assert not set(seen) & rolled_back
    assert len(committed) + len(rolled_back) == WRITERS * WRITES_EACH
    print(f"\nfeed: {len(committed)} committed, {len(rolled_back)} rolled back, {polls} polls, {elapsed:.1f} s")
