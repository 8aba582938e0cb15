"""The README's worked example runs against the story and answers what it says it answers."""

from __future__ import annotations

import re

import asyncpg

from api.loader import load_dataset_file
from api.pgcodecs import init_connection
from api.settings import project_root

README = project_root() / "README.md"


def peskov_query() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### What did Dmitry Peskov say about drone production, and when?", 1)[1]
    match = re.search(r"```sql\n(.*?)```", section, re.DOTALL)
    assert match, "the Peskov section has lost its SQL"
    return match.group(1)


async def test_the_peskov_query_lists_his_drone_statements_in_order(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await init_connection(conn)
        await load_dataset_file(conn, project_root() / "data" / "drone-story.yaml")
        rows = await conn.fetch(peskov_query())
        claimants = {
            r["claimant_id"]
            for r in await conn.fetch(
                "SELECT DISTINCT claimant_id FROM claims WHERE words = ANY($1::text[])", [r["words"] for r in rows]
            )
        }
    finally:
        await conn.close()
    assert claimants == {"dmitry-peskov"}
    assert rows[0]["said"] == "2022-10"
    assert any("propre programme de développement de drones" in r["words"] for r in rows)
    assert [r["kind"] for r in rows].count("denial") == 2
