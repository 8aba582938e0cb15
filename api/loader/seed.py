"""Serve the story out of the box: load the shipped dataset into an empty database."""

from __future__ import annotations

import asyncpg

from api.loader.load import LoadReport, load_dataset
from api.pgcodecs import init_connection
from api.queries.dataset import count_story_rows
from schema.story import Dataset


async def load_if_empty(url: str, dataset: Dataset) -> LoadReport | None:
    """Load `dataset` when the database holds no actor, event or claim (never overwrite); None when it held data."""
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        if await count_story_rows(conn) > 0:
            return None
        return await load_dataset(conn, dataset)
    finally:
        await conn.close()
