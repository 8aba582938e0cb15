"""Dataset commands of the ``timeline`` CLI: ``load`` and ``verify-quotes``."""

from __future__ import annotations

import click

from api.loader.cli import load_command, verify_quotes_command


def register(group: click.Group) -> None:
    """Add this module's commands to the ``timeline`` command group."""
    group.add_command(load_command)
    group.add_command(verify_quotes_command)
