"""Read models for the questionnaire pages: versions by code with the waves that use them."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..models import QuestionnaireVersion, Response, Wave, WaveQuestionnaire


@dataclass
class WaveUse:
    """A wave that uses a version, and how many responses it has for it."""

    wave: Wave
    role: str
    responses: int
    comparability_note: str | None = None


@dataclass
class VersionRow:
    """One stored version with its uses."""

    version: QuestionnaireVersion
    waves: list[WaveUse] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        """True when some response answers this version (it can then never be deleted)."""
        return any(w.responses for w in self.waves)


def waves_using(version_id: int) -> list[WaveUse]:
    """The waves that use the version, newest first, with their response counts."""
    counts = dict(
        db.session.execute(
            sa.select(Response.wave_id, sa.func.count(Response.id))
            .where(Response.questionnaire_version_id == version_id)
            .group_by(Response.wave_id)
        ).all()
    )
    rows = db.session.execute(
        sa.select(Wave, WaveQuestionnaire)
        .join(WaveQuestionnaire, WaveQuestionnaire.wave_id == Wave.id)
        .where(WaveQuestionnaire.questionnaire_version_id == version_id)
        .order_by(Wave.year.desc(), Wave.id.desc())
    ).all()
    return [
        WaveUse(wave, wq.role, counts.get(wave.id, 0), wq.comparability_note) for wave, wq in rows
    ]


def version_rows() -> list[tuple[str, list[VersionRow]]]:
    """(questionnaire code, its versions newest first with their waves), codes in order."""
    versions = list(
        db.session.scalars(
            sa.select(QuestionnaireVersion).order_by(
                QuestionnaireVersion.code, QuestionnaireVersion.version_no.desc()
            )
        )
    )
    counts: dict[tuple[int, int], int] = {
        (vid, wid): n
        for vid, wid, n in db.session.execute(
            sa.select(
                Response.questionnaire_version_id, Response.wave_id, sa.func.count(Response.id)
            ).group_by(Response.questionnaire_version_id, Response.wave_id)
        ).all()
    }
    uses: dict[int, list[WaveUse]] = {}
    for wave, wq in db.session.execute(
        sa.select(Wave, WaveQuestionnaire)
        .join(WaveQuestionnaire, WaveQuestionnaire.wave_id == Wave.id)
        .order_by(Wave.year.desc(), Wave.id.desc())
    ).all():
        uses.setdefault(wq.questionnaire_version_id, []).append(
            WaveUse(
                wave,
                wq.role,
                counts.get((wq.questionnaire_version_id, wave.id), 0),
                wq.comparability_note,
            )
        )
    groups: dict[str, list[VersionRow]] = {}
    for v in versions:
        groups.setdefault(v.code, []).append(VersionRow(v, uses.get(v.id, [])))
    return list(groups.items())
