"""Settings come from the environment; production refuses the default secret."""

from __future__ import annotations

import pytest

from webapp import create_app
from webapp.config import DEFAULT_SECRET


def test_production_refuses_default_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("DEKOM_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})


def test_production_with_real_secret_starts_with_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("DEKOM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] != DEFAULT_SECRET


def test_database_url_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/dekom")
    app = create_app({})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/dekom"


def test_defaults_use_sqlite_in_instance_and_outbox(monkeypatch):
    for name in ("DATABASE_URL", "SMTP_HOST", "REDIS_URL", "DEKOM_ENV"):
        monkeypatch.delenv(name, raising=False)
    app = create_app({})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/dekom.sqlite")
    assert app.config["SMTP_HOST"] is None and app.config["REDIS_URL"] is None
    assert app.config["OUTBOX_DIR"].endswith("outbox")
