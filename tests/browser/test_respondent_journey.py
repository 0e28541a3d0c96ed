"""A skoleleder answers the real questionnaire in chromium, as a person would.

Opens the link, answers, triggers a skip, leaves mid-way, resumes in a fresh browser context
(another device), hits a validation error, switches to nynorsk, submits; the database then holds
exactly the answers given.
"""

from __future__ import annotations

import re

import pytest
from survey.factories import SKOLELEDER, make_link, make_wave, response_for, stored

pytestmark = pytest.mark.browser


@pytest.fixture
def skoleleder_link(app):
    """A skoleleder's link to an open wave with the real skoleleder questionnaire."""
    with app.app_context():
        return make_link(make_wave(SKOLELEDER, name="Dekom 2025"))


def group(page, name):
    """The fieldset (radio group) whose legend starts with ``name``."""
    return page.get_by_role("group", name=re.compile("^" + re.escape(name)))


def choose(page, question, option):
    """Tick ``option`` in the question (or matrix row) ``question``."""
    group(page, question).get_by_label(option, exact=True).check()


def progress(page):
    """The 'Side X av Y' text."""
    return page.locator(".progress-label").inner_text()


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_skoleleder_journey(app, live_server, browser, skoleleder_link):
    url = live_server.url + skoleleder_link.url
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(url)
    assert page.locator("h1").inner_text().startswith("Spørreundersøkelse for skoleledere")
    page.get_by_role("link", name="Start undersøkelsen").click()

    # page 1: background; 'Nei' on deltatt_tiltak skips the two pages about the measure
    assert progress(page) == "Side 1 av 6"
    choose(page, "I hvilket fylke arbeider du?", "Vestland")
    page.get_by_label(re.compile("^Hvilket kompetansenettverk")).fill("Bergensnettverket")
    choose(page, "I hvilken grad kjenner du", "I stor grad")
    choose(page, "Har skolen eller organisasjonen din deltatt", "Nei")
    page.get_by_role("button", name="Neste").click()

    # page 2, answered with the keyboard only: arrow keys move within a radio group, Enter submits
    assert progress(page) == "Side 2 av 6"
    first = page.get_by_label(re.compile("^Barneskole"))
    first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")  # -> Ungdomsskole
    page.keyboard.press("Tab")
    page.keyboard.type("35")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # page 3: the follow-up on how many took part is skipped
    assert progress(page) == "Side 3 av 6"
    assert (
        page.get_by_label(re.compile("^Omtrent hvor mange lærere ved skolen har deltatt")).count()
        == 0
    )
    choose(page, "Hva er stillingen din?", "Rektor")
    choose(page, "Jeg har nok tid", "Nokså uenig")
    choose(page, "UH gir meg god støtte", "Vet ikke / ikke relevant")
    page.get_by_role("button", name="Neste").click()
    assert progress(page) == "Side 4 av 6"
    ctx.close()  # leaves mid-way

    # another device: a fresh context continues on page 4
    ctx = browser.new_context(viewport={"width": 1024, "height": 800})
    page = ctx.new_page()
    page.goto(url)
    assert progress(page) == "Side 4 av 6"
    assert page.locator("h1").inner_text() == "Partnerskapet mellom skoleeiere og UH"
    page.get_by_role("button", name="Tilbake").click()
    assert progress(page) == "Side 3 av 6"
    assert group(page, "Hva er stillingen din?").get_by_label("Rektor", exact=True).is_checked()
    assert group(page, "Jeg har nok tid").get_by_label("Nokså uenig", exact=True).is_checked()
    page.get_by_role("button", name="Neste").click()

    # a validation error: two required matrices, only partly answered
    for row in (
        "Kartlegging av kompetansebehov",
        "Prioritering av tiltak",
        "Planlegging av tiltak",
        "Gjennomføring av tiltak",
    ):
        choose(page, row, "I stor grad")
    choose(page, "Skoleeier og UH samarbeider", "Nokså enig")
    page.get_by_role("button", name="Neste").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.title().startswith("Feil:")
    links = summary.get_by_role("link")
    assert links.count() == 4  # samarb_eval and three likev rows
    assert page.evaluate("document.activeElement.id") == "error-summary-title"
    links.first.click()
    assert page.evaluate("document.activeElement.id") == "f-samarb_eval"
    assert (
        group(page, "Kartlegging av kompetansebehov")
        .get_by_label("I stor grad", exact=True)
        .is_checked()
    )

    # switch to nynorsk mid-page: nothing typed or ticked is lost
    choose(page, "Evaluering av tiltak", "I noen grad")
    page.get_by_role("button", name="Nynorsk").click()
    assert page.locator("html").get_attribute("lang") == "nn"
    assert page.locator("h1").inner_text() == "Partnarskapet mellom skuleeigarar og UH"
    assert group(page, "Evaluering av tiltak").get_by_label("I nokon grad", exact=True).is_checked()
    choose(page, "Begge partar har reell innverknad", "Nokså samd")
    choose(page, "Partane anerkjenner og nyttar", "Heilt samd")
    choose(page, "Samarbeidet blir opplevd meir", "Veit ikkje / ikkje relevant")
    page.get_by_role("button", name="Neste").click()

    assert progress(page) == "Side 5 av 6"
    for row in (
        "Kartlegging av kompetansebehov",
        "Prioritering av tiltak",
        "Planlegging av tiltak",
        "Gjennomføring av tiltak",
        "Evaluering av tiltak",
    ):
        choose(page, row, "I liten grad")
    for row in (
        "Skuleleiarane er med",
        "Lærarane er med på",
        "Dei tillitsvalde er med",
        "Kompetansebehova blir kartlagde",
        "Tiltaka kjem",
        "Lærarane har innverknad",
    ):
        choose(page, row, "Nokså samd")
    page.get_by_role("button", name="Neste").click()

    assert progress(page) == "Side 6 av 6"
    page.get_by_label(re.compile("^Har du andre kommentarar")).fill("Godt samarbeid, men lite tid.")
    page.get_by_role("button", name="Send inn").click()
    assert page.locator("h1").inner_text() == "Takk for svara dine!"

    # the link now shows the thank-you page, also on a third device
    other = browser.new_context().new_page()
    other.goto(url)
    assert "Takk for svar" in other.locator("h1").inner_text()
    other.context.close()
    ctx.close()

    with app.app_context():
        resp = response_for(skoleleder_link)
        assert resp.status == "complete" and resp.language == "nn"
        fylke = next(
            o.value
            for o in resp.version.questionnaire.find_item("bg_fylke").options
            if o.label["nb"] == "Vestland"
        )
        assert stored(skoleleder_link) == {
            "bg_fylke": fylke,
            "bg_nettverk": "Bergensnettverket",
            "bg_kjennskap": 4,
            "deltatt_tiltak": 2,
            "bg_skoleslag": 2,
            "bg_ant_larere": 35,
            "sl_stilling": 1,
            "sl_tid": 2,
            "sl_stotte_uh": "dont_know",
            "samarb_behov": 4,
            "samarb_prior": 4,
            "samarb_plan": 4,
            "samarb_gjenn": 4,
            "samarb_eval": 3,
            "likev_partnere": 4,
            "likev_innflytelse": 4,
            "likev_kompetanse": 5,
            "likev_kunde": "dont_know",
            "invol_behov": 2,
            "invol_prior": 2,
            "invol_plan": 2,
            "invol_gjenn": 2,
            "invol_eval": 2,
            "lokinv_ledere": 4,
            "lokinv_larere": 4,
            "lokinv_tv": 4,
            "lokinv_lokal": 4,
            "lokinv_ovenfra": 4,
            "lokinv_innhold": 4,
            "kommentar": "Godt samarbeid, men lite tid.",
        }


def test_live_show_if_and_character_count(app, live_server, browser):
    """survey.js: a same-page condition shows its question live; the counter counts down."""
    from survey.factories import MINI

    with app.app_context():
        link = make_link(make_wave(MINI))
    page = browser.new_page()
    page.goto(live_server.url + link.url + "/side/start")
    follow_up = page.locator("#q-annet_hva")
    assert follow_up.is_hidden()
    choose(page, "Har dere andre ordninger?", "Ja")
    assert follow_up.is_visible()
    page.get_by_label("Hvilke?").fill("x" * 25)
    assert page.locator("#c-annet_hva").inner_text() == "Du har 5 tegn for mye."
    choose(page, "Har dere andre ordninger?", "Nei")
    assert follow_up.is_hidden()
    page.context.close()


def test_360px_matrix_rows_fit_without_sideways_scrolling(
    app, live_server, browser, skoleleder_link
):
    ctx = browser.new_context(viewport={"width": 360, "height": 740})
    page = ctx.new_page()
    with app.app_context():
        from webapp.extensions import db

        resp = None
        page.goto(live_server.url + skoleleder_link.url)
        resp = response_for(skoleleder_link)
        resp.current_page = "partnerskap"
        db.session.commit()
    page.goto(live_server.url + skoleleder_link.url)
    assert page.locator(".matrix-row").count() == 17
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    boxes = [
        page.locator(".matrix-row").first.locator(".option").nth(i).bounding_box() for i in range(6)
    ]
    assert (
        len({round(b["y"]) for b in boxes[:5]}) == 1
    )  # the five points are numbered tiles in one row
    assert boxes[5]["y"] > boxes[0]["y"]  # "don't know" has its own line below them
    ctx.close()


def test_text_typed_into_a_number_field_gets_a_field_error(app, live_server, browser):
    """Words in a number field: a field error on the same page, everything typed still there."""
    from survey.factories import MINI

    with app.app_context():
        link = make_link(make_wave(MINI))
    page = browser.new_page()
    page.goto(live_server.url + link.url + "/side/start")
    typed = "ca. 25 lærere, litt usikker på nøyaktig tall"
    choose(page, "Har skolen deltatt i tiltak?", "Ja")
    page.get_by_label("Hvor mange lærere?").fill(typed)
    choose(page, "Har dere andre ordninger?", "Ja")
    page.get_by_label("Hvilke?").fill("Lesesatsing")
    page.get_by_role("button", name="Neste").click()
    page.locator(".error-summary").wait_for()
    assert "Svarene kunne ikke lagres" not in page.content()
    assert page.locator("#e-ant_larere").inner_text().endswith("Skriv et tall, for eksempel 12.")
    assert page.get_by_label("Hvor mange lærere?").input_value() == typed
    assert group(page, "Har skolen deltatt i tiltak?").get_by_label("Ja", exact=True).is_checked()
    assert page.get_by_label("Hvilke?").input_value() == "Lesesatsing"
    page.get_by_label("Hvor mange lærere?").fill("25")
    page.get_by_role("button", name="Neste").click()
    assert progress(page) == "Side 2 av 4"
    page.context.close()
    with app.app_context():
        assert stored(link) == {
            "deltatt": 1,
            "ant_larere": 25,
            "annet": 1,
            "annet_hva": "Lesesatsing",
        }


def test_seventeen_statements_fit_a_phone(app, live_server, browser, skoleleder_link):
    """The page of 17 statements was 8,243 px tall at 360 px wide; numbered tiles and one key
    per matrix keep it near 5,000, and every point keeps its text as its name."""
    ctx = browser.new_context(viewport={"width": 360, "height": 740})
    page = ctx.new_page()
    page.goto(live_server.url + skoleleder_link.url + "/side/partnerskap")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 5600, height
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= 360
    )  # nothing sticks out sideways
    key = page.locator(".scale-key").first
    assert key.is_visible() and "1 I svært liten grad" in key.inner_text()
    row = group(page, "Kartlegging av kompetansebehov")
    row.get_by_label("I stor grad", exact=False).first.check()  # the name is the point's text
    assert row.locator("input:checked").get_attribute("value") == "4"
    tile = row.locator(".option").nth(3).bounding_box()
    assert tile["height"] >= 44  # still a comfortable touch target
    # on a wide screen the points show their words and the key is hidden
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not key.is_visible()
    ctx.close()
