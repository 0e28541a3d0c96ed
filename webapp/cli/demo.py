"""``flask demo load``: fill an empty database with a realistic synthetic dekom panel."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from ..demo.generator import demo_loaded, load_demo
from ..domain.audit import record
from ..extensions import db
from ..infra.tokens import survey_url
from ..models import Invitation


@click.group("demo")
def cli() -> None:
    """Demo data."""


@cli.command("load")
@click.option("--seed", default=2023, show_default=True, help="Random seed (same seed, same data).")
@click.option(
    "--size",
    default=400,
    show_default=True,
    type=click.IntRange(20, 200_000),
    help="Persons in the 2021 panel; later waves lose ~25 % and recruit ~30 %.",
)
@click.option(
    "--password", default="dekom-demo-2025", show_default=True, help="Password of the demo users."
)
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has waves.")
@with_appcontext
def load(seed: int, size: int, password: str, if_empty: bool) -> None:
    """Load waves 2021 and 2023 (closed, answered) and 2025 (open) with users and a panel."""
    if demo_loaded():
        if if_empty:
            click.echo("Database already has data; demo not loaded again.")
            _print_access(password, None)
            return
        raise click.ClickException(
            "the database already has waves; use a fresh database for the demo"
        )
    started = time.perf_counter()
    with click.progressbar(length=1, label="Generating the demo panel") as bar:
        result = load_demo(seed=seed, size=size, password=password)
        record("demo.load", after={"seed": seed, "size": size, **result.counts}, actor="cli")
        db.session.commit()
        bar.update(1)
    c = result.counts
    click.echo(
        f"Demo loaded in {time.perf_counter() - started:.1f} s: {c['persons']} persons, "
        f"{c['invitations']} invitations, {c['responses']} responses, {c['answers']} answers."
    )
    _print_access(password, result.respondent_link_invitation_id)


def _print_access(password: str, invitation_id: int | None) -> None:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo("")
    click.echo(f"  Open          {base}/")
    click.echo(f"  Admin         admin@dekom.local / {password}")
    click.echo(f"  Evaluator     evaluator@dekom.local / {password}")
    click.echo(f"  Researcher    forsker@dekom.local / {password}")
    if invitation_id is None:
        from sqlalchemy import select

        invitation_id = db.session.scalar(
            select(Invitation.id)
            .where(Invitation.status == "pending")
            .order_by(Invitation.id)
            .limit(1)
        )
    if invitation_id is not None:
        inv = db.session.get(Invitation, invitation_id)
        click.echo(f"  Respondent    {survey_url(inv)}   ({inv.person.role}, {inv.wave.name})")
    click.echo("")
