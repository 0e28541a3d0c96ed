"""Store questionnaire versions: a new version only when the content hash is new."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from questionnaires import Questionnaire, load_questionnaire

from ..extensions import db
from ..models import QuestionnaireVersion


def store_version(q: Questionnaire, source: str | None = None) -> tuple[QuestionnaireVersion, bool]:
    """Return the stored version for ``q``, adding it if its content is new (created flag)."""
    digest = q.content_hash()
    existing = db.session.scalar(
        sa.select(QuestionnaireVersion).where(
            QuestionnaireVersion.code == q.code, QuestionnaireVersion.content_hash == digest
        )
    )
    if existing is not None:
        return existing, False
    last = db.session.scalar(
        sa.select(sa.func.max(QuestionnaireVersion.version_no)).where(QuestionnaireVersion.code == q.code)
    )
    version = QuestionnaireVersion(
        code=q.code, role=q.role, version_no=(last or 0) + 1, content_hash=digest,
        definition=q.to_dict(), source=source,
    )
    db.session.add(version)
    db.session.flush()
    return version, True


def import_file(path: Path | str) -> tuple[QuestionnaireVersion, bool]:
    """Load, validate and store the questionnaire in ``path`` (raises InstrumentError)."""
    q = load_questionnaire(path)
    return store_version(q, source=str(path))


def latest_version(role: str) -> QuestionnaireVersion | None:
    """The most recently imported version for ``role``."""
    return db.session.scalar(
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.role == role)
        .order_by(QuestionnaireVersion.created_at.desc(), QuestionnaireVersion.id.desc())
        .limit(1)
    )


def find_version(spec: str) -> QuestionnaireVersion | None:
    """The stored version named by ``spec``: ``CODE:vN``, ``CODE:N``, ``CODE vN`` or its database id."""
    text = spec.strip()
    if text.isdigit():
        return db.session.get(QuestionnaireVersion, int(text))
    for sep in (":", " "):
        if sep in text:
            code, _, number = text.rpartition(sep)
            number = number.strip().lstrip("v")
            if number.isdigit():
                return db.session.scalar(sa.select(QuestionnaireVersion).where(
                    QuestionnaireVersion.code == code.strip(), QuestionnaireVersion.version_no == int(number)))
    return None
