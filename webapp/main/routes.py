"""The front page sends each user to their part of the console; /healthz for monitoring."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, url_for
from flask_login import current_user

from ..access import public
from ..extensions import db
from . import bp


@bp.route("/")
@public
def index():
    """Landing page: log in, or go on to the console."""
    if current_user.is_authenticated and "console.home" in _endpoints():
        return redirect(url_for("console.home"))
    return render_template("index.html")


@bp.route("/healthz")
@public
def healthz():
    """Liveness and database check for load balancers."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)
