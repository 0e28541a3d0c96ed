"""The coding screen: access, suggestions with highlighted evidence, saving, queue and bulk acceptance."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models.coding import CodingDecision, CodingMemo, CodingSuggestion

from .conftest import SECRET_NAME

ROUTES = [
    "/coding/",
    "/coding/agreement",
    "/coding/agreement/disagreements",
    "/coding/agreement/learning",
    "/coding/codebook",
    "/coding/codebook/theme/new",
    "/coding/codebook/export.qdc",
    "/coding/export.qdpx",
    "/coding/tables",
    "/coding/tables/figure.png",
]


@pytest.mark.parametrize("url", ROUTES)
def test_evaluator_is_refused_and_anonymous_sent_to_login(client, auth, users, url):
    assert client.get(url).status_code == 302
    assert "/auth/login" in client.get(url).headers["Location"]
    auth.login(users["evaluator"])
    assert client.get(url).status_code == 403


def test_evaluator_cannot_post(client, auth, users, coding_data):
    auth.login(users["evaluator"])
    assert (
        client.post(f"/coding/answer/{coding_data[0]}", data={"theme": ["tid"]}).status_code == 403
    )
    assert (
        client.post(
            "/coding/bulk-accept", data={"min_confidence": "0.8", "confirm": "yes"}
        ).status_code
        == 403
    )


def test_admin_and_researcher_see_the_overview(client, auth, users, coding_data):
    for role in ("admin", "researcher"):
        auth.login(users[role])
        page = client.get("/coding/").get_data(as_text=True)
        assert "0 av 8 kodet" in page  # blank, in-progress and other items are not counted
        assert 'href="/coding/"' in client.get("/console/").get_data(as_text=True)  # the menu entry
        auth.logout()


def test_answer_shows_suggestions_with_highlighted_evidence(client, auth, users, coding_data):
    auth.login(users["researcher"])
    page = client.get(f"/coding/answer/{coding_data[0]}").get_data(as_text=True)
    # "Rektor satte av tid til fellesmøter, og alle lærerne deltok."
    # codebook v6: a leader who acts ("Rektor satte av"), which overlaps time's "satte av"
    assert re.search(r'<mark class="ev t4"[^>]*data-themes="ledelse">Rektor </mark>', page)
    assert re.search(
        r'<mark class="ev t4 multi"[^>]*data-themes="ledelse tid">satte av</mark>', page
    )
    assert re.search(r'<mark class="ev t6"[^>]*data-themes="tid">tid</mark>', page)
    assert re.search(r'<mark class="ev t0"[^>]*data-themes="alle_med">alle lærerne</mark>', page)
    for code in ("ledelse", "tid", "alle_med"):
        assert re.search(rf'value="{code}" id="theme-{code}" [^>]*checked', page), code
    assert not re.search(r'value="forskning" id="theme-forskning" [^>]*checked', page)
    assert "forslag 80\u00a0%" in page
    assert "skoleleder" in page and "2023" in page and "Oslo" in page
    assert SECRET_NAME not in page and '@example.no"' not in page.split("whoami")[1]
    assert "style=" not in page and "<script>" not in page  # CSP: no inline styles or scripts


def test_answer_that_is_not_a_free_text_answer_is_404(client, auth, users, coding_data):
    auth.login(users["researcher"])
    assert client.get("/coding/answer/999999").status_code == 404


def test_saving_records_every_theme_with_its_source_and_the_memo(
    app, client, auth, users, coding_data
):
    auth.login(users["researcher"])
    first = coding_data[0]
    response = client.post(
        f"/coding/answer/{first}",
        data={
            "theme": ["ledelse", "alle_med", "forskning"],
            "memo": "Tid er nevnt, men som ramme.",
            "action": "next",
        },
    )
    assert response.status_code == 303  # See Other: the browser's address becomes the next answer
    assert re.search(r"/coding/answer/\d+$", response.headers["Location"])
    assert response.headers["Location"] != f"/coding/answer/{first}"
    with app.app_context():
        rows = {
            r.theme_code: (r.applied, r.source)
            for r in db.session.scalars(
                sa.select(CodingDecision).where(CodingDecision.answer_id == first)
            )
        }
        assert rows["ledelse"] == (True, "accepted")
        assert rows["tid"] == (False, "rejected")
        assert rows["forskning"] == (True, "added")
        assert rows["praksisnaer"] == (False, "absent")
        assert len(rows) == 10
        assert db.session.scalar(sa.select(CodingMemo.text)) == "Tid er nevnt, men som ramme."
    assert "1 av 8 kodet" in client.get("/coding/").get_data(as_text=True)
    page = client.get(f"/coding/answer/{first}").get_data(as_text=True)
    assert "kodet av deg" in page and not re.search(r'id="theme-tid" [^>]*checked', page)
    assert re.search(r'id="theme-forskning" [^>]*checked', page)
    # saving again changes the rows in place
    client.post(f"/coding/answer/{first}", data={"theme": ["tid"], "memo": "", "action": "stay"})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CodingDecision)) == 10
        assert db.session.scalar(sa.select(CodingMemo)) is None


def test_unknown_theme_is_refused_without_saving(app, client, auth, users, coding_data):
    auth.login(users["researcher"])
    response = client.post(
        f"/coding/answer/{coding_data[0]}", data={"theme": ["nope"]}, follow_redirects=True
    )
    assert "nope" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CodingDecision)) == 0


def test_queue_puts_answers_below_the_threshold_first(app, client, auth, users, coding_data):
    auth.login(users["researcher"])
    page = client.get("/coding/").get_data(as_text=True)
    first = int(re.search(r'href="/coding/answer/(\d+)">Start koding', page).group(1))
    with app.app_context():
        rows = {r.answer_id: r for r in db.session.scalars(sa.select(CodingSuggestion))}
    assert rows[first].needs_review
    assert rows[first].confidence == min(r.confidence for r in rows.values() if r.needs_review)
    assert len(rows) == 8


def test_filter_by_wave_and_role(client, auth, users, coding_data, app):
    auth.login(users["researcher"])
    with app.app_context():
        from webapp.models import Wave

        wave = db.session.scalar(sa.select(Wave).where(Wave.year == 2021))
    page = client.get(f"/coding/?wave={wave.id}").get_data(as_text=True)
    assert "0 av 3 kodet" in page
    page = client.get(f"/coding/?wave={wave.id}&role=uh").get_data(as_text=True)
    assert "0 av 1 kodet" in page


def test_bulk_accept_needs_confirmation_and_is_audited(app, client, auth, users, coding_data):
    auth.login(users["researcher"])
    refused = client.post(
        "/coding/bulk-accept", data={"min_confidence": "0.8"}, follow_redirects=True
    )
    assert "Kryss av" in refused.get_data(as_text=True)
    with app.app_context():
        confident = db.session.scalars(
            sa.select(CodingSuggestion).where(
                CodingSuggestion.needs_review.is_(False), CodingSuggestion.confidence >= 0.8
            )
        ).all()
        expected = {s.answer_id: set(s.themes) for s in confident}
    assert expected
    client.post(
        "/coding/bulk-accept", data={"min_confidence": "0,8", "confirm": "yes"}
    )  # decimal comma
    with app.app_context():
        rows = db.session.scalars(sa.select(CodingDecision)).all()
        assert {r.source for r in rows} == {"bulk"}
        got: dict[int, set] = {}
        for r in rows:
            got.setdefault(r.answer_id, set())
            if r.applied:
                got[r.answer_id].add(r.theme_code)
        assert got == expected
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "coding.bulk_accept")
        )
        assert event.after["answers"] == len(expected)
    assert f"{len(expected)} av 8 kodet" in client.get("/coding/").get_data(as_text=True)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_save_form_needs_the_csrf_token(app, client, users, coding_data):
    from conftest import PASSWORD

    login_page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    client.post(
        "/auth/login",
        data={"email": users["researcher"], "password": PASSWORD, "csrf_token": token},
    )
    url = f"/coding/answer/{coding_data[0]}"
    assert client.post(url, data={"theme": ["tid"]}).status_code == 400
    page = client.get(url).get_data(as_text=True)
    form = page[page.index('id="coding-form"') :]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post(url, data={"theme": ["tid"], "csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CodingDecision)) == 10
