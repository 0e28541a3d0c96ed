"""Settings: safe defaults for a laptop, every value overridable from the environment."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SECRET = "dev-only-insecure-secret-change-me"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(instance_path: str) -> dict:
    """Return the app settings from environment variables, with defaults for local use."""
    instance = Path(instance_path)
    env = os.environ.get("DEKOM_ENV", "development")
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'dekom.sqlite'}")
    if database_url.startswith("postgres://"):
        # Heroku-style URLs; SQLAlchemy wants the dialect name with psycopg 3.
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET),
        # Keyed hash for pseudonymous panel ids in exports; separate from SECRET_KEY so that
        # rotating session keys does not change researchers' ids.
        "PSEUDONYM_KEY": os.environ.get("PSEUDONYM_KEY", os.environ.get("SECRET_KEY", DEFAULT_SECRET)),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", False),
        "SMTP_SSL": _bool("SMTP_SSL", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "dekom-evaluering <noreply@dekom-eval.local>"),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR", str(instance / "outbox")),
        "EXPORT_DIR": os.environ.get("EXPORT_DIR", str(instance / "exports")),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # parallel SMTP connections per sending job
        "MAIL_SENDER_THREADS": int(os.environ.get("MAIL_SENDER_THREADS", "4")),
        # seconds after which a claimed-but-unconfirmed invitation is shown as "uncertain"
        "INVITATION_CLAIM_TIMEOUT": int(os.environ.get("INVITATION_CLAIM_TIMEOUT", "900")),
        # seconds a running job's heartbeat may be silent before another worker takes it over
        "JOB_STALE_AFTER": int(os.environ.get("JOB_STALE_AFTER", "60")),
        # seconds an RQ job may run
        "JOB_TIMEOUT": int(os.environ.get("JOB_TIMEOUT", "3600")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "nb",
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
    }


def check_production_settings(config: dict) -> None:
    """Refuse to run in production with the default secret or the default SQLite database."""
    if config.get("ENV_NAME") != "production":
        return
    if config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET) or len(config["SECRET_KEY"]) < 32:
        raise RuntimeError(
            "DEKOM_ENV=production needs SECRET_KEY set to a random value of at least 32 "
            "characters (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if config.get("PSEUDONYM_KEY") == DEFAULT_SECRET:
        raise RuntimeError("DEKOM_ENV=production needs PSEUDONYM_KEY (or SECRET_KEY) set.")
