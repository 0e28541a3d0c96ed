"""Audit events: who did what to what, when, with the state before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One evaluator or admin action, append-only."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: the user who acted (None for the command line or the system)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    #: who, as text, kept even if the user is deleted (e-mail or 'cli')
    actor: Mapped[str] = mapped_column(sa.String(254))
    #: what, e.g. 'wave.open', 'panel.import', 'invitations.send'
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(64))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
