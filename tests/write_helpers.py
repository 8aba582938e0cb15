"""Helpers of the write tests: API keys straight into the database, and the small story loaded."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from api.auth import hash_token, new_token
from api.loader.load import load_dataset
from api.loader.read import parse_dataset
from api.pgcodecs import init_connection
from tests.story_factories import small_dataset


async def connect(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    return conn


async def make_key(url: str, name: str, scope: str = "write") -> str:
    """Create an API key; return its token."""
    token = new_token()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO api_keys (name, token_hash, scope) VALUES ($1, $2, $3)", name, hash_token(token), scope
        )
    finally:
        await conn.close()
    return token


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


async def load_small_story(url: str) -> None:
    conn = await connect(url)
    try:
        await load_dataset(conn, parse_dataset(small_dataset()))
    finally:
        await conn.close()


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def fetchval(url: str, sql: str, *args: Any) -> Any:
    conn = await connect(url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


class Keys(msgspec.Struct):
    admin: str
    writer: str


async def story_with_keys(url: str) -> Keys:
    """The small story, an admin key and a write key."""
    await load_small_story(url)
    return Keys(admin=await make_key(url, "ops", scope="admin"), writer=await make_key(url, "desk"))
