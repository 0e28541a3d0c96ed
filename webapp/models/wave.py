"""Survey waves and the questionnaire version each role answers in them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .questionnaire import QuestionnaireVersion
from .types import UTCDateTime, one_of, utcnow


class WaveStatus(StrEnum):
    """A wave's state."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


WAVE_STATUSES = tuple(WaveStatus)


class Wave(db.Model):
    """A round of data collection, e.g. "Dekom 2023"."""

    __tablename__ = "wave"
    __table_args__ = (
        one_of("status", WaveStatus, "status_known"),
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
            name="closes_after_opens",
        ),
        sa.CheckConstraint(
            "remind_every_days IS NULL OR remind_every_days >= 1", name="remind_every_positive"
        ),
        sa.CheckConstraint("remind_max >= 0", name="remind_max_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    year: Mapped[int] = mapped_column(sa.Integer, index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    #: scheduled opening and closing (UTC); status changes when an evaluator opens/closes
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: automatic reminders: days between mails (None = off), at most this many per person, language
    remind_every_days: Mapped[int | None] = mapped_column(sa.Integer)
    remind_max: Mapped[int] = mapped_column(sa.Integer, default=3, server_default="3")
    remind_language: Mapped[str] = mapped_column(sa.String(2), default="nb", server_default="nb")
    #: the wave this one was cloned from (its panel carried over)
    cloned_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wave.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questionnaires: Mapped[list[WaveQuestionnaire]] = relationship(
        back_populates="wave", cascade="all, delete-orphan"
    )

    def version_for(self, role: str) -> QuestionnaireVersion | None:
        """The questionnaire version that ``role`` answers in this wave."""
        for wq in self.questionnaires:
            if wq.role == role:
                return wq.version
        return None

    @property
    def is_open(self) -> bool:
        """True while respondents may answer."""
        return self.status == "open"

    def __repr__(self) -> str:
        return f"<Wave {self.name} {self.status}>"


class WaveQuestionnaire(db.Model):
    """Which exact questionnaire version a role answers in a wave."""

    __tablename__ = "wave_questionnaire"
    __table_args__ = (sa.UniqueConstraint("wave_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(sa.String(32))
    questionnaire_version_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire_version.id"))
    #: the evaluator's note confirming a launch on a version that breaks comparability with earlier waves
    comparability_note: Mapped[str | None] = mapped_column(sa.Text)
    #: what broke comparability when the wave was launched: compared version, scales, changes
    comparability: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    wave: Mapped[Wave] = relationship(back_populates="questionnaires")
    version: Mapped[QuestionnaireVersion] = relationship()
