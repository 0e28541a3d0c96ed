"""Admin pages: the audit log and user management (create, deactivate, change role)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..domain.audit import record
from ..extensions import db
from ..models import USER_ROLES, AuditEvent, User
from . import bp
from .forms import ActionForm, UserCreateForm, UserRoleForm


@bp.route("/audit")
@roles_required("admin")
def audit_log():
    """Every evaluator and admin action: who, what, when, before and after."""
    page = max(request.args.get("page", 1, type=int), 1)
    action = (request.args.get("action") or "").strip()
    query = sa.select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action.like(f"{action}%"))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    events = list(
        db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(100).offset((page - 1) * 100))
    )
    return render_template(
        "console/audit.html",
        events=events,
        total=total,
        page=page,
        pages=max((total + 99) // 100, 1),
        action=action,
    )


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    """List users; create a new one."""
    form = UserCreateForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if db.session.scalar(sa.select(User.id).where(User.email == email)):
            form.email.errors.append(_("Det finnes allerede en bruker med denne e-postadressen."))
        else:
            user = User(email=email, name=form.name.data.strip(), role=form.role.data)
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.flush()
            record("user.create", target=user, after={"email": email, "role": user.role})
            db.session.commit()
            flash(_("Brukeren %(email)s er opprettet.", email=email), "success")
            return redirect(url_for("console.users"))
    rows = list(db.session.scalars(sa.select(User).order_by(User.role, User.email)))
    return render_template(
        "console/users.html", users=rows, form=form, roles=USER_ROLES, action=ActionForm()
    )


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@roles_required("admin")
def user_role(user_id: int):
    """Change a user's role (not your own, so an admin cannot lock everyone out)."""
    user = _user_or_404(user_id)
    form = UserRoleForm()
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("Du kan ikke endre din egen rolle."), "error")
    elif user.role != form.role.data:
        before = {"role": user.role}
        user.role = form.role.data
        record("user.role", target=user, before=before, after={"role": user.role})
        db.session.commit()
        flash(_("%(email)s har nå rollen %(role)s.", email=user.email, role=user.role), "success")
    return redirect(url_for("console.users"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def user_active(user_id: int):
    """Deactivate or reactivate a user (never yourself)."""
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("Du kan ikke deaktivere deg selv."), "error")
        return redirect(url_for("console.users"))
    before = {"active": user.is_active_account}
    user.is_active_account = not user.is_active_account
    record(
        "user.activate" if user.is_active_account else "user.deactivate",
        target=user,
        before=before,
        after={"active": user.is_active_account},
    )
    db.session.commit()
    flash(
        _("%(email)s er aktivert.", email=user.email)
        if user.is_active_account
        else _("%(email)s er deaktivert.", email=user.email),
        "success",
    )
    return redirect(url_for("console.users"))
