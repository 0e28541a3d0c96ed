"""Panel pages: the person list and the import flow (upload -> preview -> confirm)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..domain.panel_plan import apply_plan, discard_parsed, load_parsed, plan_import, save_parsed
from ..extensions import db
from ..models import FYLKER, Contact, Person
from ..queries.panel import panel_query
from ..readers.panel_file import PANEL_ROLES, PanelFileError, parse_panel
from . import bp
from .forms import ActionForm, PanelUploadForm

PAGE_SIZE = 50


@bp.route("/panel")
@roles_required("admin", "evaluator")
def panel():
    """The panel: filter by role, fylke, status or text; upload a new file."""
    role = request.args.get("role") or None
    fylke = request.args.get("fylke") or None
    status = request.args.get("status", "active")
    q = (request.args.get("q") or "").strip()
    page = max(request.args.get("page", 1, type=int), 1)
    query = panel_query(role, fylke, status, q)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(Person.role, Contact.name).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "console/panel.html",
        rows=rows,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        form=PanelUploadForm(),
        roles=PANEL_ROLES,
        fylker=FYLKER,
        filters={"role": role, "fylke": fylke, "status": status, "q": q},
    )


@bp.route("/panel/import", methods=["POST"])
@roles_required("admin", "evaluator")
def panel_upload():
    """Read the uploaded file and show the preview; nothing is written yet."""
    form = PanelUploadForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("console.panel"))
    upload = form.file.data
    try:
        parsed = parse_panel(upload.filename or "panel.csv", upload.read())
    except PanelFileError as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.panel"))
    key = save_parsed(parsed, current_user.id, mark_leavers=form.mark_leavers.data)
    return redirect(url_for("console.panel_preview", key=key))


@bp.route("/panel/import/<key>", methods=["GET"])
@roles_required("admin", "evaluator")
def panel_preview(key: str):
    """Every bad row with its line and reason, and the plan for the good rows."""
    stored = load_parsed(key, current_user.id)
    if stored is None:
        abort(404)
    parsed, mark_leavers = stored
    plan = plan_import(parsed, mark_leavers)
    return render_template(
        "console/panel_preview.html",
        key=key,
        parsed=parsed,
        plan=plan,
        mark_leavers=mark_leavers,
        form=ActionForm(),
    )


@bp.route("/panel/import/<key>/confirm", methods=["POST"])
@roles_required("admin", "evaluator")
def panel_confirm(key: str):
    """Write the plan in one transaction."""
    form = ActionForm()
    stored = load_parsed(key, current_user.id)
    if stored is None or not form.validate_on_submit():
        abort(400 if stored else 404)
    parsed, mark_leavers = stored
    try:
        summary = apply_plan(parsed, mark_leavers)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    discard_parsed(key)
    flash(
        _(
            "Panelet er oppdatert: %(new)s nye, %(updated)s endret, %(unchanged)s uendret, "
            "%(leavers)s sluttet.",
            **summary,
        ),
        "success",
    )
    return redirect(url_for("console.panel"))


@bp.route("/panel/import/<key>/cancel", methods=["POST"])
@roles_required("admin", "evaluator")
def panel_cancel(key: str):
    """Throw the uploaded file away."""
    if ActionForm().validate_on_submit():
        discard_parsed(key)
    flash(_("Importen er avbrutt; ingenting er lagret."), "success")
    return redirect(url_for("console.panel"))
