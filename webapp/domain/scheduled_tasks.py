"""The tasks the worker runs on its own: planned wave opening/closing and automatic reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..infra import jobs
from ..infra.schedule import scheduled
from ..models import Job, Wave
from .invitations import reminder_candidates
from .waves import apply_schedule


@scheduled("waves.apply_schedule", every=timedelta(minutes=1))
def open_and_close_waves(now: datetime) -> dict:
    """Open draft waves whose planned opening has come; close open waves past their closing."""
    return apply_schedule(now)


def _reminder_job_waiting(wave_id: int) -> bool:
    waiting = db.session.scalars(
        sa.select(Job).where(
            Job.kind == "invitations.remind", Job.status.in_(("queued", "running"))
        )
    )
    return any((job.params or {}).get("wave_id") == wave_id for job in waiting)


@scheduled("invitations.auto_remind", every=timedelta(minutes=1))
def queue_due_reminders(now: datetime) -> dict:
    """Queue a reminder job for each open wave with automatic reminders and someone due one."""
    queued: list[int] = []
    waves = db.session.scalars(
        sa.select(Wave)
        .where(Wave.status == "open", Wave.remind_every_days.is_not(None), Wave.remind_max > 0)
        .order_by(Wave.id)
    )
    for wave in waves:
        due = db.session.execute(
            reminder_candidates(wave, wave.remind_max, wave.remind_every_days).limit(1)
        ).first()
        if due is None or _reminder_job_waiting(wave.id):
            continue
        job = jobs.enqueue(
            "invitations.remind",
            {
                "wave_id": wave.id,
                "language": wave.remind_language,
                "max_reminders": wave.remind_max,
                "min_days": wave.remind_every_days,
                "automatic": True,
            },
        )
        queued.append(job.id)
    return {"queued_jobs": queued}
