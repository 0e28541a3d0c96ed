"""People's mistakes: required answers, ranges and lengths, summarised at the top, input kept."""

from __future__ import annotations

import re

from .factories import response_for, snapshot, stored


def test_required_errors_are_summarised_with_links_to_each_field(app, respondent, link):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "1"})
    r = respondent.post("samarbeid", {"samarb_b": "3"})
    assert r.status_code == 422
    html = respondent.text
    summary = html[
        html.index('class="error-summary"') : html.index(
            "</ul>", html.index('class="error-summary"')
        )
    ]
    assert 'role="alert"' in summary
    assert '<a href="#f-samarb_a">' in summary
    assert "Vi samarbeider godt." in summary
    assert 'id="f-samarb_a"' in html
    # the answer that was given is kept on the page
    assert re.search(r'name="samarb_b" value="3" checked', html)
    assert "<title>Feil:" in html
    with app.app_context():
        assert "samarb_b" not in stored(link)


def test_number_range_and_whole_numbers(respondent):
    respondent.open("/side/start")
    r = respondent.post("start", {"deltatt": "1", "ant_larere": "401"})
    assert r.status_code == 422
    assert "Skriv et tall fra 1 til 400." in respondent.text
    assert 'value="401"' in respondent.text
    r = respondent.post("start", {"deltatt": "1", "ant_larere": "3,5"})
    assert "Skriv et helt tall" in respondent.text
    r = respondent.post("start", {"deltatt": "1", "ant_larere": "mange"})
    assert "Skriv et tall" in respondent.text
    r = respondent.post("start", {"deltatt": "1", "ant_larere": " 12 "})
    assert r.status_code == 200 and "Side 2 av 4" in respondent.text


def test_text_over_the_limit_is_an_error_not_truncated(app, respondent, link):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2"})
    respondent.post("samarbeid", {"samarb_a": "1", "samarb_b": "1"})
    long = "x" * 61
    r = respondent.post("slutt", {"kommentar": long}, action="submit")
    assert r.status_code == 422
    assert "Teksten er 11 tegn for lang. Den kan ha høyst 50 tegn." in respondent.text
    assert long in respondent.text
    with app.app_context():
        assert "kommentar" not in stored(link)
        assert response_for(link).status == "in_progress"


def test_multi_choice_counts(respondent):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "1"})
    respondent.post("samarbeid", {"samarb_a": "1", "samarb_b": "1"})
    r = respondent.post("tiltak", {"tiltak_type": ["1", "2", "3"]})
    assert r.status_code == 422 and "Velg høyst 2." in respondent.text
    r = respondent.post("tiltak", {})
    assert "Svar på «Hva slags tiltak?»." in respondent.text


def test_back_saves_without_demanding_answers(app, respondent, link):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2"})
    r = respondent.post("samarbeid", {"samarb_a": "2"}, action="back")
    assert r.status_code == 200 and "Side 1 av 3" in respondent.text
    with app.app_context():
        assert stored(link)["samarb_a"] == 2


def test_back_from_first_page_goes_to_the_start_page(respondent):
    respondent.open("/side/start")
    r = respondent.post("start", {}, action="back")
    assert r.status_code == 200 and "Fortsett der du slapp" in respondent.text


def test_long_text_typed_into_a_number_field_is_a_field_error(app, respondent, link):
    """Whatever a person types into a number field gets a field error; the page keeps the rest."""
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2"}, action="save")
    with app.app_context():
        before = snapshot(link)
    typed = "ca. 25 lærere, litt usikker på nøyaktig tall"
    r = respondent.post(
        "start",
        {"deltatt": "1", "ant_larere": typed, "annet": "1", "annet_hva": "Lesesatsing"},
        follow=False,
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Svarene kunne ikke lagres" not in html
    assert "Skriv et tall, for eksempel 12." in html
    assert f'value="{typed}"' in html
    assert re.search(r'name="deltatt" value="1" checked', html)
    assert re.search(r'name="annet" value="1" checked', html)
    assert 'value="Lesesatsing"' in html
    with app.app_context():
        assert snapshot(link) == before


def test_hundreds_of_digits_in_a_number_field_is_a_field_error(app, respondent, link):
    respondent.open("/side/start")
    r = respondent.post("start", {"deltatt": "1", "ant_larere": "9" * 400}, follow=False)
    assert r.status_code == 422 and "Skriv et tall" in r.get_data(as_text=True)
    with app.app_context():
        assert stored(link) == {}
