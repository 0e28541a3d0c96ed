"""Login, logout and the console language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..access import public
from ..domain.audit import record
from ..extensions import db, limiter
from ..i18n import LANGUAGES
from ..models import User, utcnow
from . import bp
from .forms import LoginForm


def _safe_next(target: str | None) -> str:
    """Only follow relative redirects inside this site."""
    if not target:
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():
    """Show the login form and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None or not user.check_password(form.password.data) or not user.is_active:
            flash(_("Feil e-post eller passord."), "error")
            return render_template("auth/login.html", form=form), 401
        login_user(user, remember=form.remember.data)
        user.last_login_at = utcnow()
        session["lang"] = user.language
        record("user.login", user=user, target=user)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Log out (POST only, so a link cannot log someone out)."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        user.end_sessions()
        record("user.logout", user=user, target=user)
        db.session.commit()
        logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/language/<lang>", methods=["POST"])
@public
def set_language(lang: str):
    """Switch the console language (nb, nn or en)."""
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.language = lang
            db.session.commit()
    return redirect(
        _safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path)
    )


__all__ = ["login", "logout", "set_language", "login_required"]
