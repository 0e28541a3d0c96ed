"""Bokmål by default; nynorsk or English at any time, without losing answers."""

from __future__ import annotations

from .conftest import Respondent
from .factories import response_for, stored


def test_bokmal_by_default(respondent):
    respondent.open("/side/start")
    assert '<html lang="nb">' in respondent.text
    assert "Neste" in respondent.text and "Side 1 av 3" in respondent.text


def test_lang_link_switches_and_is_remembered_on_the_response(app, respondent, link):
    respondent.open("?lang=nn")
    assert "Testundersøking" in respondent.text
    respondent.open("/side/start")
    assert "Har skulen delteke i tiltak?" in respondent.text
    assert "Neste" in respondent.text and "Side 1 av 3" in respondent.text
    with app.app_context():
        assert response_for(link).language == "nn"
    # another device opens the link in nynorsk too
    other = Respondent(app.test_client(), link)
    other.open("/side/start")
    assert "Har skulen delteke i tiltak?" in other.text


def test_switching_language_mid_page_keeps_what_was_typed(app, respondent, link):
    respondent.open("/side/start")
    r = respondent.post("start", {"deltatt": "1", "ant_larere": "44"}, lang="en")
    assert r.status_code == 200
    assert "Has the school taken part in measures?" in respondent.text
    assert "Page 1 of 4" in respondent.text and "Next" in respondent.text
    assert 'value="44"' in respondent.text
    with app.app_context():
        assert stored(link) == {"deltatt": 1, "ant_larere": 44}
        assert response_for(link).language == "en"


def test_switching_language_does_not_demand_required_answers(respondent):
    respondent.open("/side/start")
    r = respondent.post("start", {}, lang="nn")
    assert r.status_code == 200 and "error-summary" not in respondent.text


def test_errors_in_english(respondent):
    respondent.open("/side/start?lang=en")
    r = respondent.post("start", {})
    assert r.status_code == 422
    assert "Answer “Has the school taken part in measures?”." in respondent.text


def test_language_switch_with_an_error_on_the_page_shows_the_errors_in_the_new_language(respondent):
    respondent.open("/side/start")
    r = respondent.post("start", {"deltatt": "1", "ant_larere": "4000"}, lang="en")
    assert r.status_code == 422
    assert "Enter a number from 1 to 400." in respondent.text
    assert '<html lang="en">' in respondent.text and "Next" in respondent.text
