"""Settings: safe defaults for a laptop, every value overridable from the environment."""

from __future__ import annotations

import math
import os
from collections import Counter
from datetime import timedelta
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
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET),
        # earlier SECRET_KEYs, newest first, comma-separated: sessions signed and personal links
        # derived with them keep working after a rotation (see docs/privacy.md)
        "SECRET_KEY_FALLBACKS": [
            k.strip() for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
        ],
        # Keyed hash for pseudonymous panel ids in exports; separate from SECRET_KEY so that
        # rotating session keys does not change researchers' ids.
        "PSEUDONYM_KEY": os.environ.get(
            "PSEUDONYM_KEY", os.environ.get("SECRET_KEY", DEFAULT_SECRET)
        ),
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
        # parsed panel uploads waiting for confirmation (names and e-mails; mode 0600)
        "PANEL_IMPORT_DIR": os.environ.get("PANEL_IMPORT_DIR", str(instance / "panel_imports")),
        # the auto-coder's learned models (one folder per codebook version)
        "CODING_MODEL_DIR": os.environ.get("CODING_MODEL_DIR", str(instance / "coding_models")),
        # hand-coded example answers the learned coder trains on besides the coders' own decisions
        # (CSV: text and one 0/1 column per theme; default the shipped evaluation/data file)
        "CODING_TRAINING_FILE": os.environ.get("CODING_TRAINING_FILE") or None,
        # newly coded answers that make the coding screen queue a retrain of the learned coder
        "CODING_RETRAIN_AFTER": int(os.environ.get("CODING_RETRAIN_AFTER", "25")),
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
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(os.environ.get("REMEMBER_DAYS", "14"))),
        # Strict-Transport-Security in production (seconds); 0 turns it off
        "HSTS_MAX_AGE": int(os.environ.get("HSTS_MAX_AGE", "31536000")),
        # wrong respondent links one address may try before it is slowed down
        "LINK_LOOKUP_LIMIT": os.environ.get("LINK_LOOKUP_LIMIT", "20 per minute; 200 per day"),
        # retention after a wave closes, in days (0 = keep until purged by hand); see docs/privacy.md
        "RETAIN_CONTACT_DAYS": int(os.environ.get("RETAIN_CONTACT_DAYS", "0")),
        "RETAIN_OUTBOX_DAYS": int(os.environ.get("RETAIN_OUTBOX_DAYS", "30")),
        "RETAIN_EXPORT_DAYS": int(os.environ.get("RETAIN_EXPORT_DAYS", "90")),
        "RETAIN_IMPORT_HOURS": int(os.environ.get("RETAIN_IMPORT_HOURS", "24")),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "nb",
        # login limits counted in Redis are shared by every app instance (several gunicorns)
        "RATELIMIT_STORAGE_URI": (
            os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"
        ),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "dekom"),
        # if Redis is briefly away, count in memory rather than refuse every login
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # how many reverse proxies set X-Forwarded-For/-Proto/-Host in front (0 = none trusted)
        "PROXY_FIX": int(os.environ.get("PROXY_FIX", "0")),
        "RATELIMIT_HEADERS_ENABLED": True,
    }


MIN_KEY_LENGTH = 32
#: Shannon entropy per character below which a key counts as a pattern, not a random value
MIN_KEY_BITS_PER_CHAR = 3.0


def key_problem(value: str | None) -> str | None:
    """Why ``value`` is not a usable production key (None when it is)."""
    if not value or value == DEFAULT_SECRET:
        return "is not set"
    if len(value) < MIN_KEY_LENGTH:
        return f"is shorter than {MIN_KEY_LENGTH} characters"
    counts = Counter(value)
    bits = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    if len(counts) < 10 or bits < MIN_KEY_BITS_PER_CHAR:
        return "looks like a pattern, not a random value"
    return None


def check_production_settings(config: dict) -> None:
    """Refuse to run in production with a weak or default key, or on SQLite."""
    if config.get("ENV_NAME") != "production":
        return
    hint = "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
    problem = key_problem(config.get("SECRET_KEY"))
    if problem:
        raise RuntimeError(
            f"DEKOM_ENV=production: SECRET_KEY {problem}; set it to a random value of at "
            f"least {MIN_KEY_LENGTH} characters {hint}."
        )
    problem = key_problem(config.get("PSEUDONYM_KEY"))
    if problem:
        raise RuntimeError(
            f"DEKOM_ENV=production: PSEUDONYM_KEY {problem}; set it to a random value of at "
            f"least {MIN_KEY_LENGTH} characters {hint} and keep it across waves."
        )
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        raise RuntimeError(
            "DEKOM_ENV=production needs PostgreSQL: set DATABASE_URL=postgresql://... "
            "(SQLite is for laptops and the demo)."
        )
