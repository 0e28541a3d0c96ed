"""Tampered posts are refused with a clear message and change nothing that was stored."""

from __future__ import annotations

import re

import pytest

from .conftest import Respondent
from .factories import make_link, snapshot, stored


@pytest.fixture
def on_page_two(respondent):
    """A respondent who answered page one and is looking at page two (samarbeid)."""
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "1", "ant_larere": "20"})
    assert respondent.last.request.path.endswith("/side/samarbeid")
    return respondent


@pytest.mark.parametrize(
    "data, message",
    [
        ({"samarb_a": "9", "samarb_b": "1"}, "svar utenfor svaralternativene på «samarb_a»"),
        ({"samarb_a": "0", "samarb_b": "1"}, "svar utenfor svaralternativene på «samarb_a»"),
        ({"samarb_a": "1.0", "samarb_b": "1"}, "svar utenfor svaralternativene på «samarb_a»"),
        ({"samarb_a": ["1", "2"], "samarb_b": "1"}, "flere svar på «samarb_a»"),
        ({"samarb_a": "1", "samarb_b": "1", "hemmelig": "1"}, "ukjent spørsmål «hemmelig»"),
        (
            {"samarb_a": "1", "samarb_b": "1", "kommentar": "fra en annen side"},
            "ukjent spørsmål «kommentar»",
        ),
        ({"samarb_a": "1", "samarb_b": "1", "_action": "delete"}, "ukjent handling «delete»"),
    ],
)
def test_values_no_form_could_send_are_refused(app, on_page_two, data, message):
    with app.app_context():
        before = snapshot(on_page_two.link)
    r = on_page_two.post("samarbeid", data, follow=False)
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "Svarene kunne ikke lagres" in body and message in body
    with app.app_context():
        assert snapshot(on_page_two.link) == before


def test_text_far_over_the_limit_is_a_field_error_with_the_text_kept(app, respondent, link):
    """A textarea takes any length a person pastes: a field error, never the refusal page."""
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2"})
    respondent.post("samarbeid", {"samarb_a": "1", "samarb_b": "1"})
    with app.app_context():
        before = snapshot(link)
    r = respondent.post("slutt", {"kommentar": "x" * 5000}, action="submit", follow=False)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Teksten er 4950 tegn for lang" in body and "x" * 5000 in body
    assert "Svarene kunne ikke lagres" not in body
    with app.app_context():
        assert snapshot(link) == before


def test_nul_character_no_keyboard_types_is_refused(app, on_page_two):
    respondent = on_page_two
    respondent.open("/side/start")
    with app.app_context():
        before = snapshot(respondent.link)
    r = respondent.post(
        "start", {"deltatt": "1", "annet": "1", "annet_hva": "a\x00b"}, follow=False
    )
    assert r.status_code == 400 and "ugyldige tegn i «annet_hva»" in r.get_data(as_text=True)
    with app.app_context():
        assert snapshot(respondent.link) == before


def test_absurdly_large_post_is_refused_unread(app, on_page_two):
    with app.app_context():
        before = snapshot(on_page_two.link)
    r = on_page_two.post(
        "samarbeid", {"samarb_a": "1", "samarb_b": "1", "pad": "x" * 400_000}, follow=False
    )
    assert r.status_code == 413 and "For mye data" in r.get_data(as_text=True)
    with app.app_context():
        assert snapshot(on_page_two.link) == before


def test_answers_for_another_token_are_refused(app, client, on_page_two):
    """A page form of link A posted to link B (same page id) must not write into B."""
    with app.app_context():
        other = make_link(on_page_two.link.wave_id)
    victim = Respondent(client, other)
    victim.open("/side/start")
    victim.post("start", {"deltatt": "1"})
    with app.app_context():
        before = snapshot(other)
    form = {
        "_revision": on_page_two.hidden("_revision"),
        "_ref": on_page_two.hidden("_ref"),
        "_action": "next",
        "samarb_a": "1",
        "samarb_b": "1",
    }
    r = client.post(f"{other.url}/side/samarbeid", data=form)
    assert r.status_code == 400
    assert "skjemaet hører til en annen lenke" in r.get_data(as_text=True)
    with app.app_context():
        assert snapshot(other) == before


def test_missing_revision_is_refused(app, on_page_two):
    with app.app_context():
        before = snapshot(on_page_two.link)
    r = on_page_two.post("samarbeid", {"samarb_a": "1", "samarb_b": "1"}, follow=False, revision="")
    assert r.status_code == 400 and "versjonsnummer" in r.get_data(as_text=True)
    with app.app_context():
        assert snapshot(on_page_two.link) == before


def test_replayed_submit_changes_nothing(app, respondent, link):
    respondent.open("/side/start")
    respondent.post("start", {"deltatt": "2"})
    respondent.post("samarbeid", {"samarb_a": "1", "samarb_b": "1"})
    last_page = respondent.text
    respondent.post("slutt", {"kommentar": "Først"}, action="submit")
    with app.app_context():
        before = snapshot(link)
    r = respondent.post(
        "slutt", {"kommentar": "Endret etterpå"}, action="submit", follow=False, from_html=last_page
    )
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "allerede sendt inn" in body and "Takk for svarene" in body
    with app.app_context():
        assert snapshot(link) == before
        assert stored(link)["kommentar"] == "Først"


def test_two_tabs_saving_the_same_page_keep_one_consistent_answer(app, client, on_page_two):
    tab1_html = on_page_two.text
    tab2 = Respondent(client, on_page_two.link)
    tab2.open("/side/samarbeid")
    r = tab2.post("samarbeid", {"samarb_a": "5", "samarb_b": "5"})
    assert r.status_code == 200
    with app.app_context():
        after_tab2 = snapshot(on_page_two.link)
    # tab 1 still shows the old revision
    r = on_page_two.post(
        "samarbeid", {"samarb_a": "1", "samarb_b": "2"}, follow=False, from_html=tab1_html
    )
    assert r.status_code == 409
    body = r.get_data(as_text=True)
    assert "en annen fane eller enhet" in body
    # the page is re-shown with what is stored (tab 2's answers), with the new revision
    assert re.search(r'name="samarb_a" value="5" checked', body)
    with app.app_context():
        assert snapshot(on_page_two.link) == after_tab2
        assert stored(on_page_two.link)["samarb_a"] == 5


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_missing_csrf_token_is_refused(app, client, link):
    r = client.get(link.url + "/side/start")
    html = r.get_data(as_text=True)
    assert 'name="csrf_token"' in html
    rev = re.search(r'name="_revision" value="(\d+)"', html).group(1)
    ref = re.search(r'name="_ref" value="(\w+)"', html).group(1)
    with app.app_context():
        before = snapshot(link)
    r = client.post(link.url + "/side/start", data={"_revision": rev, "_ref": ref, "deltatt": "1"})
    assert r.status_code == 400
    assert "sikkerhetsnøkkelen" in r.get_data(as_text=True)
    with app.app_context():
        assert snapshot(link) == before
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = client.post(
        link.url + "/side/start",
        data={"csrf_token": token, "_revision": rev, "_ref": ref, "deltatt": "1"},
    )
    assert r.status_code == 303
    with app.app_context():
        assert stored(link) == {"deltatt": 1}


def test_two_tabs_posting_at_the_same_moment(app, link):
    """Truly concurrent posts of the same page and revision: one wins whole, the other is told."""
    import threading

    from .conftest import Respondent

    first = Respondent(app.test_client(), link)
    first.open("/side/start")
    first.post("start", {"deltatt": "2"})
    html = first.text
    tabs = [Respondent(app.test_client(), link) for _ in range(4)]
    barrier = threading.Barrier(len(tabs))
    codes: list[int] = []

    def run(i, tab):
        barrier.wait()
        r = tab.post(
            "samarbeid",
            {"samarb_a": str(i + 1), "samarb_b": str(i + 1)},
            from_html=html,
            follow=False,
        )
        codes.append(r.status_code)

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(tabs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [303, 409, 409, 409]
    with app.app_context():
        answers = stored(link)
        assert answers["samarb_a"] == answers["samarb_b"]  # both from the same tab
