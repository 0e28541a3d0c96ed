"""``flask people``: answer a person's access request and erase their contact data."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..domain.people import PersonNotFound, erase, find_person, write_access
from ..extensions import db


@click.group("people", help="A person's rights: access to what is stored, erasure of contact data.")
def cli() -> None:
    """Command group."""


def _person(panel_id: str):
    try:
        return find_person(panel_id)
    except PersonNotFound as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command("access")
@click.argument("panel_id")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for <panel_id>.json and <panel_id>.html.",
)
@with_appcontext
def access(panel_id: str, out: Path) -> None:
    """Write everything stored about PANEL_ID as JSON and a readable HTML page."""
    person = _person(panel_id)
    with current_app.test_request_context():
        paths = write_access(person, out)
    db.session.commit()
    for path in paths:
        click.echo(f"wrote {path}")


@cli.command("erase")
@click.argument("panel_id")
@click.option("--yes", is_flag=True, help="Erase without asking.")
@with_appcontext
def erase_command(panel_id: str, yes: bool) -> None:
    """Erase the name, e-mail and external id of PANEL_ID; pseudonymous answers stay."""
    person = _person(panel_id)
    if person.contact is None:
        click.echo(
            f"{person.panel_id}: no contact data stored (already erased); redacting free text again"
        )
    if not yes:
        click.confirm(
            f"Erase the contact data of {person.panel_id}? This cannot be undone", abort=True
        )
    counts = erase(person)
    db.session.commit()
    click.echo(
        f"erased {person.panel_id}: contact {counts['contact']}, free-text answers redacted "
        f"{counts['answers_redacted']}, memos redacted {counts['memos_redacted']}, invitations revoked "
        f"{counts['invitations_revoked']}, outbox files {counts['outbox_files']}, rows in pending "
        f"imports {counts['import_rows']}"
    )
