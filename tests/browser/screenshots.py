"""Screenshots of each respondent page type for docs/img (run on demand, not a test).

    .venv/bin/python tests/browser/screenshots.py            # writes docs/img/respondent-*.png

Builds a throw-away SQLite database with the real skoleleder questionnaire, serves the app on
loopback and drives Debian's chromium through Playwright.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import _upgrade, photograph  # noqa: E402
from survey.factories import SKOLELEDER, make_link, make_wave  # noqa: E402

from webapp import create_app  # noqa: E402

OUT = ROOT / "docs" / "img"


def build_app(folder: Path):
    """An app on a fresh migrated SQLite database in ``folder``."""
    url = f"sqlite:///{folder / 'shots.sqlite'}"
    _upgrade(url)
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": True,
            "SECRET_KEY": "screenshots-only-secret-key-0123456789abcdef",
            "RATELIMIT_ENABLED": False,
        }
    )


def main() -> None:
    """Take the screenshots."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp))
        with app.app_context():
            wave_id = make_wave(SKOLELEDER, name="Dekom 2025")
            link = make_link(wave_id)
            closed = make_link(make_wave(SKOLELEDER, status="closed", name="Dekom 2023"))
        photograph(app, shoot, link, closed)
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("respondent-*.png"))))


def shoot(browser, base: str, link, closed) -> None:
    """Walk through the page types and save a screenshot of each."""
    ctx = browser.new_context(viewport={"width": 1100, "height": 900}, device_scale_factor=1)
    page = ctx.new_page()
    page.goto(base + link.url)
    page.screenshot(
        path=str(OUT / "respondent-start.png"), clip={"x": 0, "y": 0, "width": 1100, "height": 700}
    )
    page.get_by_role("link", name="Start undersøkelsen").click()
    page.get_by_label("Vestland").check()
    page.get_by_role("group", name="I hvilken grad kjenner du").get_by_label(
        "I stor grad", exact=True
    ).check()
    page.get_by_role("group", name="Har skolen eller organisasjonen").get_by_label(
        "Nei", exact=True
    ).check()
    page.get_by_role("button", name="Neste").click()
    page.get_by_label("Barneskole").check()
    page.get_by_role("button", name="Neste").click()
    page.get_by_label("Rektor", exact=True).check()
    page.get_by_role("button", name="Neste").click()
    page.get_by_role("group", name="Kartlegging av kompetansebehov").get_by_label(
        "I stor grad", exact=True
    ).check()
    page.get_by_role("group", name="Planlegging av tiltak").get_by_label(
        "I noen grad", exact=True
    ).check()
    page.locator(".question").first.screenshot(path=str(OUT / "respondent-matrix.png"))
    page.get_by_role("button", name="Neste").click()
    page.wait_for_selector(".error-summary")
    page.screenshot(
        path=str(OUT / "respondent-error.png"),
        clip={"x": 0, "y": 0, "width": 1100, "height": 1100},
        full_page=True,
    )
    mobile = browser.new_context(
        viewport={"width": 360, "height": 780},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    m = mobile.new_page()
    m.goto(base + link.url)
    m.wait_for_selector(".matrix-row")
    m.get_by_role("group", name="Kartlegging av kompetansebehov").get_by_label(
        "I stor grad", exact=True
    ).check()
    m.evaluate("window.scrollTo(0, document.querySelector('.q-matrix').offsetTop - 12)")
    m.screenshot(path=str(OUT / "respondent-mobile.png"), full_page=False)
    mobile.close()
    # finish: answer every required question on the remaining pages, then submit
    for _ in range(8):
        if page.locator(".done-panel").count():
            break
        for group in page.locator("fieldset").all():
            radios = group.locator("input[type=radio]")
            if radios.count() and not group.locator("input:checked").count():
                radios.nth(2).check()
        page.locator(".nav-buttons .button.primary").click()
    page.wait_for_selector(".done-panel")
    page.screenshot(
        path=str(OUT / "respondent-thanks.png"), clip={"x": 0, "y": 0, "width": 1100, "height": 480}
    )
    page.goto(base + closed.url)
    page.screenshot(
        path=str(OUT / "respondent-closed.png"), clip={"x": 0, "y": 0, "width": 1100, "height": 400}
    )
    ctx.close()


if __name__ == "__main__":
    main()
