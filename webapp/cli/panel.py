"""``flask panel import FILE``: check a panel file, show the plan, and apply it with --yes."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from ..domain.panel_plan import apply_plan, plan_import
from ..extensions import db
from ..models import Person
from ..readers.panel_file import PanelFileError, parse_panel


@click.group("panel")
def cli() -> None:
    """Import and inspect the respondent panel."""


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mark-leavers",
    is_flag=True,
    help="The file is the whole panel: persons missing from it have left.",
)
@click.option("--yes", is_flag=True, help="Write the changes (without it, only show the plan).")
@with_appcontext
def import_(path: Path, mark_leavers: bool, yes: bool) -> None:
    """Read PATH (CSV or XLSX), list bad rows as file:line, print the plan; write with --yes."""
    try:
        parsed = parse_panel(path.name, path.read_bytes())
    except PanelFileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    plan = plan_import(parsed, mark_leavers)
    for problem in sorted(parsed.problems + plan.conflicts, key=lambda p: p.line):
        click.echo(
            f"{path}:{problem.line}: {problem.message}"
            + (f" ({problem.value})" if problem.value else ""),
            err=True,
        )
    summary = plan.summary
    click.echo("plan: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    if not yes:
        click.echo("nothing written (add --yes to apply)")
        return
    apply_plan(parsed, mark_leavers, filename=str(path))
    db.session.commit()
    click.echo("written")


@cli.command("stats")
@with_appcontext
def stats() -> None:
    """Active persons per role."""
    rows = db.session.execute(
        sa.select(Person.role, sa.func.count())
        .where(Person.left_at.is_(None))
        .group_by(Person.role)
        .order_by(Person.role)
    )
    for role, n in rows:
        click.echo(f"{role}: {n}")
