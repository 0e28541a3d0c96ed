"""``flask serve``: gunicorn and the job worker together, one configuration, Ctrl+C stops both."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..server.supervisor import serve, service_env


@click.command("serve")
@click.option(
    "--port",
    type=int,
    default=lambda: int(os.environ.get("PORT", "5000")),
    show_default="PORT or 5000",
    help="Port to serve on.",
)
@click.option(
    "--host",
    default=lambda: os.environ.get("BIND_HOST", "127.0.0.1"),
    show_default="BIND_HOST or 127.0.0.1",
    help="Address to bind.",
)
@click.option(
    "--workers", type=int, default=None, help="gunicorn workers (default from the cores)."
)
@click.option(
    "--no-worker", is_flag=True, help="Only the web server (a job worker runs elsewhere)."
)
@click.option(
    "--demo",
    is_flag=True,
    help="First build the database, import the questionnaires and load the demo if empty.",
)
@with_appcontext
def cli(port: int, host: str, workers: int | None, no_worker: bool, demo: bool) -> None:
    """Serve with gunicorn and run the job worker (jobs and schedule) until Ctrl+C."""
    if demo:
        # the links printed below must point at the port served
        current_app.config["PUBLIC_BASE_URL"] = service_env(port, host)["PUBLIC_BASE_URL"]
        _prepare_demo()
    sys.exit(serve(port, host, with_worker=not no_worker, workers=workers, echo=click.echo))


def _prepare_demo() -> None:
    """flask db upgrade, questionnaires import, demo load --if-empty (which prints the logins)."""
    from flask_migrate import upgrade

    from .demo import load
    from .questionnaires import import_

    ctx = click.get_current_context()
    click.echo("==> building the database (flask db upgrade)", err=True)
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("==> importing the questionnaires", err=True)
    ctx.invoke(import_)
    click.echo("==> loading the demo panel (skipped if already loaded)", err=True)
    ctx.invoke(load, if_empty=True)
