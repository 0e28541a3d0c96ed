"""Immutable, content-hashed questionnaire versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from questionnaires import Questionnaire

from ..extensions import db
from .types import UTCDateTime, utcnow


class QuestionnaireVersion(db.Model):
    """One exact version of one role's questionnaire; never changed once stored."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (
        sa.UniqueConstraint("code", "content_hash"),
        sa.UniqueConstraint("code", "version_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: questionnaire code from the YAML file, e.g. ``dekom_skoleleder``
    code: Mapped[str] = mapped_column(sa.String(64), index=True)
    #: the respondent role it is written for
    role: Mapped[str] = mapped_column(sa.String(32))
    #: 1, 2, 3 ... per code, in the order versions were imported
    version_no: Mapped[int] = mapped_column(sa.Integer)
    #: SHA-256 of the canonical JSON definition
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    #: the normalised definition (includes resolved), as Questionnaire.to_dict()
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: where it was imported from, for people (not used to rebuild it)
    source: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def questionnaire(self) -> Questionnaire:
        """The definition as a Questionnaire object (cached per content hash)."""
        return _parsed(self.content_hash, self.definition)

    @property
    def label(self) -> str:
        """Short human label, e.g. ``dekom_uh v2 (3f2a9c1e)``."""
        return f"{self.code} v{self.version_no} ({self.content_hash[:8]})"

    def __repr__(self) -> str:
        return f"<QuestionnaireVersion {self.label}>"


class QuestionnaireDraft(db.Model):
    """An uploaded questionnaire that converted cleanly, waiting to be previewed and saved as a version."""

    __tablename__ = "questionnaire_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(32))
    #: the normalised definition, as Questionnaire.to_dict()
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: the uploaded file's name
    source: Mapped[str] = mapped_column(sa.String(255))
    #: warnings found on upload, as strings (errors never make a draft)
    warnings: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def questionnaire(self) -> Questionnaire:
        """The definition as a Questionnaire object."""
        return Questionnaire.from_dict(self.definition)


_CACHE: dict[str, Questionnaire] = {}


def _parsed(digest: str, definition: dict[str, Any]) -> Questionnaire:
    """Parse a stored definition once per content hash (versions never change)."""
    q = _CACHE.get(digest)
    if q is None:
        q = _CACHE[digest] = Questionnaire.from_dict(definition)
    return q


@event.listens_for(QuestionnaireVersion, "before_update")
def _refuse_update(mapper, connection, target: QuestionnaireVersion) -> None:
    """Versions are immutable: editing a questionnaire must create a new version."""
    raise ValueError(
        f"questionnaire version {target.label} is immutable; import a new version instead"
    )
