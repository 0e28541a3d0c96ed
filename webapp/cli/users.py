"""``flask users create|list``: console accounts from the command line."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext

from ..domain.audit import record
from ..extensions import db
from ..models import USER_ROLES, User


@click.group("users")
def users_cli() -> None:
    """Create and list console users."""


@users_cli.command("create")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice(USER_ROLES), default="admin", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create(email: str, name: str, role: str, password: str) -> None:
    """Create a user (the first admin, typically)."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        click.echo(f"--email: {exc}", err=True)
        sys.exit(2)
    if len(password) < 10:
        click.echo("--password: use at least 10 characters", err=True)
        sys.exit(2)
    if db.session.scalar(sa.select(User).where(User.email == email)):
        click.echo(f"--email: a user with e-mail {email} already exists", err=True)
        sys.exit(1)
    user = User(email=email, name=name.strip(), role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.create", target=user, after={"email": email, "role": role}, actor="cli")
    db.session.commit()
    click.echo(f"created {role} {email}")


@users_cli.command("list")
@with_appcontext
def list_() -> None:
    """List users and their roles."""
    for u in db.session.scalars(sa.select(User).order_by(User.email)):
        click.echo(f"{u.email}  {u.role}  {'active' if u.is_active else 'deactivated'}")
