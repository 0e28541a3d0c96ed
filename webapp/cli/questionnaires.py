"""``flask questionnaires validate|import|list``: check and store the instrument."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

import questionnaires as instrument

from ..domain.audit import record
from ..domain.questionnaires import import_file
from ..extensions import db
from ..models import QuestionnaireVersion


@click.group("questionnaires")
def questionnaires_cli() -> None:
    """Validate, import and list questionnaires."""


@questionnaires_cli.command("validate")
@click.argument("path", type=click.Path(path_type=Path), default=instrument.INSTRUMENT_DIR)
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. missing nn/en text) as errors.")
def validate(path: Path, strict: bool) -> None:
    """Check PATH (a file or folder); list every problem as file:line and exit 1 on errors."""
    problems = instrument.validate_path(path)
    errors = instrument.errors(problems)
    for p in problems:
        click.echo(str(p), err=True)
    failed = errors or (strict and problems)
    n_warn = len(problems) - len(errors)
    if failed:
        click.echo(f"{len(errors)} error(s), {n_warn} warning(s) in {path}", err=True)
        sys.exit(1)
    click.echo(f"OK: {path} is valid ({n_warn} warning(s))")


@questionnaires_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path), default=instrument.INSTRUMENT_DIR)
@with_appcontext
def import_(path: Path) -> None:
    """Store each questionnaire in PATH as a new immutable version if its content changed."""
    files = list(instrument.instrument_files(path).values()) if path.is_dir() else [path]
    problems = instrument.validate_path(path)
    if instrument.errors(problems):
        for p in instrument.errors(problems):
            click.echo(str(p), err=True)
        sys.exit(1)
    for f in files:
        version, created = import_file(f)
        if created:
            record("questionnaire.import", target=version, after={"label": version.label}, actor="cli")
        click.echo(f"{'new' if created else 'unchanged'}: {version.label}")
    db.session.commit()


@questionnaires_cli.command("list")
@with_appcontext
def list_() -> None:
    """List stored questionnaire versions."""
    for v in db.session.scalars(sa.select(QuestionnaireVersion).order_by(QuestionnaireVersion.code, QuestionnaireVersion.version_no)):
        click.echo(f"{v.label}  role={v.role}  imported={v.created_at:%Y-%m-%d %H:%M}")
