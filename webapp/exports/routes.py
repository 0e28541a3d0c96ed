"""Export pages: the options form, the list of export jobs, and downloads when they are done."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..domain.audit import record
from ..extensions import db
from ..infra.jobs import enqueue
from ..models import Job, Wave
from . import bp
from .forms import ROLE_CHOICES, ExportForm, option_rows, select_choices
from .jobs import KIND, job_dir

ROLES = ("admin", "researcher")


def _form() -> ExportForm:
    form = ExportForm()
    years = sorted({w.year for w in db.session.scalars(sa.select(Wave))})
    form.waves.choices = select_choices((y, str(y)) for y in years)
    if not form.is_submitted():
        form.waves.data = years
        form.roles.data = [value for value, _label in ROLE_CHOICES]
        form.layouts.data = ["wide", "waves"]
        form.formats.data = ["csv", "sav", "dta", "xlsx"]
    return form


def _jobs() -> list[Job]:
    query = sa.select(Job).where(Job.kind == KIND).order_by(Job.id.desc()).limit(30)
    if current_user.role != "admin":
        query = query.where(Job.created_by_id == current_user.id)
    return list(db.session.scalars(query))


@bp.route("/", methods=["GET", "POST"])
@roles_required(*ROLES)
def index():
    """Choose export options and start a job; list earlier exports."""
    form = _form()
    if form.validate_on_submit():
        job = enqueue(KIND, form.params(), user=current_user)
        record("export.start", target=job, after=job.params)
        db.session.commit()
        flash(
            _(
                "Eksporten er startet (jobb %(id)s). Lenken til nedlasting kommer her når den er "
                "ferdig.",
                id=job.id,
            ),
            "success",
        )
        return redirect(url_for("exports.index"))
    jobs = _jobs()
    busy = any(j.status in ("queued", "running") for j in jobs)
    return render_template("exports/index.html", form=form, jobs=jobs, busy=busy)


def _own_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.kind != KIND:
        abort(404)
    if current_user.role != "admin" and job.created_by_id != current_user.id:
        abort(404)
    return job


def _file(job: Job, name: str) -> Path:
    """The path of ``name`` in the job's folder, refusing anything not listed by the job."""
    result = job.result or {}
    allowed = set(result.get("files", [])) | ({result["zip"]} if result.get("zip") else set())
    if job.status != "done" or name not in allowed:
        abort(404)
    folder = job_dir(job.id)
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        abort(404)
    return path


@bp.route("/jobs/<int:job_id>")
@roles_required(*ROLES)
def job_detail(job_id: int):
    """One export: its options, status and every file for download."""
    job = _own_job(job_id)
    ids = list((job.params or {}).get("waves") or [])
    names = (
        dict(db.session.execute(sa.select(Wave.id, Wave.name).where(Wave.id.in_(ids))).all())
        if ids
        else {}
    )
    return render_template(
        "exports/job.html", job=job, options=option_rows(job.params or {}, names)
    )


@bp.route("/jobs/<int:job_id>/download")
@roles_required(*ROLES)
def download(job_id: int):
    """The whole export as one zip."""
    job = _own_job(job_id)
    name = (job.result or {}).get("zip")
    if not name:
        abort(404)
    path = _file(job, name)
    record("export.download", target=job, after={"file": name})
    db.session.commit()
    return send_file(
        path,
        as_attachment=True,
        download_name=f"dekom_export_{job.id}.zip",
        mimetype="application/zip",
    )


@bp.route("/jobs/<int:job_id>/files/<path:name>")
@roles_required(*ROLES)
def download_file(job_id: int, name: str):
    """One file of a finished export."""
    job = _own_job(job_id)
    path = _file(job, name)
    record("export.download", target=job, after={"file": name})
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=name)
