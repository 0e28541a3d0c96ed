"""``flask retention purge``: apply the retention settings now and say what was removed."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..domain.retention import purge
from ..extensions import db


@click.group("retention", help="Remove data kept longer than the retention settings allow.")
def cli() -> None:
    """Command group."""


@cli.command("purge")
@with_appcontext
def purge_command() -> None:
    """Remove contact data, outbox e-mails, export bundles and panel uploads past their retention."""
    removed = purge()
    db.session.commit()
    labels = {
        "contacts": "contact data erased",
        "outbox": "outbox e-mails deleted",
        "exports": "export bundles deleted",
        "imports": "panel uploads deleted",
    }
    for kind, names in removed.items():
        click.echo(f"{labels[kind]}: {len(names)}")
        for name in names[:50]:
            click.echo(f"  {name}")
        if len(names) > 50:
            click.echo(f"  ... and {len(names) - 50} more")
