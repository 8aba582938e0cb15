"""`timeline load` and `timeline verify-quotes`."""

from __future__ import annotations

import sys
from pathlib import Path

import asyncpg
import click

from api.database import resolved_database_url, run_sync
from api.loader.errors import DatasetError
from api.loader.load import LoadReport, load_dataset
from api.loader.read import read_dataset
from api.loader.verify import QuoteReport, verify_citations
from api.migrate import upgrade
from api.pgcodecs import init_connection
from api.queries.citations_check import list_citations_with_documents
from api.settings import Settings

EXIT_INVALID = 2


async def load_into(url: str, path: Path) -> LoadReport:
    """Validate the file (types first, then references against the database) and load it."""
    dataset = read_dataset(path)
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        return await load_dataset(conn, dataset)
    finally:
        await conn.close()


async def verify_quotes_at(url: str, documents: Path) -> QuoteReport:
    conn = await asyncpg.connect(url)
    try:
        return verify_citations(await list_citations_with_documents(conn), documents)
    finally:
        await conn.close()


@click.command("load")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
def load_command(path: Path) -> None:
    """Load a dataset file: all of it, or nothing (exit 2 and every error listed)."""
    settings = Settings.from_env()
    with resolved_database_url(settings) as url:
        upgrade(url)
        try:
            report = run_sync(lambda: load_into(url, path))
        except DatasetError as exc:
            click.echo(f"{path}: {len(exc.errors)} error(s); nothing was loaded", err=True)
            for error in exc.errors:
                click.echo(f"  {error}", err=True)
            sys.exit(EXIT_INVALID)
    click.echo(f"dataset {report.dataset!r} loaded from {path}")
    for line in report.lines():
        click.echo(f"  {line}")


@click.command("verify-quotes")
@click.option(
    "--documents",
    required=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Folder holding the source documents, by their file name.",
)
def verify_quotes_command(documents: Path) -> None:
    """Check every citation's quote against its document (whitespace normalised) and the document's SHA-256."""
    settings = Settings.from_env()
    with resolved_database_url(settings) as url:
        report = run_sync(lambda: verify_quotes_at(url, documents))
    for line in report.skipped:
        click.echo(f"skipped: {line}")
    for line in report.failures:
        click.echo(f"FAILED: {line}", err=True)
    click.echo(f"{report.checked} citation(s) checked, {len(report.failures)} failed, {len(report.skipped)} skipped")
    if report.failures or report.checked == 0:
        sys.exit(1)
