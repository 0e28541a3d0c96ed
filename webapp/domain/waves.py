"""Waves: create from questionnaire versions per role, schedule, open, close, clone, invite the panel.

Every function records an audit event with the state before and after; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..infra.tokens import assign_token
from ..models import Invitation, Person, QuestionnaireVersion, Wave, WaveQuestionnaire, utcnow
from ..readers.panel_file import PANEL_ROLES
from .audit import record


class WaveError(ValueError):
    """A wave action that is not allowed in the wave's current state."""


class NeedsComparabilityNote(WaveError):
    """Opening needs the evaluator's note: a questionnaire breaks comparability with an earlier wave."""

    def __init__(self, breaks: dict[str, dict]):
        self.breaks = breaks
        scales = sorted({s for b in breaks.values() for s in b["broken_scales"]})
        super().__init__(
            "the questionnaires change items of scales measured in an earlier wave "
            f"({', '.join(scales)}); confirm with a note to open the wave"
        )


def comparability_breaks(wave: Wave) -> dict[str, dict]:
    """Per role: what breaks comparability with the last launched wave (empty when nothing does)."""
    from .questionnaires import comparability

    out: dict[str, dict] = {}
    for wq in wave.questionnaires:
        found = comparability(wq.version.questionnaire, wq.role, exclude=wave)
        if found is None:
            continue
        previous_wave, previous, diff = found
        if diff.breaking:
            out[wq.role] = {
                "wave": previous_wave.name,
                "wave_id": previous_wave.id,
                "version": previous.label,
                "version_id": previous.id,
                "broken_scales": diff.broken_scales(),
                "recomputable": list(diff.recomputable),
                "items": sorted({c.code for c in diff.breaking}),
                "changes": [c.describe() for c in diff.breaking],
            }
    return out


def wave_state(wave: Wave) -> dict:
    """The audited fields of a wave."""
    return {
        "name": wave.name,
        "year": wave.year,
        "status": wave.status,
        "opens_at": wave.opens_at.isoformat() if wave.opens_at else None,
        "closes_at": wave.closes_at.isoformat() if wave.closes_at else None,
        "versions": {wq.role: wq.questionnaire_version_id for wq in wave.questionnaires},
        **(
            {"comparability_notes": notes}
            if (
                notes := {
                    wq.role: wq.comparability_note
                    for wq in wave.questionnaires
                    if wq.comparability_note
                }
            )
            else {}
        ),
        "reminders": {
            "every_days": wave.remind_every_days,
            "max": wave.remind_max,
            "language": wave.remind_language,
        },
    }


def set_reminders(
    wave: Wave, every_days: int | None, max_count: int = 3, language: str = "nb"
) -> None:
    """Automatic reminders: every ``every_days`` days (None = off), at most ``max_count`` each."""
    if every_days is not None and not 1 <= every_days <= 365:
        raise WaveError("reminder interval must be between 1 and 365 days")
    if not 0 <= max_count <= 20:
        raise WaveError("reminders per person must be between 0 and 20")
    if language not in ("nb", "nn", "en"):
        raise WaveError(f"unknown reminder language {language!r}")
    wave.remind_every_days, wave.remind_max, wave.remind_language = every_days, max_count, language


def versions_by_role() -> dict[str, list[QuestionnaireVersion]]:
    """Stored questionnaire versions per role, newest first (for the wave form)."""
    out: dict[str, list[QuestionnaireVersion]] = {role: [] for role in PANEL_ROLES}
    query = sa.select(QuestionnaireVersion).order_by(
        QuestionnaireVersion.created_at.desc(), QuestionnaireVersion.id.desc()
    )
    for version in db.session.scalars(query):
        out.setdefault(version.role, []).append(version)
    return out


def _check_schedule(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise WaveError("closes_at must be after opens_at")


def _set_versions(wave: Wave, versions: dict[str, int]) -> None:
    for role, version_id in versions.items():
        version = db.session.get(QuestionnaireVersion, version_id)
        if version is None or version.role != role:
            raise WaveError(f"questionnaire version {version_id} is not a {role} questionnaire")
        current = next((wq for wq in wave.questionnaires if wq.role == role), None)
        if current is None:
            wave.questionnaires.append(WaveQuestionnaire(role=role, version=version))
        else:
            current.version = version


def create_wave(
    name: str,
    year: int,
    versions: dict[str, int],
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    reminders: tuple[int | None, int, str] | None = None,
) -> Wave:
    """A new draft wave answering ``versions`` (role -> QuestionnaireVersion id).

    ``reminders`` is (every_days or None, max per person, language) for automatic reminders.
    """
    _check_schedule(opens_at, closes_at)
    if db.session.scalar(sa.select(Wave.id).where(Wave.name == name)):
        raise WaveError(f"a wave named {name!r} exists already")
    wave = Wave(name=name, year=year, status="draft", opens_at=opens_at, closes_at=closes_at)
    set_reminders(wave, *(reminders or (None, 3, "nb")))
    _set_versions(wave, versions)
    db.session.add(wave)
    db.session.flush()
    record("wave.create", target=wave, after=wave_state(wave))
    return wave


def update_wave(
    wave: Wave,
    *,
    name: str,
    year: int,
    versions: dict[str, int],
    opens_at: datetime | None,
    closes_at: datetime | None,
    reminders: tuple[int | None, int, str] | None = None,
) -> Wave:
    """Change name, schedule, reminders or questionnaires (questionnaires only in a draft)."""
    before = wave_state(wave)
    _check_schedule(opens_at, closes_at)
    if wave.status != "draft" and versions != before["versions"]:
        raise WaveError("questionnaires can only be changed while the wave is a draft")
    if reminders is not None:
        set_reminders(wave, *reminders)
    wave.name, wave.year, wave.opens_at, wave.closes_at = name, year, opens_at, closes_at
    _set_versions(wave, versions)
    db.session.flush()
    record("wave.update", target=wave, before=before, after=wave_state(wave))
    return wave


def open_wave(wave: Wave, comparability_note: str | None = None) -> Wave:
    """Open the wave for answers (from draft, or re-open a closed one).

    When a questionnaire changes items of a scale measured in an earlier wave, opening needs
    ``comparability_note``; the note and what broke are stored per role (codebook, DDI export).
    """
    if wave.status == "open":
        raise WaveError("the wave is open already")
    if not wave.questionnaires:
        raise WaveError("the wave has no questionnaires")
    breaks = comparability_breaks(wave) if wave.status == "draft" else {}
    note = (comparability_note or "").strip()
    if breaks and not note:
        raise NeedsComparabilityNote(breaks)
    for wq in wave.questionnaires:
        if wq.role in breaks:
            wq.comparability_note, wq.comparability = note, breaks[wq.role]
    before = wave_state(wave)
    wave.status = "open"
    if wave.opens_at is None or wave.opens_at > utcnow():
        wave.opens_at = utcnow()
    if wave.closes_at is not None and (
        wave.closes_at <= wave.opens_at or wave.closes_at <= utcnow()
    ):
        wave.closes_at = None  # re-opened after its planned close: no automatic close any more
    db.session.flush()
    record("wave.open", target=wave, before=before, after=wave_state(wave))
    return wave


def close_wave(wave: Wave) -> int:
    """Close the wave; unfinished responses become 'partial' (kept). Returns how many."""
    if wave.status != "open":
        raise WaveError("only an open wave can be closed")
    before = wave_state(wave)
    wave.status = "closed"
    now = utcnow()
    if wave.closes_at is None or wave.closes_at > now:
        wave.closes_at = now if wave.opens_at is None or now > wave.opens_at else None
    from .responses import mark_partial_for_wave

    partial = mark_partial_for_wave(wave)
    db.session.flush()
    record("wave.close", target=wave, before=before, after={**wave_state(wave), "partial": partial})
    return partial


def invite_panel(wave: Wave) -> dict[str, int]:
    """Create invitations for active persons not yet invited; revoke unsent ones of leavers."""
    if wave.status == "closed":
        raise WaveError("the wave is closed")
    roles = [wq.role for wq in wave.questionnaires]
    invited = sa.select(Invitation.person_id).where(Invitation.wave_id == wave.id)
    persons = list(
        db.session.scalars(
            sa.select(Person)
            .where(Person.left_at.is_(None), Person.role.in_(roles), Person.id.not_in(invited))
            .order_by(Person.id)
        )
    )
    for person in persons:
        invitation = Invitation(
            wave_id=wave.id, person_id=person.id, status="pending", reminder_count=0
        )
        assign_token(invitation)
        db.session.add(invitation)
    leavers = sa.select(Person.id).where(Person.left_at.is_not(None))
    revoked = (
        db.session.execute(
            sa.update(Invitation)
            .where(
                Invitation.wave_id == wave.id,
                Invitation.status == "pending",
                Invitation.claimed_at.is_(None),
                Invitation.person_id.in_(leavers),
            )
            .values(status="revoked"),
            execution_options={"synchronize_session": False},
        ).rowcount
        or 0
    )
    db.session.flush()
    counts = {"invited": len(persons), "revoked": revoked}
    record("wave.invite_panel", target=wave, after=counts)
    return counts


def clone_wave(source: Wave, name: str, year: int, versions: dict[str, int] | None = None) -> Wave:
    """A new draft wave with the same questionnaires (or ``versions``) and the current panel.

    Everyone still in the panel is invited again, persons added since are invited too, and
    leavers are not invited (they stay in the panel, marked as left).
    """
    chosen = versions or {wq.role: wq.questionnaire_version_id for wq in source.questionnaires}
    wave = create_wave(name, year, chosen)
    wave.cloned_from_id = source.id
    counts = invite_panel(wave)
    previous = set(
        db.session.scalars(sa.select(Invitation.person_id).where(Invitation.wave_id == source.id))
    )
    now_invited = set(
        db.session.scalars(sa.select(Invitation.person_id).where(Invitation.wave_id == wave.id))
    )
    result = {
        "reinvited": len(previous & now_invited),
        "new": len(now_invited - previous),
        "not_reinvited": len(previous - now_invited),
        **counts,
    }
    record(
        "wave.clone",
        target=wave,
        before={"source": source.id, "source_name": source.name},
        after=result,
    )
    return wave


def apply_schedule(now: datetime | None = None) -> dict[str, list[str]]:
    """Open draft waves whose planned opening has come and close open waves past their closing.

    Run by ``flask jobs tick`` (e.g. from cron every few minutes); audited as actor 'schedule'.
    A draft without questionnaires is left alone.
    """
    now = now or utcnow()
    opened, closed = [], []
    due_open = sa.select(Wave).where(
        Wave.status == "draft", Wave.opens_at.is_not(None), Wave.opens_at <= now
    )
    for wave in db.session.scalars(due_open):
        if not wave.questionnaires or (wave.closes_at is not None and wave.closes_at <= now):
            continue
        if comparability_breaks(wave) and not all(
            wq.comparability_note
            for wq in wave.questionnaires
            if wq.role in comparability_breaks(wave)
        ):
            continue  # an evaluator must confirm the break of comparability with a note
        before = wave_state(wave)
        wave.status = "open"
        record("wave.open", target=wave, before=before, after=wave_state(wave), actor="schedule")
        opened.append(wave.name)
    due_close = sa.select(Wave).where(
        Wave.status == "open", Wave.closes_at.is_not(None), Wave.closes_at <= now
    )
    for wave in db.session.scalars(due_close):
        before = wave_state(wave)
        wave.status = "closed"
        from .responses import mark_partial_for_wave

        partial = mark_partial_for_wave(wave)
        record(
            "wave.close",
            target=wave,
            before=before,
            after={**wave_state(wave), "partial": partial},
            actor="schedule",
        )
        closed.append(wave.name)
    db.session.flush()
    return {"opened": opened, "closed": closed}
