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


GOOD_KEY = "q8Zr3LmW0vTn7YcK2pXs9BdFhJ4gA6eU1oIiRwNtQ5yE"
PG = "postgresql+psycopg://u@db.example:5432/dekom"


def test_production_with_real_secret_starts_with_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("DEKOM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.delenv("PSEUDONYM_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": PG})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] != DEFAULT_SECRET


@pytest.mark.parametrize(
    ("secret", "pseudonym", "url", "message"),
    [
        ("a" * 32, None, PG, "SECRET_KEY looks like a pattern"),
        ("abababababababababababababababababab", None, PG, "SECRET_KEY looks like a pattern"),
        ("Short-Key-9x", None, PG, "SECRET_KEY is shorter"),
        (GOOD_KEY, "x", PG, "PSEUDONYM_KEY is shorter"),
        (GOOD_KEY, "0123456789" * 4, PG, None),
        (GOOD_KEY, None, "sqlite:///instance/x.sqlite", "needs PostgreSQL"),
    ],
)
def test_production_refuses_weak_keys_and_sqlite(monkeypatch, secret, pseudonym, url, message):
    """Finding 5: production refused SQLite, a 32 x 'a' key and PSEUDONYM_KEY=x only partly."""
    monkeypatch.setenv("DEKOM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secret)
    if pseudonym is None:
        monkeypatch.delenv("PSEUDONYM_KEY", raising=False)
    else:
        monkeypatch.setenv("PSEUDONYM_KEY", pseudonym)
    if message is None:
        assert create_app({"SQLALCHEMY_DATABASE_URI": url}).config["PSEUDONYM_KEY"] == pseudonym
    else:
        with pytest.raises(RuntimeError, match=message):
            create_app({"SQLALCHEMY_DATABASE_URI": url})


def test_remember_cookie_is_samesite_and_short(app):
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_DURATION"].days <= 30


def test_hsts_only_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("DEKOM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    prod = create_app({"SQLALCHEMY_DATABASE_URI": PG})
    response = prod.test_client().get("/auth/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    monkeypatch.setenv("DEKOM_ENV", "development")
    dev = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    assert "Strict-Transport-Security" not in dev.test_client().get("/auth/login").headers


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


def test_production_refuses_the_development_server(monkeypatch):
    """In production gunicorn serves: `flask run` (which sets FLASK_RUN_FROM_CLI) is refused."""
    monkeypatch.setenv("DEKOM_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    with pytest.raises(RuntimeError, match="`flask run` is the development server"):
        create_app({"SQLALCHEMY_DATABASE_URI": PG})
    monkeypatch.delenv("FLASK_RUN_FROM_CLI")
    assert create_app({"SQLALCHEMY_DATABASE_URI": PG}).config["ENV_NAME"] == "production"
