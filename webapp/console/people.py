"""A person's page in the console: what is stored about them, the access report and erasure."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..access import roles_required
from ..domain.people import PersonNotFound, access_report, erase, find_person, write_access
from ..extensions import db
from . import bp
from .forms import ActionForm


def _person_or_404(panel_id: str):
    try:
        return find_person(panel_id)
    except PersonNotFound:
        abort(404)


@bp.route("/panel/person/<panel_id>")
@roles_required("admin", "evaluator")
def person(panel_id: str):
    """Everything stored about one person, with the access download and the erase form."""
    found = _person_or_404(panel_id)
    return render_template(
        "console/person.html", person=found, report=access_report(found), form=ActionForm()
    )


@bp.route("/panel/person/<panel_id>/access.zip")
@roles_required("admin", "evaluator")
def person_access(panel_id: str):
    """The access report (JSON and HTML) as one zip; the download is audited."""
    found = _person_or_404(panel_id)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_access(found, Path(tmp))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in paths:
                zf.write(path, path.name)
    db.session.commit()
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"innsyn_{found.panel_id}.zip",
    )


@bp.route("/panel/person/<panel_id>/erase", methods=["POST"])
@roles_required("admin", "evaluator")
def person_erase(panel_id: str):
    """Erase the person's contact data once the evaluator has typed the panel id to confirm."""
    found = _person_or_404(panel_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if (request.form.get("confirm") or "").strip().upper() != found.panel_id:
        flash(_("Skriv panel-id-en %(id)s for å bekrefte slettingen.", id=found.panel_id), "error")
        return redirect(url_for("console.person", panel_id=found.panel_id))
    counts = erase(found)
    db.session.commit()
    flash(
        _(
            "Kontaktdataene til %(id)s er slettet; %(n)s fritekstsvar er maskert.",
            id=found.panel_id,
            n=counts["answers_redacted"],
        ),
        "success",
    )
    return redirect(url_for("console.person", panel_id=found.panel_id))
