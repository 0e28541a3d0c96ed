"""The learned auto-coder on the coding screen: retrain it now, download its model file."""

from __future__ import annotations

from pathlib import Path

from flask import flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..domain import coding as service
from ..domain import coding_model
from . import bp
from .screen import CODERS


@bp.route("/model/retrain", methods=["POST"])
@roles_required(*CODERS)
def retrain():
    """Queue a retrain of the learned auto-coder on every decision made so far."""
    version = service.current_version()
    waiting = coding_model.pending_retrain(version)
    job = coding_model.request_retrain(version, current_user)
    if waiting is not None:
        flash(_("En ny opplæring av autokoderen venter allerede (jobb %(n)s).", n=job.id), "info")
    else:
        flash(
            _(
                "Autokoderen læres opp på nytt i bakgrunnen (jobb %(n)s). Forslagene oppdateres når jobben er ferdig.",
                n=job.id,
            ),
            "success",
        )
    target = request.form.get("next") or ""
    return redirect(target if target.startswith("/coding") else url_for("coding.learning"))


@bp.route("/model/export")
@roles_required(*CODERS)
def export_model():
    """The newest learned model file, for ``python -m evaluation code --model FILE``."""
    version = service.current_version()
    meta = coding_model.latest_meta(version)
    if meta is None:
        flash(_("Ingen lært modell er lagret ennå. Lær opp autokoderen først."), "error")
        return redirect(url_for("coding.learning"))
    path = Path(meta["path"])
    return send_file(
        path,
        as_attachment=True,
        mimetype="application/octet-stream",
        download_name=f"dekom-autokoder-v{version.version_no}-modell{meta['model_no']}.pkl",
    )
