"""Store questionnaire versions (a new version only when the content hash is new), uploaded drafts,
and the comparability of a version with the one the same role answered in the last wave."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from questionnaires import (
    INSTRUMENT_DIR,
    Questionnaire,
    load_questionnaire,
    load_scales,
    scale_files,
)
from questionnaires.diff import QuestionnaireDiff, diff_questionnaires

from ..extensions import db
from ..models import QuestionnaireDraft, QuestionnaireVersion, Response, Wave, WaveQuestionnaire
from .audit import record


class VersionInUse(ValueError):
    """A version that a wave uses (or that has answers) cannot be deleted."""


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
        sa.select(sa.func.max(QuestionnaireVersion.version_no)).where(
            QuestionnaireVersion.code == q.code
        )
    )
    version = QuestionnaireVersion(
        code=q.code,
        role=q.role,
        version_no=(last or 0) + 1,
        content_hash=digest,
        definition=q.to_dict(),
        source=source,
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
                return db.session.scalar(
                    sa.select(QuestionnaireVersion).where(
                        QuestionnaireVersion.code == code.strip(),
                        QuestionnaireVersion.version_no == int(number),
                    )
                )
    return None


def create_draft(
    q: Questionnaire, source: str, warnings: list[str], user=None
) -> QuestionnaireDraft:
    """Keep a cleanly converted upload for preview before it is saved as a version."""
    draft = QuestionnaireDraft(
        code=q.code,
        role=q.role,
        definition=q.to_dict(),
        source=source[:255],
        warnings=warnings,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def save_draft(draft: QuestionnaireDraft) -> tuple[QuestionnaireVersion, bool]:
    """Store the draft as a new immutable version (or find the identical one); the draft is removed."""
    version, created = store_version(draft.questionnaire, source=f"upload: {draft.source}")
    if created:
        record(
            "questionnaire.save",
            target=version,
            after={"label": version.label, "source": draft.source},
        )
    db.session.delete(draft)
    db.session.flush()
    return version, created


def delete_version(version: QuestionnaireVersion) -> None:
    """Delete a version no wave uses; a version in a wave (or with answers) is kept for good."""
    used = db.session.scalar(
        sa.select(sa.func.count(WaveQuestionnaire.id)).where(
            WaveQuestionnaire.questionnaire_version_id == version.id
        )
    )
    answered = db.session.scalar(
        sa.select(sa.func.count(Response.id)).where(Response.questionnaire_version_id == version.id)
    )
    if used or answered:
        raise VersionInUse(f"{version.label} is used by a wave and cannot be deleted")
    record("questionnaire.delete", target=version, before={"label": version.label})
    db.session.delete(version)
    db.session.flush()


def analysis_scales(version: int = 1) -> list:
    """The analysis scales of instrument ``version`` (its scales.yaml) that comparability is judged by."""
    files = scale_files(INSTRUMENT_DIR)
    return load_scales(files.get(version) or INSTRUMENT_DIR / "scales.yaml")


def launched_waves(exclude: Wave | None = None) -> list[Wave]:
    """Waves that have been opened (open or closed), most recent first."""
    query = sa.select(Wave).where(Wave.status != "draft").order_by(Wave.year.desc(), Wave.id.desc())
    return [w for w in db.session.scalars(query) if exclude is None or w.id != exclude.id]


def previous_version(
    role: str, exclude: Wave | None = None
) -> tuple[Wave, QuestionnaireVersion] | None:
    """The version ``role`` answered in the most recent launched wave (other than ``exclude``)."""
    for wave in launched_waves(exclude):
        version = wave.version_for(role)
        if version is not None:
            return wave, version
    return None


def measured_items(exclude: Wave | None = None) -> set[str]:
    """Item codes asked in any launched wave (other than ``exclude``), in any role."""
    codes: set[str] = set()
    for wave in launched_waves(exclude):
        for wq in wave.questionnaires:
            codes.update(wq.version.questionnaire.item_codes())
    return codes


def compare(
    old: Questionnaire, new: Questionnaire, exclude: Wave | None = None
) -> QuestionnaireDiff:
    """The diff from ``old`` to ``new``; changes to scale items measured in earlier waves are breaking."""
    new_scales = analysis_scales(new.instrument_version)
    old_scales = (
        analysis_scales(old.instrument_version)
        if old.instrument_version != new.instrument_version
        else None
    )
    return diff_questionnaires(
        old, new, scales=new_scales, old_scales=old_scales, measured=measured_items(exclude)
    )


def comparability(
    q: Questionnaire, role: str, exclude: Wave | None = None
) -> tuple[Wave, QuestionnaireVersion, QuestionnaireDiff] | None:
    """(last wave, its version, diff) for ``q`` against what ``role`` answered in the last launched wave."""
    found = previous_version(role, exclude)
    if found is None:
        return None
    wave, version = found
    return wave, version, compare(version.questionnaire, q, exclude)


def version_comparison(
    version: QuestionnaireVersion,
) -> tuple[Wave, QuestionnaireVersion, QuestionnaireDiff] | None:
    """(wave, version, diff) from what the role answered in the launched wave before the first wave using
    ``version`` to ``version``; a version no wave uses is compared with the last launched wave's."""
    uses = [
        (wq.wave.year, wq.wave.id)
        for wq in db.session.scalars(
            sa.select(WaveQuestionnaire).where(
                WaveQuestionnaire.questionnaire_version_id == version.id,
                WaveQuestionnaire.role == version.role,
            )
        )
    ]
    first = min(uses) if uses else None
    for wave in launched_waves():
        if first is not None and (wave.year, wave.id) >= first:
            continue
        earlier = wave.version_for(version.role)
        if earlier is None:
            continue
        if earlier.id == version.id:
            return None
        return wave, earlier, compare(earlier.questionnaire, version.questionnaire)
    return None
