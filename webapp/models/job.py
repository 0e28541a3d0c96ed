"""Background jobs (invitations, exports): state shared by RQ workers and the CLI runner."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, one_of, utcnow


class JobStatus(StrEnum):
    """A background job's state."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


JOB_STATUSES = tuple(JobStatus)


class Job(db.Model):
    """A unit of background work with its progress and result."""

    __tablename__ = "job"
    __table_args__ = (one_of("status", JobStatus, "status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what to run, e.g. 'invitations.send', 'export.build'
    kind: Mapped[str] = mapped_column(sa.String(64), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued", index=True)
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    total: Mapped[int | None] = mapped_column(sa.Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: RQ's job id when it runs on Redis
    rq_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: refreshed by the worker running the job; a job whose heartbeat stopped is claimed again
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: host:pid of the worker that claimed the job
    worker: Mapped[str | None] = mapped_column(sa.String(120))
