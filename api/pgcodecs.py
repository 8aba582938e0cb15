"""Type codecs every connection of the application uses."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

_json_encoder = msgspec.json.Encoder()


def _encode_json(value: Any) -> str:
    return _json_encoder.encode(value).decode()


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb and json columns travel as Python dicts and lists, encoded and decoded by msgspec."""
    for type_name in ("jsonb", "json"):
        await conn.set_type_codec(
            type_name, encoder=_encode_json, decoder=msgspec.json.decode, schema="pg_catalog", format="text"
        )
