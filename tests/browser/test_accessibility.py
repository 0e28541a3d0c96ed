"""axe-core on every respondent page type: no serious or critical WCAG 2.1 AA violation.

Page types: start, a matrix page (wide and 360 px), the error state, the thank-you page, a
closed wave, an unknown link. Moderate and minor findings are printed, not failed.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from survey.factories import SKOLELEDER, make_link, make_wave

from webapp.domain import responses as svc
from webapp.extensions import db
from webapp.models import Response, Wave

pytestmark = pytest.mark.browser

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
FIRST_PAGES = {
    "bg_fylke": 12,
    "bg_kjennskap": 3,
    "deltatt_tiltak": 2,
    "bg_skoleslag": 1,
    "sl_stilling": 1,
}
REQUIRED_REST = {
    code: 3
    for code in (
        "samarb_behov",
        "samarb_prior",
        "samarb_plan",
        "samarb_gjenn",
        "samarb_eval",
        "likev_partnere",
        "likev_innflytelse",
        "likev_kompetanse",
        "likev_kunde",
        "invol_behov",
        "invol_prior",
        "invol_plan",
        "invol_gjenn",
        "invol_eval",
        "lokinv_ledere",
        "lokinv_larere",
        "lokinv_tv",
        "lokinv_lokal",
        "lokinv_ovenfra",
        "lokinv_innhold",
    )
}


def scan(page, label: str) -> None:
    """Run axe on ``page``; fail on serious or critical violations, print the rest."""
    results = Axe().run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    for v in violations:
        print(f"[{label}] {v['impact']}: {v['id']} - {v['help']} ({len(v['nodes'])} nodes)")
    assert not bad, f"{label}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in bad
    )


@pytest.fixture
def setup(app):
    """A skoleleder link to an open wave with the real questionnaire; returns (link, helpers)."""
    with app.app_context():
        return make_link(make_wave(SKOLELEDER, name="Dekom 2025"))


def _answer(app, link, answers: dict, page_id: str | None = None, submit: bool = False):
    from webapp.infra.tokens import find_invitation

    with app.app_context():
        response = svc.start_response(find_invitation(link.token))
        svc.save_answers(response, answers)
        if page_id:
            response.current_page = page_id
        if submit:
            assert svc.submit(response, revision=response.revision) == []
        db.session.commit()


@pytest.fixture
def wide(browser):
    """A desktop-sized page."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def narrow(browser):
    """A 360 px wide phone-sized page."""
    ctx = browser.new_context(
        viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True
    )
    yield ctx.new_page()
    ctx.close()


def test_start_page(live_server, wide, setup):
    wide.goto(live_server.url + setup.url)
    assert wide.locator("h1").count() == 1
    scan(wide, "start")


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_matrix_page(app, live_server, wide, setup, lang):
    _answer(app, setup, FIRST_PAGES, page_id="partnerskap")
    wide.goto(live_server.url + setup.url + f"?lang={lang}")
    wide.goto(live_server.url + setup.url)
    assert wide.locator(".matrix-row").count() == 17
    assert wide.locator("html").get_attribute("lang") == lang
    scan(wide, f"matrix {lang}")


def test_matrix_page_at_360px(app, live_server, narrow, setup):
    _answer(app, setup, FIRST_PAGES, page_id="partnerskap")
    narrow.goto(live_server.url + setup.url)
    assert narrow.locator(".matrix-row").count() == 17
    scan(narrow, "matrix 360px")


def test_error_state(app, live_server, wide, setup):
    _answer(app, setup, FIRST_PAGES, page_id="partnerskap")
    wide.goto(live_server.url + setup.url)
    wide.get_by_role("button", name="Neste").click()
    assert wide.locator(".error-summary li").count() == 9
    scan(wide, "error")


def test_text_and_number_page_with_errors(app, live_server, wide, setup):
    _answer(app, setup, {"bg_fylke": 3}, page_id="skolen")
    wide.goto(live_server.url + setup.url)
    wide.get_by_label("Omtrent hvor mange lærere arbeider ved skolen?").fill("9000")
    wide.get_by_role("button", name="Neste").click()
    assert wide.locator(".error-summary li").count() == 2
    scan(wide, "number error")
    wide.goto(live_server.url + setup.url + "/side/avslutning")
    scan(wide, "longtext")


def test_thank_you_page(app, live_server, wide, setup):
    _answer(app, setup, {**FIRST_PAGES, **REQUIRED_REST}, submit=True)
    wide.goto(live_server.url + setup.url)
    assert "Takk for svarene" in wide.locator("h1").inner_text()
    scan(wide, "thanks")


def test_closed_and_unknown_pages(app, live_server, wide, setup):
    with app.app_context():
        db.session.get(Wave, setup.wave_id).status = "closed"
        db.session.commit()
        assert db.session.query(Response).count() == 0
    r = wide.goto(live_server.url + setup.url)
    assert r.status == 410
    scan(wide, "closed")
    r = wide.goto(live_server.url + "/s/" + "q" * 43)
    assert r.status == 404
    scan(wide, "unknown")


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_privacy_notice_page(live_server, wide, lang):
    wide.goto(live_server.url + f"/personvern?lang={lang}")
    assert wide.locator("h1").count() == 1 and wide.locator("html").get_attribute("lang") == lang
    scan(wide, f"privacy notice {lang}")
