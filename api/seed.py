"""Loading the story dataset into an empty database when the service starts."""

from __future__ import annotations

from pathlib import Path

import structlog

from api.database import run_sync
from api.loader.read import read_dataset
from api.loader.seed import load_if_empty
from api.settings import Settings

log = structlog.get_logger("api.seed")


def seed_if_empty(url: str, settings: Settings) -> None:
    """Load ``settings.dataset_path`` into the database at ``url`` when it holds no story yet; never overwrite."""
    path = Path(settings.dataset_path)
    if not path.is_file():
        log.warning("no dataset file; serving an empty database", path=str(path))
        return
    dataset = read_dataset(path)
    report = run_sync(lambda: load_if_empty(url, dataset))
    if report is None:
        log.info("database already holds data; dataset not loaded", path=str(path))
        return
    totals = {kind: counts.created for kind, counts in report.counts.items()}
    log.info("dataset loaded into the empty database", dataset=report.dataset, path=str(path), created=totals)
