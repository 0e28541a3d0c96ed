"""Invitations: one per person per wave, with a hashed personal link token."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .panel import Person
from .types import UTCDateTime, one_of, utcnow
from .wave import Wave


class InvitationStatus(StrEnum):
    """An invitation's delivery state."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    REVOKED = "revoked"


INVITATION_STATUSES = tuple(InvitationStatus)


class Invitation(db.Model):
    """A person's invitation to a wave; the link token itself is never stored, only its hash."""

    __tablename__ = "invitation"
    __table_args__ = (
        sa.UniqueConstraint("wave_id", "person_id"),
        one_of("status", InvitationStatus, "status_known"),
        sa.CheckConstraint("status != 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        sa.CheckConstraint("reminder_count >= 0", name="reminders_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    #: SHA-256 of the token in the personal link
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: random salt the token is derived from (with the server key); new salt = new link
    token_salt: Mapped[str] = mapped_column(sa.String(64))
    #: delivery state: pending, sent, failed (see last_error) or revoked
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: a sender claims the row before sending, so a restart never sends it twice
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    wave: Mapped[Wave] = relationship()
    person: Mapped[Person] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.id} wave={self.wave_id} {self.status}>"
