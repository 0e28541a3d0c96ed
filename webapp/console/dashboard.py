"""Dashboard: response rates per group and over time; non-responders for evaluators only."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request
from flask_babel import gettext as _

from ..access import roles_required
from ..domain.audit import record
from ..extensions import db
from ..models import Wave
from ..queries import dashboard as stats
from . import bp


def _pick_wave() -> Wave | None:
    wave_id = request.args.get("wave", type=int)
    if wave_id is not None:
        wave = db.session.get(Wave, wave_id)
        if wave is None:
            abort(404)
        return wave
    return db.session.scalar(
        sa.select(Wave)
        .order_by((Wave.status == "open").desc(), Wave.year.desc(), Wave.id.desc())
        .limit(1)
    )


@bp.route("/dashboard")
@roles_required("admin", "evaluator", "researcher")
def dashboard():
    """Invited, opened, started, complete and rate per role, fylke and network."""
    wave = _pick_wave()
    waves = list(db.session.scalars(sa.select(Wave).order_by(Wave.year.desc(), Wave.id.desc())))
    grouping = request.args.get("by", "role")
    if grouping not in stats.GROUPINGS:
        grouping = "role"
    rows, total, chart, rep = [], None, None, None
    if wave is not None:
        fine = stats.grouped_counts(wave.id)
        rows, total = stats.rate_table(fine, grouping)
        rep = stats.representativeness(fine)
        chart = stats.timeline_svg(
            stats.timeline(wave),
            total.invited,
            {"title": _("Åpnet og fullført over tid siden oppstart")},
        )
    return render_template(
        "console/dashboard.html",
        wave=wave,
        waves=waves,
        rows=rows,
        total=total,
        grouping=grouping,
        dims=stats.GROUPINGS[grouping],
        chart=chart,
        rep=rep,
    )


@bp.route("/dashboard/<int:wave_id>/non-responders")
@roles_required("admin", "evaluator")
def non_responders(wave_id: int):
    """Who has not submitted yet (names and e-mails; never shown to researchers)."""
    wave = db.session.get(Wave, wave_id)
    if wave is None:
        abort(404)
    page = max(request.args.get("page", 1, type=int), 1)
    total = stats.non_responder_count(wave.id)
    rows = stats.non_responders(wave.id, limit=200, offset=(page - 1) * 200)
    record(
        "dashboard.non_responders",
        target=wave,
        after={"page": page, "shown": len(rows), "total": total},
    )
    db.session.commit()
    return render_template(
        "console/non_responders.html",
        wave=wave,
        rows=rows,
        total=total,
        page=page,
        pages=max((total + 199) // 200, 1),
    )
