"""A save committed just before the server died, retried by the browser with the same revision."""

from __future__ import annotations

from .factories import response_for, snapshot, stored


def test_retried_save_that_was_stored_moves_on(app, respondent, link):
    """The browser resends a post whose answer never arrived: it moves on, no 'another tab'."""
    respondent.open("/side/start")
    form_page = respondent.text
    first = respondent.post("start", {"deltatt": "1", "ant_larere": "20"}, follow=False)
    assert first.status_code == 303
    with app.app_context():
        after_first = snapshot(link)
    # the retry: the same post from the same page (same revision, same ref)
    respondent.last = type("R", (), {"get_data": lambda self, as_text=True: form_page})()
    retry = respondent.post("start", {"deltatt": "1", "ant_larere": "20"}, follow=False)
    assert retry.status_code == 303
    assert retry.headers["Location"] == first.headers["Location"]
    with app.app_context():
        assert snapshot(link) == after_first  # nothing written twice, revision unchanged


def test_retry_with_a_number_written_differently_still_moves_on(app, respondent, link):
    respondent.open("/side/start")
    form_page = respondent.text
    respondent.post("start", {"deltatt": "1", "ant_larere": "20"}, follow=False)
    respondent.last = type("R", (), {"get_data": lambda self, as_text=True: form_page})()
    retry = respondent.post("start", {"deltatt": "1", "ant_larere": " 20 "}, follow=False)
    assert retry.status_code == 303 and retry.headers["Location"].endswith("/side/samarbeid")


def test_stale_post_with_other_answers_is_still_shown_as_another_tab(app, respondent, link):
    respondent.open("/side/start")
    form_page = respondent.text
    respondent.post("start", {"deltatt": "1", "ant_larere": "20"}, follow=False)
    respondent.last = type("R", (), {"get_data": lambda self, as_text=True: form_page})()
    r = respondent.post("start", {"deltatt": "1", "ant_larere": "21"}, follow=False)
    assert r.status_code == 409 and "en annen fane eller enhet" in r.get_data(as_text=True)
    with app.app_context():
        assert stored(link)["ant_larere"] == 20


def test_retried_submit_shows_the_thanks_once(app, respondent, link):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2"})
    respondent.post("samarbeid", {"samarb_a": "1", "samarb_b": "1"})
    last_page = respondent.text
    r = respondent.post("slutt", {"kommentar": "Ferdig"}, action="submit", follow=False)
    assert r.status_code == 303
    with app.app_context():
        submitted = response_for(link).submitted_at
        before = snapshot(link)
    respondent.last = type("R", (), {"get_data": lambda self, as_text=True: last_page})()
    r = respondent.post("slutt", {"kommentar": "Ferdig"}, action="submit", follow=True)
    assert r.status_code == 200 and "Takk for svarene" in r.get_data(as_text=True)
    with app.app_context():
        assert snapshot(link) == before and response_for(link).submitted_at == submitted


def test_retried_save_of_a_page_whose_answers_were_pruned_elsewhere(app, respondent, link):
    """Stored equals posted also when the posted page clears an answer: None matches no row."""
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2", "annet": "1", "annet_hva": "Kurs"})
    respondent.open("/side/start")
    form_page = respondent.text
    respondent.post("start", {"deltatt": "2", "annet": "1", "annet_hva": ""}, follow=False)
    respondent.last = type("R", (), {"get_data": lambda self, as_text=True: form_page})()
    retry = respondent.post("start", {"deltatt": "2", "annet": "1", "annet_hva": ""}, follow=False)
    assert retry.status_code == 303
    with app.app_context():
        assert stored(link) == {"deltatt": 2, "annet": 1}
