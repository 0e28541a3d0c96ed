"""Invitation pages: preview the e-mail, start sending and reminders (as jobs), follow jobs."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..domain.audit import record
from ..domain.invitations import release_uncertain, render_for
from ..extensions import db
from ..infra import jobs as job_service
from ..infra.mailer import MAIL_KINDS, MAIL_LANGUAGES
from ..models import Contact, Invitation, Job, Person, Wave
from . import bp
from .forms import ActionForm, ReminderForm, SendForm


def _wave_or_404(wave_id: int) -> Wave:
    wave = db.session.get(Wave, wave_id)
    if wave is None:
        abort(404)
    return wave


@bp.route("/waves/<int:wave_id>/mail-preview")
@roles_required("admin", "evaluator")
def mail_preview(wave_id: int):
    """Show the e-mail as a chosen invitee will get it (subject, text and HTML)."""
    wave = _wave_or_404(wave_id)
    kind = request.args.get("kind", "invitation")
    language = request.args.get("mail_lang", "nb")
    if kind not in MAIL_KINDS or language not in MAIL_LANGUAGES:
        abort(404)
    invitation = db.session.scalar(
        sa.select(Invitation)
        .join(Contact, Contact.person_id == Invitation.person_id)
        .where(Invitation.wave_id == wave.id)
        .order_by(Invitation.status != "pending", Invitation.id)
        .limit(1)
    )
    mail = None
    if invitation is not None:
        subject, text, html = render_for(invitation, kind, language)
        mail = {
            "subject": subject,
            "text": text,
            "html": html,
            "to": f"{invitation.person.contact.name} <{invitation.person.contact.email}>",
        }
    return render_template(
        "console/mail_preview.html",
        wave=wave,
        mail=mail,
        kind=kind,
        language=language,
        kinds=MAIL_KINDS,
        languages=MAIL_LANGUAGES,
    )


@bp.route("/waves/<int:wave_id>/send", methods=["POST"])
@roles_required("admin", "evaluator")
def wave_send(wave_id: int):
    """Queue a job that sends the wave's pending invitations."""
    wave = _wave_or_404(wave_id)
    form = SendForm()
    if not form.validate_on_submit():
        abort(400)
    if wave.status == "closed":
        flash(_("Bølgen er stengt."), "error")
        return redirect(url_for("console.wave_detail", wave_id=wave.id))
    record("invitations.send", target=wave, after={"language": form.language.data})
    job = job_service.enqueue(
        "invitations.send", {"wave_id": wave.id, "language": form.language.data}, user=current_user
    )
    flash(_("Utsendingen er lagt i kø som jobb #%(id)s.", id=job.id), "success")
    return redirect(url_for("console.job_detail", job_id=job.id))


@bp.route("/waves/<int:wave_id>/remind", methods=["POST"])
@roles_required("admin", "evaluator")
def wave_remind(wave_id: int):
    """Queue a job that reminds those who have not submitted."""
    wave = _wave_or_404(wave_id)
    form = ReminderForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("console.wave_detail", wave_id=wave.id))
    if wave.status != "open":
        flash(_("Påminnelser kan bare sendes mens bølgen er åpen."), "error")
        return redirect(url_for("console.wave_detail", wave_id=wave.id))
    params = {
        "wave_id": wave.id,
        "language": form.language.data,
        "max_reminders": form.max_reminders.data,
        "min_days": form.min_days.data,
    }
    record("invitations.remind", target=wave, after=params)
    job = job_service.enqueue("invitations.remind", params, user=current_user)
    flash(_("Påminnelsene er lagt i kø som jobb #%(id)s.", id=job.id), "success")
    return redirect(url_for("console.job_detail", job_id=job.id))


@bp.route("/waves/<int:wave_id>/release-uncertain", methods=["POST"])
@roles_required("admin", "evaluator")
def wave_release_uncertain(wave_id: int):
    """Let the next run send the invitations a crashed sender may or may not have sent."""
    wave = _wave_or_404(wave_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ids = release_uncertain(wave.id)
    record("invitations.release_uncertain", target=wave, before={"claimed": ids})
    db.session.commit()
    flash(_("%(n)s usikre invitasjoner sendes på nytt ved neste utsending.", n=len(ids)), "success")
    return redirect(url_for("console.wave_detail", wave_id=wave.id))


@bp.route("/waves/<int:wave_id>/invitations")
@roles_required("admin", "evaluator")
def wave_invitations(wave_id: int):
    """Invitations of a wave with delivery status and errors (names and e-mails: evaluator only)."""
    wave = _wave_or_404(wave_id)
    status = request.args.get("status") or None
    page = max(request.args.get("page", 1, type=int), 1)
    query = (
        sa.select(Invitation, Person, Contact)
        .join(Person, Person.id == Invitation.person_id)
        .outerjoin(Contact, Contact.person_id == Person.id)
        .where(Invitation.wave_id == wave.id)
    )
    if status in ("pending", "sent", "failed", "revoked"):
        query = query.where(Invitation.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(Invitation.id).limit(100).offset((page - 1) * 100)
    ).all()
    return render_template(
        "console/invitations.html",
        wave=wave,
        rows=rows,
        status=status,
        total=total,
        page=page,
        pages=max((total + 99) // 100, 1),
    )


@bp.route("/jobs")
@roles_required("admin", "evaluator")
def jobs():
    """Recent background jobs."""
    rows = list(db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(100)))
    return render_template("console/jobs.html", jobs=rows)


@bp.route("/jobs/<int:job_id>")
@roles_required("admin", "evaluator")
def job_detail(job_id: int):
    """One job's progress (the page refreshes itself while the job runs)."""
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    return render_template("console/job_detail.html", job=job)
