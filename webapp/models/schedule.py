"""Scheduled tasks: when each registered task last ran, so only one worker runs it per period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class ScheduledRun(db.Model):
    """The last run of one scheduled task (see webapp.infra.schedule)."""

    __tablename__ = "scheduled_run"

    #: the task's registered name, e.g. 'waves.apply_schedule'
    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: set by the worker that claimed the current period (a conditional UPDATE)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: 'done' or 'failed' for the last finished run
    status: Mapped[str | None] = mapped_column(sa.String(16))
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: host:pid of the worker that ran it last
    worker: Mapped[str | None] = mapped_column(sa.String(120))
