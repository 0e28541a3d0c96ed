"""dekom-eval web application: create_app builds a configured Flask app."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, render_template

from .config import check_production_settings, load_settings
from .extensions import babel, csrf, db, limiter, login_manager, migrate

__version__ = "0.1.0"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the app: settings from the environment, overridden by ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(load_settings(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)
    check_production_settings(app.config)
    if app.config["ENV_NAME"] == "production" and os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        raise RuntimeError(
            "DEKOM_ENV=production: `flask run` is the development server; serve with "
            "gunicorn (`flask serve`, or see docs/deployment.md)."
        )
    os.makedirs(app.instance_path, exist_ok=True)

    _trust_proxies(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_error_pages(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_FIX reverse proxies, take client address, scheme and host from X-Forwarded-*."""
    hops = int(app.config.get("PROXY_FIX") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401 - register the tables on the metadata
    from .access import init_access
    from .formats import init_formats
    from .i18n import init_i18n, select_locale
    from .labels import init_labels
    from .navigation import init_navigation
    from .security import init_security

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "..", "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    init_i18n(app)
    init_formats(app)
    init_labels(app)
    init_access(app)
    init_security(app)
    init_navigation(app)

    @login_manager.user_loader
    def load_user(session_id: str):
        from .models import User
        from .security import MAX_INT

        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit() or int(user_id) > MAX_INT:
            return None
        user = db.session.get(User, int(user_id))
        # a deactivated account, or a session from before a logout, is refused at its next request
        if user is None or not user.is_active or str(user.session_version or 1) != version:
            return None
        return user


def _sqlite_pragmas(app: Flask) -> None:
    """Foreign keys on, WAL and a busy timeout so the CLI and the server can share the file."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            if ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()


def _register_blueprints(app: Flask) -> None:
    from .analysis import bp as analysis_bp
    from .auth import bp as auth_bp
    from .coding import bp as coding_bp
    from .console import bp as console_bp
    from .exports import bp as exports_bp
    from .main import bp as main_bp
    from .survey import bp as survey_bp

    for bp in (main_bp, auth_bp, survey_bp, console_bp, coding_bp, exports_bp, analysis_bp):
        app.register_blueprint(bp)


def _register_cli(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)


def _register_error_pages(app: Flask) -> None:
    for code in (400, 401, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page(code))


def _error_page(code: int):
    def handler(error):
        return render_template("error.html", code=code, error=error), code

    return handler
