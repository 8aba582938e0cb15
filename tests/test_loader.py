"""The dataset loader, through a real database: all or nothing, idempotent, updates and removals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.loader import DatasetError, load_dataset_file
from api.pgcodecs import init_connection
from tests.story_factories import actor, claim, small_dataset, write_dataset

STORY_TABLES = (
    "actors",
    "actor_affiliations",
    "places",
    "sources",
    "propositions",
    "events",
    "event_participants",
    "claims",
    "claim_reporting",
    "claim_events",
    "claim_stances",
    "claim_links",
    "citations",
    "dataset_items",
)


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database_url)
    await init_connection(connection)
    yield connection
    await connection.close()


async def row_counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {table: await conn.fetchval(f"SELECT count(*) FROM {table}") for table in STORY_TABLES}


async def snapshot(conn: asyncpg.Connection) -> dict[str, list[Any]]:
    """Every row of every story table, versions and timestamps included."""
    return {
        table: sorted((tuple(r) for r in await conn.fetch(f"SELECT * FROM {table}")), key=repr)
        for table in STORY_TABLES
    }


async def test_loads_every_kind_of_item(conn: asyncpg.Connection, tmp_path: Path) -> None:
    report = await load_dataset_file(conn, write_dataset(tmp_path / "d.yaml", small_dataset()))

    assert {kind: c.created for kind, c in report.counts.items()} == {
        "actors": 3,
        "places": 1,
        "sources": 1,
        "propositions": 1,
        "events": 2,
        "claims": 3,
        "citations": 2,
    }
    counts = await row_counts(conn)
    assert counts["actor_affiliations"] == 1
    assert counts["event_participants"] == 1
    assert counts["claim_reporting"] == 1
    assert counts["claim_stances"] == 1
    assert counts["claim_links"] == 1
    decree = await conn.fetchrow("SELECT when_edtf, earliest, latest, title FROM events WHERE id = 'decree'")
    assert (decree["when_edtf"], str(decree["earliest"]), str(decree["latest"])) == (
        "2022-12~",
        "2022-12-01",
        "2022-12-31",
    )
    assert decree["title"] == {"en": "Decree", "fr": "Décret"}
    cited = await conn.fetchval("SELECT claim_id FROM citations WHERE id = 'peskov-own-programmes@doc-1'")
    assert cited == "peskov-own-programmes"


async def test_error_in_last_item_loads_nothing(conn: asyncpg.Connection, tmp_path: Path) -> None:
    data = small_dataset()
    data["claims"].append(claim("last-one", "peskov"))
    path = write_dataset(tmp_path / "d.yaml", data)

    with pytest.raises(DatasetError) as refused:
        await load_dataset_file(conn, path)

    assert refused.value.errors == ["claims[3].claimant: unknown actor 'peskov'"]
    assert set((await row_counts(conn)).values()) == {0}


async def test_every_error_is_listed(conn: asyncpg.Connection, tmp_path: Path) -> None:
    data = small_dataset()
    data["actors"].append(actor("kremlin"))
    data["events"][0]["participants"].append({"actor": "nobody", "role": "speaker"})
    data["claims"][0]["stances"][0]["proposition"] = "missing"
    data["claims"][2]["links"][0]["claim"] = "ghost"

    with pytest.raises(DatasetError) as refused:
        await load_dataset_file(conn, write_dataset(tmp_path / "d.yaml", data))

    assert refused.value.errors == [
        "actors[3].id: duplicate id 'kremlin' (also actors[0])",
        "events[0].participants[1].actor: unknown actor 'nobody'",
        "claims[0].stances[0].proposition: unknown proposition 'missing'",
        "claims[2].links[0].claim: unknown claim 'ghost'",
    ]
    assert set((await row_counts(conn)).values()) == {0}


async def test_type_errors_name_item_and_field(conn: asyncpg.Connection, tmp_path: Path) -> None:
    data = small_dataset()
    data["events"][1]["when"] = "2022-13"
    data["claims"][1]["kind"] = "rumour"
    data["claims"][2]["citations"] = [{"source": "doc-1", "quote": "x" * 301, "start": 0, "end": 301}]

    with pytest.raises(DatasetError) as refused:
        await load_dataset_file(conn, write_dataset(tmp_path / "d.yaml", data))

    assert refused.value.errors == [
        "events[1].when: not an EDTF date: '2022-13'",
        "claims[1].kind: Invalid enum value 'rumour'",
        "claims[2].citations[0].quote: Expected `str` of length <= 300",
    ]
    assert set((await row_counts(conn)).values()) == {0}


async def test_reloading_the_same_file_changes_nothing(conn: asyncpg.Connection, tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "d.yaml", small_dataset())
    await load_dataset_file(conn, path)
    before = await snapshot(conn)

    report = await load_dataset_file(conn, path)

    assert all(c.created == c.updated == c.removed == 0 for c in report.counts.values())
    assert report.counts["claims"].unchanged == 3
    assert await snapshot(conn) == before


async def test_edited_file_updates_and_removes_only_what_changed(conn: asyncpg.Connection, tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "d.yaml", small_dataset())
    await load_dataset_file(conn, path)
    data = small_dataset()
    data["claims"][0]["words"] = "Nous avons nos propres programmes de développement"
    data["claims"][0]["stances"] = []
    data["claims"].pop(2)  # kremlin-repeats
    data["events"].pop(1)  # decree
    data["actors"][1]["affiliations"][0]["role"] = "press secretary"

    report = await load_dataset_file(conn, write_dataset(path, data))

    assert (report.counts["claims"].updated, report.counts["claims"].removed) == (1, 1)
    assert report.counts["claims"].unchanged == 1
    assert (report.counts["events"].removed, report.counts["events"].unchanged) == (1, 1)
    assert (report.counts["actors"].updated, report.counts["actors"].unchanged) == (1, 2)
    assert report.counts["citations"].unchanged == 2
    claim_row = await conn.fetchrow("SELECT words, version FROM claims WHERE id = 'peskov-own-programmes'")
    assert claim_row["words"].endswith("de développement") and claim_row["version"] == 2
    assert await conn.fetchval("SELECT version FROM claims WHERE id = 'kremlin-statement'") == 1
    assert await conn.fetchval("SELECT count(*) FROM claim_stances") == 0
    assert await conn.fetchval("SELECT count(*) FROM claims WHERE id = 'kremlin-repeats'") == 0
    assert await conn.fetchval("SELECT count(*) FROM claim_links") == 0
    assert await conn.fetchval("SELECT count(*) FROM events WHERE id = 'decree'") == 0
    assert await conn.fetchval("SELECT role FROM actor_affiliations") == "press secretary"
    assert await conn.fetchval("SELECT count(*) FROM dataset_items WHERE item_id = 'decree'") == 0


async def test_items_created_another_way_are_never_touched(conn: asyncpg.Connection, tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "d.yaml", small_dataset())
    await load_dataset_file(conn, path)
    await conn.execute("INSERT INTO actors (id, kind, name) VALUES ('hand-made', 'person', 'Hand Made')")
    await conn.execute(
        "INSERT INTO claims (id, claimant_id, kind, when_edtf, earliest, latest, words, language, quote_type)"
        " VALUES ('hand-claim', 'kremlin', 'assertion', '2023', '2023-01-01', '2023-12-31', 'x', 'en', 'paraphrase')"
    )

    await load_dataset_file(conn, path)
    assert await conn.fetchval("SELECT count(*) FROM actors WHERE id = 'hand-made'") == 1

    redefined = small_dataset()
    redefined["actors"].append(actor("hand-made"))
    with pytest.raises(DatasetError) as refused:
        await load_dataset_file(conn, write_dataset(path, redefined))
    assert refused.value.errors == [
        "actors[3].id: 'hand-made' already exists and does not belong to dataset 'test-story'"
    ]


async def test_removal_blocked_by_other_rows_rolls_everything_back(conn: asyncpg.Connection, tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "d.yaml", small_dataset())
    await load_dataset_file(conn, path)
    await conn.execute(
        "INSERT INTO claims (id, claimant_id, kind, when_edtf, earliest, latest, words, language, quote_type)"
        " VALUES ('hand-claim', 'news-outlet', 'report', '2023', '2023-01-01', '2023-12-31', 'x', 'en', 'paraphrase')"
    )
    before = await snapshot(conn)
    data = small_dataset()
    data["actors"].pop(2)  # news-outlet, still the claimant of hand-claim
    data["sources"][0].pop("outlet")
    data["claims"][0].pop("reported_via")
    data["claims"][1]["words"] = "changed"

    with pytest.raises(DatasetError) as refused:
        await load_dataset_file(conn, write_dataset(path, data))

    assert refused.value.errors[0].startswith("actors: cannot remove news-outlet: still referenced")
    assert await snapshot(conn) == before


async def test_two_datasets_keep_to_their_own_items(conn: asyncpg.Connection, tmp_path: Path) -> None:
    await load_dataset_file(conn, write_dataset(tmp_path / "a.yaml", small_dataset("story-a")))
    other = {
        "dataset": "story-b",
        "actors": [actor("someone-else")],
        "claims": [claim("else-says", "someone-else", links=[{"claim": "kremlin-statement", "relation": "confirms"}])],
    }
    await load_dataset_file(conn, write_dataset(tmp_path / "b.yaml", other))

    report = await load_dataset_file(conn, write_dataset(tmp_path / "b.yaml", {"dataset": "story-b"}))

    assert report.counts["actors"].removed == 1 and report.counts["claims"].removed == 1
    assert await conn.fetchval("SELECT count(*) FROM claims") == 3


async def test_loads_leave_revisions_and_changes_under_the_key_loader(conn: asyncpg.Connection, tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "d.yaml", small_dataset())
    await load_dataset_file(conn, path)
    items = await conn.fetchval("SELECT count(*) FROM dataset_items")
    assert await conn.fetchval("SELECT count(*) FROM revisions WHERE key_name = 'loader'") == items
    assert await conn.fetchval("SELECT count(*) FROM changes") == items
    state = await conn.fetchval("SELECT state FROM revisions WHERE resource_id = 'dmitry-peskov'")
    assert state["affiliations"] == [{"actor": "kremlin", "role": "spokesman", "start": "2012", "end": None}]

    await load_dataset_file(conn, path)  # unchanged: nothing recorded
    assert await conn.fetchval("SELECT count(*) FROM changes") == items

    data = small_dataset()
    data["claims"] = [c for c in data["claims"] if c["id"] != "kremlin-repeats"]
    data["events"][1]["title"] = {"en": "Decree, renamed"}
    await load_dataset_file(conn, write_dataset(path, data))
    recorded = await conn.fetch("SELECT resource_id, operation, version FROM changes ORDER BY id DESC LIMIT 2")
    assert {tuple(r) for r in recorded} == {("decree", "upsert", 2), ("kremlin-repeats", "delete", 2)}
    assert await conn.fetchval("SELECT version FROM tombstones WHERE resource_id = 'kremlin-repeats'") == 2
    assert await conn.fetchval("SELECT state FROM revisions WHERE resource_id = 'decree' AND version = 2") == {
        **(await conn.fetchval("SELECT state FROM revisions WHERE resource_id = 'decree' AND version = 1")),
        "title": {"en": "Decree, renamed"},
    }


async def test_a_refused_load_records_no_revision(conn: asyncpg.Connection, tmp_path: Path) -> None:
    data = small_dataset()
    data["claims"].append(claim("last", "nobody"))
    with pytest.raises(DatasetError):
        await load_dataset_file(conn, write_dataset(tmp_path / "bad.yaml", data))
    assert await conn.fetchval("SELECT count(*) FROM revisions") == 0
    assert await conn.fetchval("SELECT count(*) FROM changes") == 0


async def test_a_place_needs_both_coordinates_or_none(conn: asyncpg.Connection, tmp_path: Path) -> None:
    data = small_dataset()
    data["places"][0].pop("longitude")
    with pytest.raises(DatasetError) as refused:
        await load_dataset_file(conn, write_dataset(tmp_path / "d.yaml", data))
    assert refused.value.errors == ["places[0].longitude: latitude and longitude go together"]
