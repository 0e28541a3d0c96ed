"""Wave pages: list, create, edit, open, close, clone, invite the panel."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..access import roles_required
from ..domain import invitations as invitation_service
from ..domain import waves as wave_service
from ..extensions import db
from ..models import Invitation, Job, Wave
from ..readers.panel_file import PANEL_ROLES
from . import bp
from .forms import (
    ActionForm,
    CloneForm,
    ReminderForm,
    SelectChoice,
    SendForm,
    WaveForm,
    WaveOpenForm,
)

OSLO = ZoneInfo("Europe/Oslo")


def _wave_or_404(wave_id: int) -> Wave:
    wave = db.session.get(Wave, wave_id)
    if wave is None:
        abort(404)
    return wave


def _to_utc(local: datetime | None) -> datetime | None:
    """Form times are Norwegian wall-clock times."""
    return local.replace(tzinfo=OSLO).astimezone(UTC) if local else None


def _to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(OSLO).replace(tzinfo=None) if value else None


def _fill_choices(form: WaveForm) -> bool:
    """Version choices per role; False when some role has no stored questionnaire."""
    versions = wave_service.versions_by_role()
    for role in PANEL_ROLES:
        getattr(form, f"version_{role}").choices = [
            SelectChoice(v.id, v.label) for v in versions.get(role, [])
        ]
    return all(versions.get(role) for role in PANEL_ROLES)


def _chosen_versions(form: WaveForm) -> dict[str, int]:
    return {role: getattr(form, f"version_{role}").data for role in PANEL_ROLES}


@bp.route("/waves")
@roles_required("admin", "evaluator")
def waves():
    """All waves, newest first."""
    rows = db.session.execute(
        sa.select(Wave, sa.func.count(Invitation.id))
        .outerjoin(Invitation, Invitation.wave_id == Wave.id)
        .group_by(Wave.id)
        .order_by(Wave.year.desc(), Wave.id.desc())
    ).all()
    return render_template("console/waves.html", rows=rows)


@bp.route("/waves/new", methods=["GET", "POST"])
@roles_required("admin", "evaluator")
def wave_new():
    """Create a draft wave: name, year, schedule and a questionnaire version per role."""
    form = WaveForm()
    complete = _fill_choices(form)
    if form.validate_on_submit():
        try:
            wave = wave_service.create_wave(
                form.name.data.strip(),
                form.year.data,
                _chosen_versions(form),
                _to_utc(form.opens_at.data),
                _to_utc(form.closes_at.data),
                reminders=form.reminders(),
            )
            db.session.commit()
        except wave_service.WaveError as exc:
            db.session.rollback()
            form.name.errors.append(str(exc))
        else:
            flash(_("Bølgen «%(name)s» er opprettet.", name=wave.name), "success")
            return redirect(url_for("console.wave_detail", wave_id=wave.id))
    return render_template("console/wave_form.html", form=form, wave=None, complete=complete)


@bp.route("/waves/<int:wave_id>/edit", methods=["GET", "POST"])
@roles_required("admin", "evaluator")
def wave_edit(wave_id: int):
    """Change name, schedule and (while a draft) questionnaires."""
    wave = _wave_or_404(wave_id)
    form = WaveForm()
    complete = _fill_choices(form)
    if not form.is_submitted():
        form.name.data, form.year.data = wave.name, wave.year
        form.opens_at.data, form.closes_at.data = (
            _to_local(wave.opens_at),
            _to_local(wave.closes_at),
        )
        form.remind_every_days.data, form.remind_max.data = wave.remind_every_days, wave.remind_max
        form.remind_language.data = wave.remind_language
        for wq in wave.questionnaires:
            getattr(form, f"version_{wq.role}").data = wq.questionnaire_version_id
    if form.validate_on_submit():
        try:
            wave_service.update_wave(
                wave,
                name=form.name.data.strip(),
                year=form.year.data,
                versions=_chosen_versions(form),
                opens_at=_to_utc(form.opens_at.data),
                closes_at=_to_utc(form.closes_at.data),
                reminders=form.reminders(),
            )
            db.session.commit()
        except wave_service.WaveError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Endringene er lagret."), "success")
            return redirect(url_for("console.wave_detail", wave_id=wave.id))
    return render_template("console/wave_form.html", form=form, wave=wave, complete=complete)


@bp.route("/waves/<int:wave_id>")
@roles_required("admin", "evaluator")
def wave_detail(wave_id: int):
    """A wave: status, schedule, questionnaires, delivery, and the actions."""
    wave = _wave_or_404(wave_id)
    jobs = list(
        db.session.scalars(
            sa.select(Job).where(Job.kind.like("invitations.%")).order_by(Job.id.desc()).limit(50)
        )
    )
    jobs = [j for j in jobs if (j.params or {}).get("wave_id") == wave.id][:5]
    clone = CloneForm(name=f"{wave.name} (kopi)", year=wave.year + 2)
    return render_template(
        "console/wave_detail.html",
        wave=wave,
        counts=invitation_service.delivery_counts(wave.id),
        failed=invitation_service.failed_invitations(wave.id, limit=50),
        uncertain=list(db.session.scalars(invitation_service.uncertain_query(wave.id).limit(50))),
        jobs=jobs,
        action=ActionForm(),
        clone=clone,
        send=SendForm(),
        remind=ReminderForm(),
        oslo=OSLO,
        open_form=WaveOpenForm(),
        breaks=wave_service.comparability_breaks(wave) if wave.status == "draft" else {},
    )


def _act(wave_id: int, action, success: str):
    wave = _wave_or_404(wave_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        result = action(wave)
        db.session.commit()
    except wave_service.WaveError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(success % (result if isinstance(result, dict) else {"n": result}), "success")
    return redirect(url_for("console.wave_detail", wave_id=wave_id))


@bp.route("/waves/<int:wave_id>/open", methods=["POST"])
@roles_required("admin", "evaluator")
def wave_open(wave_id: int):
    """Open the wave for answers; a break of comparability must be confirmed with a note."""
    wave = _wave_or_404(wave_id)
    form = WaveOpenForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        wave_service.open_wave(wave, comparability_note=form.note.data)
        db.session.commit()
    except wave_service.NeedsComparabilityNote:
        db.session.rollback()
        flash(
            _(
                "Skjemaene bryter sammenlignbarheten med en tidligere bølge. Skriv en merknad som "
                "forklarer endringene for å åpne bølgen."
            ),
            "error",
        )
    except wave_service.WaveError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Bølgen er åpnet."), "success")
    return redirect(url_for("console.wave_detail", wave_id=wave_id))


@bp.route("/waves/<int:wave_id>/close", methods=["POST"])
@roles_required("admin", "evaluator")
def wave_close(wave_id: int):
    """Close the wave; unfinished answers become partial."""
    return _act(
        wave_id,
        wave_service.close_wave,
        _("Bølgen er stengt; %(n)s påbegynte svar er merket som delvise."),
    )


@bp.route("/waves/<int:wave_id>/invite", methods=["POST"])
@roles_required("admin", "evaluator")
def wave_invite(wave_id: int):
    """Create invitations for everyone in the panel not yet invited (nothing is sent)."""
    return _act(
        wave_id,
        wave_service.invite_panel,
        _("%(invited)s nye invitasjoner er laget (ikke sendt ennå); %(revoked)s trukket tilbake."),
    )


@bp.route("/waves/<int:wave_id>/clone", methods=["POST"])
@roles_required("admin", "evaluator")
def wave_clone(wave_id: int):
    """A new draft wave with the same questionnaires and the current panel invited."""
    source = _wave_or_404(wave_id)
    form = CloneForm()
    if not form.validate_on_submit():
        flash(_("Fyll inn navn og år for den nye bølgen."), "error")
        return redirect(url_for("console.wave_detail", wave_id=wave_id))
    try:
        wave = wave_service.clone_wave(source, form.name.data.strip(), form.year.data)
        db.session.commit()
    except wave_service.WaveError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("console.wave_detail", wave_id=wave_id))
    flash(_("Bølgen «%(name)s» er opprettet som kopi.", name=wave.name), "success")
    return redirect(url_for("console.wave_detail", wave_id=wave.id))
