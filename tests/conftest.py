"""Shared fixtures: app/client/runner (flaskr-style), a real database per test, users, a live server.

The suite runs on SQLite by default. With ``TEST_DATABASE_URL=postgresql://...`` it creates a
fresh PostgreSQL database for the run (one per xdist worker), builds it with the migrations, and
empties it after every test.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings
from werkzeug.serving import make_server

from webapp import create_app
from webapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent

# CI runs the property tests on fixed seeds, so a run is repeatable; on a laptop they explore.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
PASSWORD = "correct horse battery staple"


def _pg_admin_url(url: str) -> sa.URL:
    u = sa.make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Build the schema once per run with the real migrations; yield how to get a clean copy."""
    pg_url = os.environ.get("TEST_DATABASE_URL")
    if pg_url:
        admin = _pg_admin_url(pg_url)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"dekom_test_{worker}_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = admin.set(database=name).render_as_string(hide_password=False)
        _upgrade(url)
        yield {"kind": "postgresql", "url": url}
        with engine.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite"
        _upgrade(f"sqlite:///{path}")
        yield {"kind": "sqlite", "path": path}


def _upgrade(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


def _truncate_all(app) -> None:
    with app.app_context():
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def coding_training_file(tmp_path_factory) -> Path:
    """150 shipped training answers per language: the app's models train in about a second.

    The learned layer's quality is measured on all of them (tests/evaluation/test_coding_model.py);
    tests of the app's retraining need a model, not the best one.
    """
    from evaluation.coding.model import training_data

    train = training_data()
    small = train.groupby("lang", group_keys=False).sample(n=150, random_state=7)
    path = tmp_path_factory.mktemp("coding") / "training_small.csv"
    small.to_csv(path, index=False)
    return path


@pytest.fixture
def app(request, database_template, tmp_path, coding_training_file):
    """A fresh app with an empty, migrated database; extra config via @pytest.mark.app_config."""
    if database_template["kind"] == "sqlite":
        db_path = tmp_path / "test.sqlite"
        shutil.copy(database_template["path"], db_path)
        url = f"sqlite:///{db_path}"
    else:
        url = database_template["url"]
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "EXPORT_DIR": str(tmp_path / "exports"),
        "PANEL_IMPORT_DIR": str(tmp_path / "panel_imports"),
        "CODING_MODEL_DIR": str(tmp_path / "coding_models"),
        "CODING_TRAINING_FILE": str(coding_training_file),
        "REDIS_URL": None,
        "SMTP_HOST": None,
        "SERVER_NAME": None,
    }
    marker = request.node.get_closest_marker("app_config")
    if marker:
        config.update(marker.kwargs)
    app = create_app(config)
    yield app
    with app.app_context():
        db.session.remove()
        if database_template["kind"] == "postgresql":
            _truncate_all(app)
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``app``'s commands."""
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app):
    """An active app context, for tests that use the models directly."""
    with app.app_context():
        yield app


def make_user(role: str, email: str | None = None):
    """Create and commit a console user with the shared test password."""
    from webapp.models import User

    user = User(email=email or f"{role}@example.no", name=f"Test {role}", role=role)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def users(app):
    """One admin, one evaluator and one researcher (password ``PASSWORD``)."""
    with app.app_context():
        return {role: make_user(role).email for role in ("admin", "evaluator", "researcher")}


class AuthActions:
    """Log the test client in and out (flaskr-style helper)."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str = "evaluator@example.no", password: str = PASSWORD):
        """Post the login form."""
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        """Post the logout form."""
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    """Login helper bound to ``client``."""
    return AuthActions(client)


@pytest.fixture
def instrument(app):
    """Import the real dekom questionnaires; returns role -> QuestionnaireVersion id."""
    from questionnaires import INSTRUMENT_DIR, instrument_files
    from webapp.domain.questionnaires import import_file

    with app.app_context():
        ids = {}
        for path in instrument_files(INSTRUMENT_DIR).values():
            version, _ = import_file(path)
            ids[version.role] = version.id
        db.session.commit()
        return ids


class LiveServer:
    """The app served by werkzeug in a background thread on a free loopback port."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        """Start serving."""
        self.thread.start()
        return self

    def stop(self):
        """Stop serving and wait for the thread."""
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    """Serve ``app`` on loopback for browser tests; yields the object with ``.url``."""
    server = LiveServer(app).start()
    yield server
    server.stop()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def photograph(app, shoot, *args) -> None:
    """Serve ``app`` on loopback and call ``shoot(browser, url, *args)`` with Debian's chromium.

    Used by the screenshot scripts for docs/ (run on demand, not as tests).
    """
    from playwright.sync_api import sync_playwright

    server = LiveServer(app).start()
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                shoot(b, server.url, *args)
            finally:
                b.close()
    finally:
        server.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs it with apt-get")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def pytest_configure(config):
    """Register markers used by fixtures."""
    config.addinivalue_line("markers", "app_config(**kwargs): extra config for the app fixture")


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL pass, run the tests that use the database; the rest ran on the SQLite pass.

    Pure-library tests (analysis, coder, file writers) give the same result whatever database
    the app would use, so running them twice only costs CI time.
    """
    if not os.environ.get("TEST_DATABASE_URL") or os.environ.get("DEKOM_PG_ALL_TESTS"):
        return
    keep, drop = [], []
    for item in items:
        (keep if "database_template" in getattr(item, "fixturenames", ()) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
