"""What a personal link leads to: unknown, revoked, not yet open, closed, and submitted links."""

from __future__ import annotations

import pytest

from webapp.domain.responses import mark_partial_for_wave
from webapp.extensions import db
from webapp.models import Invitation, Wave

from .factories import make_link, make_wave, response_for, stored


def _set_wave(app, wave_id, status):
    with app.app_context():
        db.session.get(Wave, wave_id).status = status
        db.session.commit()


@pytest.mark.parametrize("token", ["x" * 43, "short", "a" * 43 + "%00", "a" * 100])
def test_unknown_link_is_a_friendly_404(client, link, token):
    r = client.get(f"/s/{token}")
    assert r.status_code == 404
    body = r.get_data(as_text=True)
    assert "Vi fant ikke undersøkelsen" in body
    assert "Testundersøkelse" not in body  # nothing about any questionnaire or respondent


def test_revoked_link_looks_exactly_like_an_unknown_one(app, client, link):
    unknown = client.get("/s/" + "y" * 43).get_data(as_text=True)
    with app.app_context():
        db.session.get(Invitation, link.invitation_id).status = "revoked"
        db.session.commit()
    r = client.get(link.url)
    assert r.status_code == 404
    assert r.get_data(as_text=True) == unknown
    with app.app_context():
        assert response_for(link) is None


def test_unknown_link_page_in_the_respondents_language(client):
    r = client.get("/s/" + "z" * 43 + "?lang=en")
    assert r.status_code == 404 and "We could not find the survey" in r.get_data(as_text=True)
    assert '<html lang="en">' in r.get_data(as_text=True)


def test_draft_wave_says_not_open_yet(app, client):
    with app.app_context():
        link = make_link(make_wave(status="draft"))
    r = client.get(link.url)
    assert r.status_code == 403
    assert "ikke åpnet ennå" in r.get_data(as_text=True)
    assert client.get(link.url + "/side/start").status_code == 403


def test_closed_wave_is_410_and_keeps_partial_answers(app, respondent, link):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2", "ant_larere": "7"})
    html = respondent.text
    with app.app_context():
        wave = db.session.get(Wave, link.wave_id)
        wave.status = "closed"
        assert mark_partial_for_wave(wave) == 1
        db.session.commit()
    r = respondent.client.get(link.url)
    assert r.status_code == 410
    assert "Undersøkelsen er avsluttet" in r.get_data(as_text=True)
    # a page form still open in the browser cannot add answers any more
    r = respondent.post(
        "samarbeid", {"samarb_a": "1", "samarb_b": "1"}, follow=False, from_html=html
    )
    assert r.status_code == 410
    with app.app_context():
        assert stored(link) == {"deltatt": 2, "ant_larere": 7}
        assert response_for(link).status == "partial"


def test_closed_wave_shows_thanks_to_those_who_submitted(app, respondent, link):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2"})
    respondent.post("samarbeid", {"samarb_a": "1", "samarb_b": "2"})
    respondent.post("slutt", {}, action="submit")
    _set_wave(app, link.wave_id, "closed")
    r = respondent.client.get(link.url)
    assert r.status_code == 200 and "Takk for svarene" in r.get_data(as_text=True)


def test_mark_partial_only_touches_unfinished_responses_of_that_wave(app, client):
    with app.app_context():
        w1 = make_wave()
        w2 = make_wave(name="Annen bølge")
        links = [make_link(w1), make_link(w1), make_link(w2)]
    for lk in links:
        client.get(lk.url)
    with app.app_context():
        assert mark_partial_for_wave(db.session.get(Wave, w1)) == 2
        db.session.commit()
        assert [response_for(lk).status for lk in links] == ["partial", "partial", "in_progress"]


def test_unknown_page_id_is_404(respondent):
    respondent.open()
    assert respondent.client.get(respondent.link.url + "/side/finnesikke").status_code == 404


def test_hidden_page_redirects_to_a_visible_one(respondent):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2"})
    r = respondent.open("/side/tiltak")
    assert r.request.path.endswith("/side/samarbeid")


def test_wave_without_a_questionnaire_for_the_role_is_not_open(app, client, wave_id):
    with app.app_context():
        link = make_link(wave_id, role="uh")
    r = client.get(link.url)
    assert r.status_code == 403 and "ikke åpnet ennå" in r.get_data(as_text=True)
    with app.app_context():
        assert response_for(link) is None
