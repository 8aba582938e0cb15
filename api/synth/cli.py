"""`timeline synth`: fill the database with the synthetic corpus and print where the time went."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from api.database import resolved_database_url, run_sync
from api.migrate import upgrade
from api.settings import Settings


@click.command("synth")
@click.option("--events", type=click.IntRange(min=10), default=1_000_000, show_default=True)
@click.option("--claims", type=click.IntRange(min=10), default=3_000_000, show_default=True)
@click.option("--actors", type=click.IntRange(min=50), default=20_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same rows.")
@click.option("--truncate", is_flag=True, help="Empty the story tables first (else they must be empty).")
@click.option("--reuse", is_flag=True, help="Do nothing when the database already holds this very corpus.")
@click.option("--workers", type=click.IntRange(min=0), default=2, show_default=True, help="Generator processes.")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Index-building connections.")
@click.option("--maintenance-work-mem", default="1GB", show_default=True, help="For index builds and key checks.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the timings.")
def synth_command(
    events: int,
    claims: int,
    actors: int,
    seed: int,
    truncate: bool,
    reuse: bool,
    workers: int,
    jobs: int,
    maintenance_work_mem: str,
    json_path: Path | None,
) -> None:
    """Fill the database with a synthetic corpus through COPY (needs the `bench` extra: numpy)."""
    from api.synth import SynthError, SynthSpec, corpus_status, synthesize

    spec = SynthSpec(events=events, claims=claims, actors=actors, seed=seed)
    settings = Settings.from_env()
    with resolved_database_url(settings) as url:
        upgrade(url)
        if reuse and run_sync(lambda: corpus_status(url, spec)) == "match":
            click.echo("the database already holds this corpus: nothing to do")
            return
        try:
            report = run_sync(
                lambda: synthesize(
                    url,
                    spec,
                    truncate=truncate,
                    workers=workers,
                    jobs=jobs,
                    maintenance_work_mem=maintenance_work_mem,
                    echo=lambda line: click.echo(line, err=True),
                )
            )
        except SynthError as exc:
            click.echo(f"synth: {exc}", err=True)
            sys.exit(2)
    for line in report.lines():
        click.echo(line)
    if json_path is not None:
        json_path.write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
