"""The shipped story dataset: it loads, covers the documents, and its quotes are verbatim."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from click.testing import CliRunner

from api.loader import load_dataset_file
from api.loader.cli import load_command, verify_quotes_at, verify_quotes_command
from api.pgcodecs import init_connection
from api.settings import project_root
from tests.story_factories import claim, small_dataset, write_dataset

STORY = project_root() / "data" / "drone-story.yaml"
SEEDS = project_root().parent / "shared" / "seeds"

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"source documents not found at {SEEDS}")


@pytest.fixture
async def story(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    await load_dataset_file(conn, STORY)
    yield conn
    await conn.close()


async def test_story_meets_its_coverage_floor(story: asyncpg.Connection) -> None:
    counts = {
        table: await story.fetchval(f"SELECT count(*) FROM {table}")
        for table in ("events", "actors", "claims", "citations", "propositions", "sources")
    }
    assert counts["events"] >= 20
    assert counts["actors"] >= 30
    assert counts["claims"] >= 40
    assert counts["citations"] >= 60
    assert counts["propositions"] >= 5
    assert counts["sources"] == 5


@needs_seeds
async def test_the_wsj_report_is_one_claim_cited_once_per_document_telling_it(story: asyncpg.Connection) -> None:
    telling = {path.name for path in SEEDS.iterdir() if "Wall Street Journal" in path.read_text(encoding="utf-8")}
    cited_by = await story.fetch(
        """
        SELECT c.id, array_agg(DISTINCT s.document) AS documents
        FROM claims AS c
        JOIN claim_reporting AS r ON r.claim_id = c.id AND r.actor_id = 'wall-street-journal'
        JOIN citations AS ci ON ci.claim_id = c.id
        JOIN sources AS s ON s.id = ci.source_id
        WHERE c.id = 'wsj-officials-yelabuga-factory-plan' OR c.words LIKE '%usine en Russie%6 000%'
        GROUP BY c.id
        """
    )
    assert len(cited_by) == 1, "the WSJ's 6,000-drone factory report must be one claim, not one per outlet"
    assert set(cited_by[0]["documents"]) == telling


async def test_every_source_is_cited_and_every_claim_is_backed(story: asyncpg.Connection) -> None:
    uncited_sources = await story.fetchval(
        "SELECT count(*) FROM sources AS s WHERE NOT EXISTS (SELECT 1 FROM citations WHERE source_id = s.id)"
    )
    unbacked = await story.fetchval(
        "SELECT count(*) FROM claims AS c WHERE NOT EXISTS (SELECT 1 FROM citations WHERE claim_id = c.id)"
    )
    assert (uncited_sources, unbacked) == (0, 0)


@needs_seeds
async def test_verify_quotes_passes_on_the_story(story: asyncpg.Connection, database_url: str) -> None:
    report = await verify_quotes_at(database_url, SEEDS)
    assert report.failures == []
    assert report.checked == await story.fetchval("SELECT count(*) FROM citations")


@needs_seeds
async def test_verify_quotes_catches_an_altered_quote(story: asyncpg.Connection, database_url: str) -> None:
    altered = await story.fetchval(
        "UPDATE citations SET quote = quote || ' !' WHERE id = (SELECT min(id) FROM citations) RETURNING id"
    )
    report = await verify_quotes_at(database_url, SEEDS)
    assert [failure.split(":")[0] for failure in report.failures] == [altered]


@needs_seeds
async def test_verify_quotes_catches_a_changed_document(
    story: asyncpg.Connection, database_url: str, tmp_path: Path
) -> None:
    documents = tmp_path / "seeds"
    shutil.copytree(SEEDS, documents)
    victim = sorted(documents.iterdir())[0]
    victim.write_text(victim.read_text(encoding="utf-8") + " ", encoding="utf-8")
    report = await verify_quotes_at(database_url, documents)
    cited_there = await story.fetchval(
        "SELECT count(*) FROM citations JOIN sources ON sources.id = source_id WHERE document = $1",
        victim.name,
    )
    assert len(report.failures) == cited_there > 0
    assert all("SHA-256" in failure for failure in report.failures)


def test_cli_load_refuses_a_bad_file_with_exit_2(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner(env={"DATABASE_URL": database_url})
    data = small_dataset()
    data["claims"].append(claim("last", "peskov"))
    result = runner.invoke(load_command, [str(write_dataset(tmp_path / "bad.yaml", data))])
    assert result.exit_code == 2
    assert "claims[3].claimant: unknown actor 'peskov'" in result.output
    assert "nothing was loaded" in result.output


def test_cli_load_prints_counts_then_verify_quotes_runs(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner(env={"DATABASE_URL": database_url})
    path = write_dataset(tmp_path / "ok.yaml", small_dataset())
    first = runner.invoke(load_command, [str(path)])
    second = runner.invoke(load_command, [str(path)])
    assert first.exit_code == second.exit_code == 0
    assert "claims        created    3  updated    0  removed    0  unchanged    0" in first.output
    assert "claims        created    0  updated    0  removed    0  unchanged    3" in second.output
    documents = tmp_path / "docs"
    documents.mkdir()
    verify = runner.invoke(verify_quotes_command, ["--documents", str(documents)])
    assert verify.exit_code == 1  # the small dataset's source names no document: nothing verified
    assert "0 citation(s) checked" in verify.output
