"""The five findings of the privacy probe (issue 11), each reproduced the way it was found."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from console.conftest import add_person, login, make_wave

from webapp.domain.invitations import send_invitations, send_reminders
from webapp.domain.panel_plan import import_dir, save_parsed
from webapp.extensions import db
from webapp.models import Invitation, User, utcnow
from webapp.readers.panel_file import parse_panel

HEADER = "navn;e-post;rolle;organisasjon;fylke;kompetansenettverk;ekstern_id\n"
INJECTION = "Eve\r\nReply-To: x@y.no\r\nX-Injected: yes"


# -- 1. e-mail header injection --------------------------------------------------------------------


def _raw_headers(server) -> list[str]:
    return [m.as_string().split("\n\n", 1)[0] for m in server.messages]


def test_crlf_in_a_stored_name_adds_no_header_at_the_smtp_server(smtp_app, instrument):
    """A name with CR/LF (stored before imports cleaned it) stays a display name."""
    app, server = smtp_app
    with app.app_context():
        add_person(1).contact.name = INJECTION
        db.session.commit()
        wave = make_wave(instrument, status="open")
        assert send_invitations(wave.id)["sent"] == 1
    msg = server.messages[0]
    assert msg["X-Injected"] is None and msg["Reply-To"] is None
    head = _raw_headers(server)[0]
    assert "\nX-Injected" not in head and "\nReply-To" not in head
    assert "Eve Reply-To: x@y.no X-Injected: yes" in str(msg["To"])


def test_panel_csv_with_crlf_in_a_name_is_stored_on_one_line(app_ctx):
    data = (HEADER + f'"{INJECTION}";eve@x.no;skoleleder;Skole A;Vestland;;E1\n').encode()
    parsed = parse_panel("panel.csv", data)
    assert parsed.rows[0].name == "Eve Reply-To: x@y.no X-Injected: yes"


# -- 2. rotating SECRET_KEY -------------------------------------------------------------------------

OLD_KEY = "old-secret-key-0123456789-abcdefghijklmnop"
NEW_KEY = "new-secret-key-9876543210-zyxwvutsrqponmlk"


def _links(app) -> list[str]:
    outbox = Path(app.config["OUTBOX_DIR"])
    import email

    out = []
    for path in sorted(outbox.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        text = next(p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain")
        out += [line.strip().rsplit("/s/", 1)[1] for line in text.splitlines() if "/s/" in line]
    return out


def _send_and_remind(app, instrument, fallbacks):
    with app.app_context():
        add_person(1)
        db.session.commit()
        app.config["SECRET_KEY"] = OLD_KEY
        wave = make_wave(instrument, status="open")
        send_invitations(wave.id)
        invitation_token = _links(app)[0]
        db.session.execute(sa.update(Invitation).values(sent_at=utcnow().replace(year=2000)))
        db.session.commit()
        for path in Path(app.config["OUTBOX_DIR"]).glob("*.eml"):
            path.unlink()
        app.config.update(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=fallbacks)
        assert send_reminders(wave.id, min_days=1)["sent"] == 1
        return invitation_token, _links(app)[0]


def test_reminder_link_works_after_rotation_with_the_old_key_as_fallback(app, client, instrument):
    first, reminder = _send_and_remind(app, instrument, [OLD_KEY])
    assert reminder == first  # the same link: the respondent's first mail still works too
    assert client.get(f"/s/{reminder}").status_code == 200


def test_reminder_link_works_after_rotation_without_the_old_key(app, client, instrument):
    """With the old key gone the reminder carries a fresh link (never a dead one)."""
    first, reminder = _send_and_remind(app, instrument, [])
    assert client.get(f"/s/{reminder}").status_code == 200
    assert reminder != first


# -- 4. panel import ---------------------------------------------------------------------------------


def test_long_names_are_located_row_errors_not_a_500(app, client, users):
    long = "N" * 201
    data = (
        HEADER + f"{long};a@x.no;skoleleder;Skole A;Vestland;;A1\n"
        f"Kari;k@x.no;skoleleder;Skole A;Vestland;{long};A2\n"
        f"Ola;o@x.no;skoleleder;{long};Vestland;;A3\n"
        "Grei;g@x.no;skoleleder;Skole A;Vestland;Nettverk;A4\n"
    ).encode()
    with app.app_context():
        parsed = parse_panel("panel.csv", data)
    problems = {p.line: p.message for p in parsed.problems}
    assert problems[2] == "navnet er lengre enn 200 tegn (201)"
    assert problems[3] == "navnet på kompetansenettverket er lengre enn 200 tegn (201)"
    assert problems[4] == "organisasjonsnavnet er lengre enn 200 tegn (201)"
    assert [r.name for r in parsed.rows] == ["Grei"]
    login(client, "evaluator")
    from io import BytesIO

    response = client.post(
        "/console/panel/import",
        data={"file": (BytesIO(data), "panel.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "navnet er lengre enn 200 tegn (201)" in response.get_data(as_text=True)


def test_windows_1252_csv_from_norwegian_excel_keeps_aeoeaa(app_ctx):
    text = HEADER + "Åse Ærlig Øyen;ase@x.no;skoleleder;Ørsta skule;Møre og Romsdal;;Å1\n"
    parsed = parse_panel("panel.csv", text.replace("\n", "\r\n").encode("cp1252"))
    assert parsed.problems == []
    row = parsed.rows[0]
    assert (row.name, row.organisation, row.fylke) == (
        "Åse Ærlig Øyen",
        "Ørsta skule",
        "Møre og Romsdal",
    )


def test_parsed_upload_is_private_to_the_app_user(app_ctx):
    parsed = parse_panel(
        "panel.csv", (HEADER + "Kari;k@x.no;skoleleder;Skole A;Vestland;;K\n").encode()
    )
    key = save_parsed(parsed, None)
    path = import_dir() / f"{key}.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(import_dir()).st_mode) == 0o700


# -- 5. small things --------------------------------------------------------------------------------


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LINK_LOOKUP_LIMIT="20 per minute")
def test_wrong_respondent_links_are_rate_limited_per_address(app, client):
    env = {"REMOTE_ADDR": "203.0.113.77"}
    codes = [client.get(f"/s/{'x' * 43}{i:03d}", environ_base=env).status_code for i in range(30)]
    assert codes[:20] == [404] * 20 and set(codes[20:]) == {429}
    other = client.get(f"/s/{'x' * 46}", environ_base={"REMOTE_ADDR": "203.0.113.78"})
    assert other.status_code == 404


def test_session_cookie_copied_before_logout_is_dead_after(app, client, users):
    login(client, "evaluator")
    assert client.get("/console/panel").status_code == 200
    copied = client.get_cookie("session").value
    client.post("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/console/panel")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_remember_cookie_copied_before_logout_is_dead_after(app, client, users):
    from conftest import PASSWORD

    client.post(
        "/auth/login", data={"email": "evaluator@example.no", "password": PASSWORD, "remember": "y"}
    )
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.same_site == "Lax"
    client.post("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", cookie.value)
    assert thief.get("/console/panel").status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(User.session_version).where(User.email == "evaluator@example.no")
            )
            == 2
        )


HUGE = 10**30


def test_huge_integers_in_paths_and_page_or_wave_never_give_500(app, users, instrument):
    with app.app_context():
        add_person(1)
        db.session.commit()
        make_wave(instrument, status="open")
        admin_session = User.query.filter_by(role="admin").one().get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = admin_session
        session["_fresh"] = True
    bad = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        defaults = rule.defaults or {}
        values = {
            a: defaults[a]
            if a in defaults
            else (987654 if type(rule._converters[a]).__name__ == "BoundedInt" else "xyz")
            for a in rule.arguments
        }
        path = rule.build(values, append_unknown=False)[1].replace("987654", str(HUGE))
        for query in (
            "",
            f"?page={HUGE}",
            f"?wave={HUGE}",
            f"?page={HUGE}&wave={HUGE}&version={HUGE}",
        ):
            status = client.get(path + query).status_code
            if status >= 500:
                bad.append(f"{path}{query}: {status}")
    assert bad == []


def test_console_session_survives_rotation_with_the_old_key_as_fallback(app, client, users):
    app.config["SECRET_KEY"] = OLD_KEY
    login(client, "evaluator")
    old_cookie = client.get_cookie("session").value
    app.config.update(SECRET_KEY=NEW_KEY, SECRET_KEY_FALLBACKS=[OLD_KEY])
    assert client.get("/console/panel").status_code == 200
    app.config.update(SECRET_KEY_FALLBACKS=[])
    assert (
        client.get("/console/panel").status_code == 200
    )  # the session was re-signed with the new key
    stale = app.test_client()
    stale.set_cookie("session", old_cookie)
    assert (
        stale.get("/console/panel").status_code == 302
    )  # old key dropped: a cookie never re-signed logs in again
