"""The respondent's flow on the test client: open, answer, skip, go back, resume, submit."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import Invitation

from .conftest import Respondent
from .factories import response_for, stored


def test_first_open_shows_start_page_and_creates_the_response(app, respondent, link):
    r = respondent.open()
    assert r.status_code == 200
    assert "Testundersøkelse" in respondent.text
    assert "Start undersøkelsen" in respondent.text
    with app.app_context():
        resp = response_for(link)
        assert resp is not None and resp.status == "in_progress"
        assert resp.version.code == "test_mini"
        assert db.session.get(Invitation, link.invitation_id).opened_at is not None


def test_answer_skip_back_and_submit(app, respondent, link):
    respondent.open()
    r = respondent.open("/side/start")
    assert "Side 1 av 3" in respondent.text
    respondent.post("start", {"deltatt": "2", "ant_larere": "12", "annet": "2"})
    # deltatt=2 hides the page 'tiltak': three pages are left
    assert "Side 2 av 3" in respondent.text
    assert 'name="oppfolging"' not in respondent.text
    r = respondent.post("samarbeid", {"samarb_a": "4", "samarb_b": "dont_know"})
    assert "Side 3 av 3" in respondent.text and "Send inn" in respondent.text
    r = respondent.post("slutt", {"kommentar": "Bra"}, action="back")
    assert "Side 2 av 3" in respondent.text
    assert 'value="4" checked' in respondent.text
    respondent.post("samarbeid", {"samarb_a": "5", "samarb_b": "dont_know"})
    r = respondent.post("slutt", {"kommentar": "Bra samarbeid"}, action="submit")
    assert r.status_code == 200
    assert "Takk for svarene" in respondent.text
    with app.app_context():
        assert stored(link) == {
            "deltatt": 2,
            "ant_larere": 12,
            "annet": 2,
            "samarb_a": 5,
            "samarb_b": "dont_know",
            "kommentar": "Bra samarbeid",
        }
        resp = response_for(link)
        assert resp.status == "complete" and resp.submitted_at is not None
        assert db.session.get(Invitation, link.invitation_id).submitted_at == resp.submitted_at
    # the link now shows the thank-you page
    assert "Takk for svarene" in respondent.open().get_data(as_text=True)


def test_resume_in_a_fresh_client_continues_where_left(app, respondent, link):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "1", "ant_larere": "30"})
    assert "Side 2 av 4" in respondent.text
    other = Respondent(app.test_client(), link)
    r = other.open()
    assert r.request.path.endswith("/side/samarbeid")
    # earlier answers are shown when going back
    other.post("samarbeid", {}, action="back")
    assert 'value="30"' in other.text
    assert 'id="f-deltatt" name="deltatt" value="1" checked' in other.text


def test_answers_on_pages_that_became_hidden_are_removed(app, respondent, link):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "1"})
    respondent.post("samarbeid", {"samarb_a": "3", "samarb_b": "3", "oppfolging": "4"})
    respondent.post("tiltak", {"tiltak_type": ["1", "3"]})
    with app.app_context():
        assert stored(link)["tiltak_type"] == [1, 3]
        assert stored(link)["oppfolging"] == 4
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2"})
    with app.app_context():
        answers = stored(link)
        assert "tiltak_type" not in answers and "oppfolging" not in answers
        assert answers["samarb_a"] == 3


def test_same_page_condition_is_judged_on_the_server(app, respondent, link):
    respondent.open("/side/start")
    assert "data-show-if=" in respondent.text  # rendered for JS, judged on save
    respondent.post("start", {"deltatt": "2", "annet": "2", "annet_hva": "Lekser"})
    with app.app_context():
        assert "annet_hva" not in stored(link)
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2", "annet": "1", "annet_hva": "Lekser"})
    with app.app_context():
        assert stored(link)["annet_hva"] == "Lekser"


def test_submit_with_missing_required_answers_goes_to_that_page(app, respondent, link):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2"})
    respondent.post("samarbeid", {"samarb_a": "3", "samarb_b": "2"}, action="back")
    # jump straight to the last page and submit: samarbeid is complete, start too -> fine;
    # now clear samarbeid through a back-save with an empty row
    respondent.open("/side/samarbeid")
    respondent.post("samarbeid", {"samarb_a": "3"}, action="back")
    respondent.open("/side/slutt")
    r = respondent.post("slutt", {}, action="submit")
    assert r.request.path.endswith("/side/samarbeid")
    assert "For å gå videre må du rette opp dette" in respondent.text
    with app.app_context():
        assert response_for(link).status == "in_progress"


def test_start_page_offers_the_first_page(respondent):
    r = respondent.open()
    assert "/side/start" in r.get_data(as_text=True)


def test_item_codes_that_look_like_form_internals(app, client):
    from .factories import DATA, make_link, make_wave

    with app.app_context():
        link = make_link(make_wave(DATA / "clash.yaml"))
    respondent = Respondent(client, link)
    respondent.open("/side/eneste")
    r = respondent.post(
        "eneste",
        {"data": "7", "errors": "ingen", "lang": "2", "action": "1", "revision": "v2"},
        action="submit",
    )
    assert r.status_code == 200 and "Takk for svarene" in respondent.text
    with app.app_context():
        assert stored(link) == {
            "data": 7,
            "errors": "ingen",
            "lang": 2,
            "action": 1,
            "revision": "v2",
        }


def test_thanks_page_time_is_norwegian_wall_clock(app, respondent, link):
    from datetime import UTC, datetime

    from webapp.extensions import db

    from .factories import response_for

    respondent.open("")
    with app.app_context():
        response = response_for(link)
        response.status, response.submitted_at = (
            "complete",
            datetime(2026, 11, 29, 11, 29, tzinfo=UTC),
        )
        response.invitation.submitted_at = response.submitted_at
        db.session.commit()
    respondent.open("")
    assert "Sendt inn 29.11.2026 kl. 12:29." in respondent.text and "UTC" not in respondent.text


def test_first_page_has_no_back_button(respondent):
    respondent.open("/side/start")
    assert "Tilbake" not in respondent.text and "Neste" in respondent.text
