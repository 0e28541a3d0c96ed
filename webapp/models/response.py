"""Responses to a wave and one answer row per (response, item code)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaires.model import MISSING_ANSWERS

from ..extensions import db
from .invitation import Invitation
from .questionnaire import QuestionnaireVersion
from .types import UTCDateTime, one_of, utcnow


class ResponseStatus(StrEnum):
    """How far a response has come."""

    IN_PROGRESS = "in_progress"
    PARTIAL = "partial"
    COMPLETE = "complete"


RESPONSE_STATUSES = tuple(ResponseStatus)


class Response(db.Model):
    """A person's answers in one wave, tied to the exact questionnaire version answered."""

    __tablename__ = "response"
    __table_args__ = (
        one_of("status", ResponseStatus, "status_known"),
        sa.CheckConstraint(
            "(status = 'complete') = (submitted_at IS NOT NULL)", name="complete_iff_submitted"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id"), unique=True)
    wave_id: Mapped[int] = mapped_column(sa.ForeignKey("wave.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    questionnaire_version_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire_version.id"))
    #: in_progress while open; partial when the wave closed before submit; complete when submitted
    status: Mapped[str] = mapped_column(sa.String(16), default="in_progress")
    #: id of the page the respondent should see next
    current_page: Mapped[str | None] = mapped_column(sa.String(64))
    language: Mapped[str] = mapped_column(sa.String(2), default="nb")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: bumped on every save; a stale form (second tab) is detected and re-shown
    revision: Mapped[int] = mapped_column(sa.Integer, default=0)

    invitation: Mapped[Invitation] = relationship()
    version: Mapped[QuestionnaireVersion] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Response {self.id} {self.status}>"


class Answer(db.Model):
    """The answer to one item: a number, a text, a list of choices, or a named missing code."""

    __tablename__ = "answer"
    __table_args__ = (
        sa.UniqueConstraint("response_id", "item_code"),
        sa.CheckConstraint(
            "missing_code IS NULL OR (value_num IS NULL AND value_text IS NULL)",
            name="missing_has_no_value",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    item_code: Mapped[str] = mapped_column(sa.String(32))
    #: likert, single choice and number answers
    value_num: Mapped[float | None] = mapped_column(sa.Float)
    #: free-text answers
    value_text: Mapped[str | None] = mapped_column(sa.Text)
    #: multiple-choice answers: the chosen option values
    value_list: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    #: named missing value, e.g. 'dont_know' (vet ikke / ikke relevant); never a number
    missing_code: Mapped[str | None] = mapped_column(sa.String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    response: Mapped[Response] = relationship(back_populates="answers")

    @property
    def value(self) -> Any:
        """The answer as the form and conditions see it (number, text, list or 'dont_know')."""
        return answer_value(self.value_num, self.value_text, self.value_list, self.missing_code)


ANSWER_VALUE_COLUMNS = ("value_num", "value_text", "value_list", "missing_code")


def answer_value(num: float | None, text: str | None, lst: list | None, missing: str | None) -> Any:
    """An answer value from its stored columns: the one decoding of an answer row."""
    if missing:
        return missing
    if lst is not None:
        return lst
    if text is not None:
        return text
    if num is not None and float(num).is_integer():
        return int(num)
    return num


def answer_columns(value: Any) -> dict[str, Any]:
    """The stored columns of an answer value: the one encoding (``answer_value`` reverses it)."""
    row: dict[str, Any] = dict.fromkeys(ANSWER_VALUE_COLUMNS)
    if value in MISSING_ANSWERS:
        row["missing_code"] = value
    elif isinstance(value, list):
        row["value_list"] = list(value)
    elif isinstance(value, str):
        row["value_text"] = value
    else:
        row["value_num"] = float(value)
    return row
