"""The console's start page: open waves and what to do next."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from ..access import roles_required
from ..extensions import db
from ..models import Invitation, Person, Wave
from . import bp


@bp.route("/")
@roles_required("admin", "evaluator", "researcher")
def home():
    """Start page with the waves and panel size."""
    waves = list(db.session.scalars(sa.select(Wave).order_by(Wave.year.desc(), Wave.id.desc())))
    invited = dict(
        db.session.execute(
            sa.select(Invitation.wave_id, sa.func.count()).group_by(Invitation.wave_id)
        ).all()
    )
    panel_size = db.session.scalar(
        sa.select(sa.func.count()).select_from(Person).where(Person.left_at.is_(None))
    )
    return render_template("console/home.html", waves=waves, invited=invited, panel_size=panel_size)
