"""Analysis runs: start one (a background job), follow it, open its report and tables."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField

from ..access import roles_required
from ..domain.analysis import KIND, run_dir
from ..domain.audit import record
from ..extensions import db
from ..infra import jobs
from ..models import Job
from . import bp

RESEARCH = ("admin", "researcher")


class StartForm(FlaskForm):
    """Options for a new analysis run."""

    by_fylke = BooleanField("Endring også per fylke")
    figures = BooleanField("Lag figurer", default=True)
    submit = SubmitField("Start analyse")


def _job_or_404(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.kind != KIND:
        abort(404)
    return job


@bp.route("/")
@roles_required(*RESEARCH)
def index():
    """List analysis runs and offer to start a new one."""
    runs = db.session.scalars(
        sa.select(Job).where(Job.kind == KIND).order_by(Job.id.desc()).limit(50)
    ).all()
    return render_template(
        "analysis/index.html",
        runs=runs,
        form=StartForm(),
        redis=bool(current_app.config.get("REDIS_URL")),
    )


@bp.route("/start", methods=["POST"])
@roles_required(*RESEARCH)
def start():
    """Queue an analysis run (it never runs inside the request)."""
    form = StartForm()
    if not form.validate_on_submit():
        flash(_("Skjemaet var ugyldig. Prøv igjen."), "error")
        return redirect(url_for(".index"))
    job = jobs.enqueue(
        KIND, {"by_fylke": form.by_fylke.data, "figures": form.figures.data}, user=current_user
    )
    record("analysis.start", target=job, after=job.params)
    db.session.commit()
    flash(_("Analysen er lagt i kø som jobb %(id)s.", id=job.id), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:job_id>/report")
@roles_required(*RESEARCH)
def report(job_id: int):
    """The self-contained HTML report of a finished run, in bokmål or (``?lang=en``) English."""
    job = _job_or_404(job_id)
    if job.status != "done":
        abort(404)
    name = "report_en.html" if request.args.get("lang") == "en" else "report.html"
    if not (run_dir(job.id) / name).is_file():
        abort(404)
    record("analysis.download", target=job, after={"file": name})
    db.session.commit()
    response = send_from_directory(run_dir(job.id), name, mimetype="text/html")
    # The report is one self-contained file (inline CSS, images as data: URIs) so it can be mailed;
    # it has no scripts, and none may run.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "script-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return response


@bp.route("/<int:job_id>/files/<path:name>")
@roles_required(*RESEARCH)
def file(job_id: int, name: str):
    """Download one table or figure of a finished run (paths outside the run are refused)."""
    job = _job_or_404(job_id)
    if job.status != "done" or name not in (job.result or {}).get("files", []):
        abort(404)
    record("analysis.download", target=job, after={"file": name})
    db.session.commit()
    return send_from_directory(
        run_dir(job.id), name, as_attachment=not name.endswith((".png", ".svg", ".html"))
    )
