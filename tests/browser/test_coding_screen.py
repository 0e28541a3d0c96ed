"""A researcher codes two answers in chromium with the keyboard only (digits, Enter, Ctrl+Enter, j/k)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from coding.conftest import ANSWERS, add_answer
from conftest import PASSWORD

from webapp.extensions import db
from webapp.models import QuestionnaireVersion
from webapp.models.coding import CodingDecision, CodingSuggestion

pytestmark = pytest.mark.browser

THEMES = [
    "alle_med",
    "laerernes_behov",
    "ekstern_kompetanse",
    "praksisnaer",
    "ledelse",
    "ressurspersoner",
    "tid",
    "erfaringsdeling",
    "forskning",
    "sammenheng",
]


@pytest.fixture
def answers(app):
    """The coding test answers, each with a stored questionnaire version for its role."""
    with app.app_context():
        versions = {}
        for role in ("skoleeier", "skoleleder", "tillitsvalgt", "uh"):
            v = QuestionnaireVersion(
                code=f"b_{role}",
                role=role,
                version_no=1,
                content_hash=f"{role:1<64}",
                definition={},
            )
            db.session.add(v)
            db.session.flush()
            versions[role] = v.id
        ids = [add_answer(t, r, y, f, versions) for t, r, y, f in ANSWERS]
        db.session.commit()
        return ids


def _answer_id(page) -> int:
    """The answer in the address, checked against the answer on the screen (they once differed)."""
    in_address = int(re.search(r"/coding/answer/(\d+)", page.url).group(1))
    on_screen = int(page.locator(".answer-head").get_attribute("data-answer-id"))
    assert in_address == on_screen and page.locator("h1").inner_text().startswith(
        f"Svar {on_screen}"
    )
    return in_address


def _applied(app, answer_id: int) -> set[str]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(CodingDecision).where(CodingDecision.answer_id == answer_id)
        ).all()
        assert len(rows) == len(THEMES)
        return {r.theme_code for r in rows if r.applied}


def _suggested(app, answer_id: int) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalar(
                sa.select(CodingSuggestion.themes).where(CodingSuggestion.answer_id == answer_id)
            )
        )


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_code_two_answers_with_keyboard_shortcuts(app, live_server, browser, users, answers):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(live_server.url + "/auth/login")
    page.get_by_label("E-post").fill(users["researcher"])
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.goto(live_server.url + "/coding/")
    assert "0 av 8 kodet" in page.locator("#my-progress").inner_text()
    page.get_by_role("link", name="Start koding").click()

    # answer 1: the help line is shown once the script runs; 9 ticks "forskning", 1 flips "alle_med"
    assert page.locator("#shortcut-help").is_visible()
    first = _answer_id(page)
    before = {t for t in THEMES if page.locator(f"#theme-{t}").is_checked()}
    assert before == _suggested(app, first)
    page.keyboard.press("9")
    page.keyboard.press("1")
    assert page.locator("#theme-forskning").is_checked() != ("forskning" in before)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/coding/answer/(?!{first}$)\d+$"))
    assert _applied(app, first) == before ^ {"forskning", "alle_med"}
    assert "1 av 8 kodet" in page.locator(".answer-progress").inner_text()

    # answer 2: type a memo (digits typed there are text, not shortcuts), then Ctrl+Enter from the memo
    second = _answer_id(page)
    before = {t for t in THEMES if page.locator(f"#theme-{t}").is_checked()}
    page.keyboard.press("5")
    page.locator("#memo").click()
    page.keyboard.type("Sjekk 2 ganger")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(rf"/coding/answer/(?!{second}$)\d+$"))
    assert _applied(app, second) == before ^ {"ledelse"}
    assert "2 av 8 kodet" in page.locator(".answer-progress").inner_text()

    # k goes back in the queue and j forward again, without saving
    third = _answer_id(page)
    with page.expect_navigation():
        page.keyboard.press("k")
    assert _answer_id(page) == second  # the queue order: first, second, third
    with page.expect_navigation():
        page.keyboard.press("j")
    assert _answer_id(page) == third
    page.goto(live_server.url + f"/coding/answer/{second}")
    assert page.locator("#memo").input_value() == "Sjekk 2 ganger"
    assert page.get_by_text("kodet av deg").is_visible()
    assert errors == []
    ctx.close()


AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def test_coding_pages_pass_axe(app, live_server, browser, users, answers):
    """No serious or critical WCAG 2.1 AA violation on the coding pages (axe-core)."""
    from axe_playwright_python.sync_playwright import Axe

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(live_server.url + "/auth/login")
    page.get_by_label("E-post").fill(users["researcher"])
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    with (
        app.app_context()
    ):  # a learned model, so its evidence and the learning page's tables are shown
        from webapp.domain import coding as service
        from webapp.domain import coding_model

        version = service.current_version()
        coding_model.train_and_store(version)
        service.refresh_suggestions(version)
        db.session.commit()
    problems = []
    for path in (
        "/coding/",
        f"/coding/answer/{answers[0]}",
        "/coding/agreement",
        "/coding/codebook",
        "/coding/codebook/theme/tid",
        "/coding/tables",
        "/coding/agreement/learning",
    ):
        page.goto(live_server.url + path)
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        for v in violations:
            print(f"[{path}] {v['impact']}: {v['id']} - {v['help']} ({len(v['nodes'])} nodes)")
        problems += [
            f"{path}: {v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
    ctx.close()
    assert problems == []
