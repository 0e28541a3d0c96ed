"""The production server: gunicorn settings, tokens kept out of the access log, ProxyFix,
database pre-ping after PostgreSQL drops the connections, and the login limit shared on Redis."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from flask import request

from tests.console.conftest import free_port
from webapp import create_app
from webapp.access import public
from webapp.extensions import db
from webapp.server.gunicorn_conf import default_workers, redact

from .processes import Browser, service_env, start_gunicorn, stop, wait_until_served

MY_REDIS = "redis://127.0.0.1:6379/1"


def test_workers_follow_the_cores():
    assert default_workers(1) == 3 and default_workers(2) == 5 and default_workers(16) == 8


def test_survey_tokens_are_redacted_from_log_fields():
    line = "GET /s/Abc-123_xyz/side/p2?lang=nn HTTP/1.1"
    assert redact(line) == "GET /s/[token]/side/p2?lang=nn HTTP/1.1"
    assert redact("https://x.no/s/tok") == "https://x.no/s/[token]"
    assert redact("/console/waves/3") == "/console/waves/3"


@pytest.mark.app_config(PROXY_FIX=1)
def test_proxy_fix_trusts_one_proxy(app):
    @app.route("/_who")
    @public
    def who():
        return f"{request.remote_addr} {request.scheme} {request.host}"

    seen = app.test_client().get(
        "/_who",
        headers={
            "X-Forwarded-For": "198.51.100.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "dekom.example.no",
        },
    )
    assert seen.text == "198.51.100.7 https dekom.example.no"


def test_without_proxy_fix_forwarded_headers_are_ignored(app):
    @app.route("/_who")
    @public
    def who():
        return f"{request.remote_addr} {request.scheme}"

    seen = app.test_client().get(
        "/_who", headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    )
    assert seen.text == "127.0.0.1 http"


def _terminate_app_connections(url: str) -> int:
    """What a PostgreSQL restart does to the app: every connection to its database is cut."""
    admin = sa.make_url(url).set(database="postgres")
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        killed = conn.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": sa.make_url(url).database},
        ).scalar()
    engine.dispose()
    return killed


@pytest.mark.postgres
@pytest.mark.parametrize("pre_ping", [True, False])
def test_postgres_connections_cut_cost_no_error_with_pre_ping(app, users, pre_ping):
    """pg_terminate_backend on the app's pooled connections: with pre-ping the next request works;
    the control without pre-ping shows the error it prevents."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")}
    probe = create_app(
        {
            **config,
            "TESTING": False,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": pre_ping},
        }
    )
    client = probe.test_client()
    login = {"email": "evaluator@example.no", "password": "correct horse battery staple"}
    assert client.post("/auth/login", data=login).status_code == 302
    assert client.get("/console/").status_code == 200  # a pooled connection now exists
    assert _terminate_app_connections(config["SQLALCHEMY_DATABASE_URI"]) >= 1
    try:
        status = client.get("/console/").status_code
    except sa.exc.SQLAlchemyError:  # the error page itself needed the dead connection
        status = "error"
    with probe.app_context():
        db.engine.dispose()
    assert status == 200 if pre_ping else status in (500, "error")


@pytest.mark.postgres
def test_postgres_cut_under_gunicorn_costs_no_failed_request(app, users, tmp_path):
    """The same against a real gunicorn worker: every request after the cut succeeds."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    port, log = free_port(), tmp_path / "gunicorn.log"
    server = start_gunicorn(service_env(app), port, log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_served(base + "/", server, log)
        browser = Browser(base)
        status, _ = browser.post_form(
            "/auth/login",
            "/auth/login",
            {"email": "evaluator@example.no", "password": "correct horse battery staple"},
        )
        assert status == 200 and browser.get("/console/")[0] == 200
        for _ in range(3):
            assert _terminate_app_connections(app.config["SQLALCHEMY_DATABASE_URI"]) >= 1
            assert [browser.get("/console/")[0] for _ in range(3)] == [200, 200, 200]
    finally:
        stop(server)


def _redis_or_skip() -> None:
    try:
        from redis import Redis

        Redis.from_url(MY_REDIS, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")


def test_two_gunicorn_instances_share_the_login_limit_on_redis(app, users, tmp_path):
    """10 failed logins a minute per address, counted across both instances through Redis."""
    _redis_or_skip()
    env = service_env(app, REDIS_URL=MY_REDIS, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    ports = [free_port(), free_port()]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    servers = [start_gunicorn(env, port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        browsers = []
        for port, server, log in zip(ports, servers, logs, strict=True):
            wait_until_served(f"http://127.0.0.1:{port}/", server, log)
            browsers.append(Browser(f"http://127.0.0.1:{port}"))
        wrong = {"email": "evaluator@example.no", "password": "not the password"}
        statuses = [
            browsers[i % 2].post_form("/auth/login", "/auth/login", wrong)[0] for i in range(10)
        ]
        assert statuses == [401] * 10  # five on each instance: refused, the form again
        assert browsers[0].post_form("/auth/login", "/auth/login", wrong)[0] == 429
        assert browsers[1].post_form("/auth/login", "/auth/login", wrong)[0] == 429
    finally:
        for server in servers:
            stop(server)
