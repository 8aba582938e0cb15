"""Alembic environment: online mode only, on the same database the app resolves.

The URL comes from ``config.attributes["database_url"]`` (set by :mod:`api.migrate`), else from the environment
exactly as the app does it (``DATABASE_URL``, or the embedded PostgreSQL, started for the duration of the command).
Migrations are plain SQL run through ``op.execute``; there is no model metadata. The driver is psycopg: it takes
libpq URLs as they are (unix-socket forms such as ``postgresql://u@/db?host=/dir`` included) and sends a statement
without parameters over the simple query protocol, so one ``op.execute`` may hold several SQL statements.
"""

from __future__ import annotations

from contextlib import ExitStack

import psycopg
from alembic import context
from sqlalchemy import create_engine, pool

from api.database import resolved_database_url
from api.settings import Settings

config = context.config


def _run(url: str) -> None:
    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def run_migrations_online() -> None:
    with ExitStack() as stack:
        url = config.attributes.get("database_url")
        if url is None:
            url = stack.enter_context(resolved_database_url(Settings.from_env()))
        _run(url)


if context.is_offline_mode():
    raise SystemExit("offline (--sql) mode is not supported: migrations run against a live database")
run_migrations_online()
