"""Theme coding of free-text answers: codebook versions, auto-coder suggestions, coders' decisions.

Everything a coder does is scoped to one immutable :class:`CodebookVersion`; editing the codebook
makes a new version. Each coder has at most one decision per (answer, theme, version), so two
coders can code the same answers independently and be compared.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaires.codebook import Codebook, Theme

from ..extensions import db
from .types import UTCDateTime, utcnow
from .user import User

DECISION_SOURCES = ("accepted", "rejected", "added", "absent", "bulk")


class CodebookVersion(db.Model):
    """One exact version of the theme codebook; never changed once stored."""

    __tablename__ = "codebook_version"
    __table_args__ = (sa.UniqueConstraint("version_no"), sa.UniqueConstraint("content_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1, 2, 3 ... in the order versions were made
    version_no: Mapped[int] = mapped_column(sa.Integer)
    #: SHA-256 of the canonical JSON of items and themes
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    #: {"items": [...], "themes": [{code, label, definition, include, exclude, signals, ...}]}
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: where it came from: a file name, 'web edit', 'import'
    source: Mapped[str | None] = mapped_column(sa.String(255))
    #: the researcher's note on what changed
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()

    @property
    def codebook(self) -> Codebook:
        """The definition as a questionnaires Codebook (version = version_no)."""
        return codebook_from_definition(self.definition, self.version_no)

    @property
    def theme_codes(self) -> list[str]:
        """Theme codes in codebook order."""
        return [t["code"] for t in self.definition.get("themes", [])]

    def __repr__(self) -> str:
        return f"<CodebookVersion v{self.version_no} ({self.content_hash[:8]})>"


def codebook_from_definition(definition: dict[str, Any], version: int) -> Codebook:
    """Build a Codebook object from a stored definition mapping."""
    themes = []
    for t in definition.get("themes", []):
        themes.append(
            Theme(
                code=t["code"],
                label=dict(t.get("label") or {}),
                definition=t.get("definition") or None,
                include=t.get("include") or None,
                exclude=t.get("exclude") or None,
                signals=tuple(t.get("signals") or ()),
                negative=tuple(t.get("negative") or ()),
                examples=tuple(t.get("examples") or ()),
            )
        )
    return Codebook(
        version=version, items=tuple(definition.get("items") or ()), themes=tuple(themes)
    )


@event.listens_for(CodebookVersion, "before_update")
def _refuse_update(mapper, connection, target: CodebookVersion) -> None:
    """Versions are immutable: an edited codebook is stored as a new version."""
    raise ValueError(
        f"codebook version v{target.version_no} is immutable; save a new version instead"
    )


class CodingSuggestion(db.Model):
    """The auto-coder's verdict on one answer under one codebook version (a cache)."""

    __tablename__ = "coding_suggestion"
    __table_args__ = (sa.UniqueConstraint("answer_id", "codebook_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("answer.id", ondelete="CASCADE"), index=True
    )
    codebook_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("codebook_version.id", ondelete="CASCADE"), index=True
    )
    #: certainty of the coder's least certain decision (0-1)
    confidence: Mapped[float] = mapped_column(sa.Float)
    #: below the review threshold: human coders see it first
    needs_review: Mapped[bool] = mapped_column(sa.Boolean)
    #: why it needs review, e.g. 'uncertain tid'
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    #: codes of the themes the auto-coder assigns
    themes: Mapped[list[str]] = mapped_column(sa.JSON)
    #: every theme with evidence: [{theme, confidence, assigned, evidence: [[start, end, word, signal, weak]]}]
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    #: SHA-1 of the answer text it was computed from (recomputed when the text differs)
    text_hash: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CodingDecision(db.Model):
    """One coder's verdict on one theme for one answer."""

    __tablename__ = "coding_decision"
    __table_args__ = (
        sa.UniqueConstraint("answer_id", "coder_id", "codebook_version_id", "theme_code"),
        sa.CheckConstraint(
            "source IN ('accepted', 'rejected', 'added', 'absent', 'bulk')", name="source_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("answer.id", ondelete="CASCADE"), index=True
    )
    coder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    codebook_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("codebook_version.id", ondelete="CASCADE"), index=True
    )
    theme_code: Mapped[str] = mapped_column(sa.String(32))
    #: True when the coder says the theme is in the answer
    applied: Mapped[bool] = mapped_column(sa.Boolean)
    #: accepted/rejected a suggestion, added an unsuggested theme, left one off (absent),
    #: or bulk-accepted a confident suggestion without reading it (bulk)
    source: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CodingMemo(db.Model):
    """A coder's note on an answer (kept across codebook versions)."""

    __tablename__ = "coding_memo"
    __table_args__ = (sa.UniqueConstraint("answer_id", "coder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("answer.id", ondelete="CASCADE"), index=True
    )
    coder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CodingResolution(db.Model):
    """The final code of one theme for one answer, chosen by a resolver after a disagreement."""

    __tablename__ = "coding_resolution"
    __table_args__ = (sa.UniqueConstraint("answer_id", "codebook_version_id", "theme_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("answer.id", ondelete="CASCADE"), index=True
    )
    codebook_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("codebook_version.id", ondelete="CASCADE"), index=True
    )
    theme_code: Mapped[str] = mapped_column(sa.String(32))
    applied: Mapped[bool] = mapped_column(sa.Boolean)
    resolver_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
