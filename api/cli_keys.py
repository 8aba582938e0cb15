"""`timeline keys create|list|revoke`: API keys for writes (and for reads under ``READ_REQUIRES_KEY=1``)."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import click

from api.auth import SCOPES, hash_token, new_token
from api.database import resolved_database_url, run_sync
from api.migrate import upgrade
from api.queries import keys as queries
from api.settings import Settings

T = TypeVar("T")


def _with_connection(action: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run `action` on a connection to the configured database, migrated to head first."""
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    with resolved_database_url(settings) as url:
        upgrade(url)

        async def run() -> T:
            conn = await asyncpg.connect(url)
            try:
                return await action(conn)
            finally:
                await conn.close()

        return run_sync(run)


@click.group("keys")
def keys_group() -> None:
    """Manage API keys: only a hash of each token is stored."""


@keys_group.command("create")
@click.option("--name", required=True, help="A unique name for the key (who or what uses it); revisions record it.")
@click.option("--scope", type=click.Choice(SCOPES), default="write", show_default=True, help="What the key may do.")
def create_key(name: str, scope: str) -> None:
    """Create a key and print its token, once: it cannot be shown again."""
    token = new_token()

    async def insert(conn: asyncpg.Connection) -> None:
        await queries.insert_key(conn, name, hash_token(token), scope)

    try:
        _with_connection(insert)
    except asyncpg.UniqueViolationError:
        click.echo(f"a key named {name!r} already exists (revoke it, or pick another name)", err=True)
        sys.exit(1)
    except asyncpg.CheckViolationError:
        click.echo(f"invalid key name {name!r}: letters, digits, '.', '_' and '-', at most 63", err=True)
        sys.exit(1)
    click.echo(f"created key {name!r} with scope {scope!r}; its token (shown only now):", err=True)
    click.echo(token)


@keys_group.command("list")
def list_keys() -> None:
    """List the keys: name, scope, created, revoked (never the tokens)."""
    rows = _with_connection(queries.list_keys)
    for row in rows:
        revoked = f"revoked {row.revoked_at.isoformat(timespec='seconds')}" if row.revoked_at else "active"
        click.echo(f"{row.name}\t{row.scope}\tcreated {row.created_at.isoformat(timespec='seconds')}\t{revoked}")


@keys_group.command("revoke")
@click.argument("name")
def revoke_key(name: str) -> None:
    """Revoke a key at once: its token stops working on the next request."""

    async def revoke(conn: asyncpg.Connection) -> bool:
        return await queries.revoke_key(conn, name)

    if not _with_connection(revoke):
        click.echo(f"no active key named {name!r}", err=True)
        sys.exit(1)
    click.echo(f"revoked key {name!r}")


def register(group: click.Group) -> None:
    """Add `keys` to the ``timeline`` command group."""
    group.add_command(keys_group)
