"""Alembic, driven from Python: used by the CLI, ``/ready`` and the tests."""

from __future__ import annotations

import functools
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from api.database import run_sync
from api.queries.health import fetch_revision
from api.settings import project_root


def migrations_dir() -> Path:
    """The ``migrations/`` folder of the project."""
    return project_root() / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An alembic configuration for ``url`` (``None``: let ``migrations/env.py`` resolve it like the app)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if url is not None:
        config.attributes["database_url"] = url
    return config


@functools.cache
def head_revision() -> str | None:
    """The revision the code expects (the single head of the migration scripts)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision``."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database at ``url`` to ``revision`` (``base`` removes everything)."""
    command.downgrade(alembic_config(url), revision)


def migrate_to(url: str, revision: str) -> str:
    """Move the database to ``revision``, up or down as needed. Return ``"upgrade"``, ``"downgrade"`` or ``"none"``.

    ``revision`` is any alembic revision: ``head``, ``base``, an id, or a relative step such as ``-1``/``+1``.
    """
    if revision.startswith(("-", "+")):
        (downgrade if revision.startswith("-") else upgrade)(url, revision)
        return "downgrade" if revision.startswith("-") else "upgrade"
    script = ScriptDirectory.from_config(alembic_config())
    target = None if revision == "base" else script.get_revision(revision)
    target_id = target.revision if target is not None else None
    current = current_revision(url)
    if target_id == current:
        return "none"
    if current is not None and (target_id is None or target_id in _ancestors(script, current)):
        downgrade(url, revision)
        return "downgrade"
    upgrade(url, revision)
    return "upgrade"


def _ancestors(script: ScriptDirectory, revision: str) -> set[str]:
    return {r.revision for r in script.iterate_revisions(revision, "base") if r is not None}


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at."""

    async def _read() -> str | None:
        conn = await asyncpg.connect(url)
        try:
            return await fetch_revision(conn)
        finally:
            await conn.close()

    return run_sync(_read)
