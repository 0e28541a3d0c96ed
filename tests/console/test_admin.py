"""Admin: users (create, deactivate, change role) and the audit log; language and security."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import PASSWORD

from webapp.extensions import db
from webapp.models import AuditEvent, User

from .conftest import login


def test_admin_creates_changes_and_deactivates_users(app, client, users):
    login(client, "admin")
    response = client.post(
        "/console/users",
        data={
            "email": "Ny@Example.no",
            "name": "Ny Forsker",
            "role": "researcher",
            "password": "langt-nok-passord",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "ny@example.no"))
        assert user.role == "researcher" and user.check_password("langt-nok-passord")
        user_id = user.id
    assert (
        client.post(f"/console/users/{user_id}/role", data={"role": "evaluator"}).status_code == 302
    )
    assert client.post(f"/console/users/{user_id}/active").status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.role == "evaluator" and not user.is_active_account
        events = {e.action: e for e in db.session.scalars(sa.select(AuditEvent))}
        assert events["user.role"].before == {"role": "researcher"} and events[
            "user.role"
        ].after == {"role": "evaluator"}
        assert events["user.deactivate"].actor == "admin@example.no"
    client.post("/auth/logout")
    assert (
        client.post(
            "/auth/login", data={"email": "ny@example.no", "password": "langt-nok-passord"}
        ).status_code
        == 401
    )


def test_admin_cannot_lock_themselves_out(app, client, users):
    login(client, "admin")
    with app.app_context():
        admin_id = db.session.scalar(sa.select(User.id).where(User.role == "admin"))
    client.post(f"/console/users/{admin_id}/role", data={"role": "researcher"})
    client.post(f"/console/users/{admin_id}/active")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        assert admin.role == "admin" and admin.is_active_account


def test_audit_log_shows_who_what_when_before_after(app, client, users):
    login(client, "admin")
    with app.app_context():
        researcher_id = db.session.scalar(sa.select(User.id).where(User.role == "researcher"))
    client.post(f"/console/users/{researcher_id}/role", data={"role": "evaluator"})
    page = client.get("/console/audit").get_data(as_text=True)
    assert "user.role" in page and "admin@example.no" in page
    assert (
        '<dt>role</dt><dd><span class="old">"researcher"</span> → <span class="new">"evaluator"</span>'
        in page
    )
    client.post("/auth/logout")
    login(client, "evaluator")
    assert client.get("/console/audit").status_code == 403


def test_console_in_english_on_request(client, users):
    login(client, "evaluator")
    assert "Bølger" in client.get("/console/").get_data(as_text=True)
    page = client.get("/console/?lang=en").get_data(as_text=True)
    assert "Waves" in page and "Response tracking" in page
    client.post("/auth/language/en", data={"next": "/console/waves"})
    page = client.get("/console/waves").get_data(as_text=True)
    assert "New wave" in page and 'lang="en"' in page


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_console_forms_need_the_csrf_token(app, client, users):
    with client:
        client.get("/auth/login")
        from flask import session

        token = session.get("csrf_token")
    assert token
    import re

    page = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post(
            "/auth/login",
            data={"email": "admin@example.no", "password": PASSWORD, "csrf_token": csrf},
        ).status_code
        == 302
    )
    response = client.post(
        "/console/users",
        data={
            "email": "x@example.no",
            "name": "X",
            "role": "admin",
            "password": "langt-nok-passord",
        },
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "x@example.no")) is None


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_login_is_rate_limited(client, users):
    codes = [
        client.post(
            "/auth/login", data={"email": "admin@example.no", "password": "wrong"}
        ).status_code
        for _ in range(11)
    ]
    assert codes[:10] == [401] * 10 and codes[10] == 429


def test_console_pages_send_security_headers(client, users):
    login(client, "evaluator")
    response = client.get("/console/waves")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in response.get_data(as_text=True)
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_deactivated_user_is_logged_out_of_the_console(app, client, users):
    login(client, "evaluator")
    assert client.get("/console/waves").status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.role == "evaluator"))
        user.is_active_account = False
        db.session.commit()
    response = client.get("/console/waves")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get("/console/waves").status_code == 302


def test_login_page_offers_english(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'action="/auth/language/en"' in page
    client.post("/auth/language/en", data={"next": "/auth/login"})
    assert "Log in" in client.get("/auth/login").get_data(as_text=True)
