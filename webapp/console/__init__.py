"""The evaluator's console: waves, panel import, invitations, dashboard, audit log, users."""

from flask import Blueprint

from ..navigation import add_nav

bp = Blueprint("console", __name__, url_prefix="/console")

add_nav("Oversikt", "console.home", ("admin", "evaluator", "researcher"), order=1)
add_nav("Bølger", "console.waves", ("admin", "evaluator"), order=10)
add_nav("Spørreskjema", "console.questionnaires", ("admin", "evaluator"), order=15)
add_nav("Panel", "console.panel", ("admin", "evaluator"), order=20)
add_nav("Svarinngang", "console.dashboard", ("admin", "evaluator", "researcher"), order=30)
add_nav("Jobber", "console.jobs", ("admin", "evaluator"), order=80)
add_nav("Utboks", "console.outbox", ("admin", "evaluator"), order=85)
add_nav("Revisjonslogg", "console.audit_log", ("admin",), order=90)
add_nav("Brukere", "console.users", ("admin",), order=91)

from . import (  # noqa: E402,F401
    admin,
    dashboard,
    downloads,
    filters,
    home,
    invitations,
    outbox,
    panel,
    people,
    questionnaires,
    waves,
)


@bp.before_request
def _refuse_deactivated_accounts():
    """A session of a user deactivated since logging in ends at the next console request."""
    from flask import redirect, request, url_for
    from flask_login import current_user, logout_user

    if current_user.is_authenticated and not current_user.is_active:
        logout_user()
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None
