"""``flask jobs worker|run|list|tick``: the job worker, a one-off run, the job list, the schedule."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..infra import jobs as job_service
from ..models import Job


@click.group("jobs")
def cli() -> None:
    """Background jobs (invitations, reminders, exports)."""


@cli.command("run")
@click.option("--kind", default=None, help="Only jobs of this kind, e.g. invitations.send.")
@click.option("--job", "job_id", type=int, default=None, help="Run (or re-run) this one job id.")
@click.option("--no-progress", is_flag=True, help="No progress bar (for logs).")
@with_appcontext
def run(kind: str | None, job_id: int | None, no_progress: bool) -> None:
    """Run queued jobs here, with a progress bar; exit 1 if any failed."""
    if job_id is not None:
        job = job_service.run_job(job_id)
        if job is None:
            click.echo(f"--job: no job with id {job_id}", err=True)
            sys.exit(2)
        finished = [job]
    else:
        finished = job_service.run_pending(kind, progress_bar=not no_progress)
    if not finished:
        click.echo("no pending jobs")
    for job in finished:
        click.echo(f"#{job.id} {job.kind}: {job.status} {job.result or ''}".rstrip())
        if job.status == "failed":
            click.echo(
                f"  error: {(job.error or '').splitlines()[0] if job.error else ''}", err=True
            )
    if any(j.status == "failed" for j in finished):
        sys.exit(1)


@cli.command("list")
@click.option("--limit", type=int, default=30, show_default=True)
@with_appcontext
def list_(limit: int) -> None:
    """List the most recent jobs with status and progress."""
    for job in db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(limit)):
        total = f"/{job.total}" if job.total is not None else ""
        click.echo(
            f"#{job.id}  {job.kind}  {job.status}  {job.progress}{total}  "
            f"created {job.created_at:%Y-%m-%d %H:%M}"
        )


@cli.command("worker")
@click.option(
    "--burst", is_flag=True, help="Run the due schedule and every waiting job once, then stop."
)
@click.option(
    "--poll",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds between looks for new jobs (database queue).",
)
@click.option(
    "--tick",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds between runs of the schedule.",
)
@with_appcontext
def worker(burst: bool, poll: float, tick: float) -> None:
    """Run jobs as they are queued, and the schedule every minute; Ctrl+C stops.

    Jobs come from the database, or from RQ on Redis when REDIS_URL is set.
    """
    from ..infra import worker as job_worker

    def echo(line: str) -> None:
        click.echo(line)
        sys.stdout.flush()

    if current_app.config.get("REDIS_URL"):
        job_worker.work_rq(echo, burst=burst, tick=tick)
    else:
        job_worker.work(echo, burst=burst, poll=poll, tick=tick)


@cli.command("tick")
@with_appcontext
def tick() -> None:
    """Run the scheduled tasks that are due once (the worker does this every minute)."""
    from ..infra.schedule import run_due

    for name, outcome in run_due().items():
        click.echo(f"{name}: {outcome}")
