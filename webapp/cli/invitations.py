"""``flask invitations send|remind|status|release``: invitation e-mails from the command line."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..domain import invitations as service
from ..domain.audit import record
from ..extensions import db
from ..infra import jobs
from ..infra.mailer import MAIL_LANGUAGES
from ..models import Wave


@click.group("invitations")
def cli() -> None:
    """Send invitations and reminders for a wave."""


def _wave(wave_id: int) -> Wave:
    wave = db.session.get(Wave, wave_id)
    if wave is None:
        click.echo(f"WAVE_ID: no wave with id {wave_id}", err=True)
        sys.exit(2)
    return wave


def _run(kind: str, params: dict, here: bool) -> None:
    """Queue the job; run it here with a progress bar unless an RQ worker will take it."""
    job = jobs.enqueue(kind, params)
    if current_app.config.get("REDIS_URL") and not here:
        click.echo(f"queued job #{job.id} on RQ (flask jobs worker runs it)")
        return
    from tqdm import tqdm

    with tqdm(desc=kind, unit="mail") as bar:

        def on_progress(done: int, total: int | None) -> None:
            if total is not None:
                bar.total = total
            bar.n = done
            bar.refresh()

        job = jobs.run_job(job.id, on_progress)
    if job.status == "failed":
        click.echo(f"job #{job.id} failed: {(job.error or '').splitlines()[0]}", err=True)
        sys.exit(1)
    result = job.result or {}
    click.echo(
        f"job #{job.id}: sent {result.get('sent', 0)}, failed {result.get('failed', 0)}, "
        f"skipped {result.get('skipped', 0)}"
    )


@cli.command("send")
@click.argument("wave_id", type=int)
@click.option("--language", type=click.Choice(MAIL_LANGUAGES), default="nb", show_default=True)
@click.option("--here", is_flag=True, help="Run in this process even when REDIS_URL is set.")
@with_appcontext
def send(wave_id: int, language: str, here: bool) -> None:
    """Send the pending invitations of WAVE_ID (each exactly once)."""
    wave = _wave(wave_id)
    record("invitations.send", target=wave, after={"language": language}, actor="cli")
    _run("invitations.send", {"wave_id": wave.id, "language": language}, here)


@cli.command("remind")
@click.argument("wave_id", type=int)
@click.option("--language", type=click.Choice(MAIL_LANGUAGES), default="nb", show_default=True)
@click.option(
    "--max",
    "max_reminders",
    type=click.IntRange(1, 10),
    default=3,
    show_default=True,
    help="At most this many reminders per person.",
)
@click.option(
    "--days",
    "min_days",
    type=click.IntRange(1, 60),
    default=7,
    show_default=True,
    help="At least this many days since the last e-mail.",
)
@click.option("--here", is_flag=True, help="Run in this process even when REDIS_URL is set.")
@with_appcontext
def remind(wave_id: int, language: str, max_reminders: int, min_days: int, here: bool) -> None:
    """Remind those who have not submitted (half-way variant for started answers)."""
    wave = _wave(wave_id)
    params = {
        "wave_id": wave.id,
        "language": language,
        "max_reminders": max_reminders,
        "min_days": min_days,
    }
    record("invitations.remind", target=wave, after=params, actor="cli")
    _run("invitations.remind", params, here)


@cli.command("status")
@click.argument("wave_id", type=int)
@with_appcontext
def status(wave_id: int) -> None:
    """Invitations per delivery status."""
    wave = _wave(wave_id)
    for key, value in sorted(service.delivery_counts(wave.id).items()):
        click.echo(f"{key}: {value}")


@cli.command("release")
@click.argument("wave_id", type=int)
@with_appcontext
def release(wave_id: int) -> None:
    """Let the next run re-send invitations a crashed sender may or may not have sent."""
    wave = _wave(wave_id)
    ids = service.release_uncertain(wave.id)
    record("invitations.release_uncertain", target=wave, before={"claimed": ids}, actor="cli")
    db.session.commit()
    click.echo(f"released {len(ids)}")
