"""Dataset commands of the ``timeline`` CLI: ``load``, ``verify-quotes`` and ``synth``."""

from __future__ import annotations

import click

from api.loader.cli import load_command, verify_quotes_command
from api.synth.cli import synth_command


def register(group: click.Group) -> None:
    """Add this module's commands to the ``timeline`` command group."""
    group.add_command(load_command)
    group.add_command(verify_quotes_command)
    group.add_command(synth_command)
