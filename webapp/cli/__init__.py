"""Flask CLI commands, grouped by what they own."""

from __future__ import annotations

import importlib
import importlib.util

from flask import Flask

from .questionnaires import questionnaires_cli
from .users import users_cli

#: command groups that feature packages add (module with a click group called ``cli``)
OPTIONAL_GROUPS = (
    "webapp.cli.demo",
    "webapp.cli.jobs",
    "webapp.cli.invitations",
    "webapp.cli.panel",
    "webapp.cli.analysis",
    "webapp.cli.exports",
    "webapp.cli.coding",
    "webapp.cli.people",
    "webapp.cli.retention",
    "webapp.cli.serve",
)


def register_commands(app: Flask) -> None:
    """Attach every command group to ``app.cli``."""
    app.cli.add_command(questionnaires_cli)
    app.cli.add_command(users_cli)
    for name in OPTIONAL_GROUPS:
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        if hasattr(module, "cli"):
            app.cli.add_command(module.cli)
