"""The done-when path in chromium: an evaluator uploads an XLSForm, fixes the reported problem,
previews it in bokmål, nynorsk and English with conditions on and off, saves a version, sees the
diff against last wave's version with the comparability warning, and launches a wave on it with
the confirmation note."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from browser.test_accessibility import scan
from conftest import PASSWORD

from webapp.domain import waves
from webapp.extensions import db
from webapp.models import QuestionnaireVersion, Wave

from .test_questionnaire_design import reworded_skoleleder, xlsx_bytes

pytestmark = pytest.mark.browser


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_evaluator_designs_a_questionnaire_and_launches_a_wave_in_chromium(
    app, users, instrument, live_server, browser, tmp_path
):
    with app.app_context():
        first = waves.create_wave("Dekom 2023", 2023, instrument)
        waves.open_wave(first)
        waves.close_wave(first)
        db.session.commit()
    q, code = reworded_skoleleder()
    bad, good = tmp_path / "bad" / "skoleleder.xlsx", tmp_path / "skoleleder.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(xlsx_bytes(q, ["begin_repeat", "gjenta", "Gjenta"]))
    good.write_bytes(xlsx_bytes(q))

    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.status != 422 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )

    page.goto(f"{live_server.url}/auth/login")
    page.fill("#email", "evaluator@example.no")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    page.click("nav >> text=Spørreskjema")
    page.click("text=Last opp skjema")

    # 1. the XLSForm has a repeat: the problem is shown with its place, nothing is stored
    page.set_input_files("#file", str(bad))
    page.click("button:has-text('Les filen')")
    table = page.locator("table.problem-table").inner_text()
    assert "skoleleder.xlsx:survey:3" in table and "repeats are not supported" in table
    scan(page, "upload with problems")
    # 2. fixed and uploaded again
    page.set_input_files("#file", str(good))
    page.click("button:has-text('Les filen')")
    assert page.locator("h1").inner_text() == "Opplasting skoleleder.xlsx"
    warning = page.locator(".comparability-warning").inner_text()
    assert "Bryter sammenlignbarheten" in warning
    assert page.locator(f"tr.breaking >> text={code}").count() >= 1
    scan(page, "uploaded draft with diff")

    # 3. preview in three languages, conditions on and off
    page.click(".preview-links >> text=Bokmål")
    assert page.locator("h1").inner_text() == q.pages[0].title["nb"]
    assert page.locator("form.survey-form").count() == 1
    scan(page, "preview")
    followed = page.locator(".preview-pages li").count()
    page.click("text=vis alle spørsmål")
    assert page.locator(".preview-bar").inner_text().count("alle spørsmål vises") == 1
    assert page.locator(".preview-pages li").count() == len(q.pages) > followed
    page.click("text=følg betingelsene")
    assert page.locator(".preview-pages li").count() == followed
    page.click(".lang-switch >> text=Nynorsk")
    assert page.locator("h1").inner_text() == q.pages[0].title["nn"]
    page.click(".lang-switch >> text=English")
    assert page.locator("h1").inner_text() == q.pages[0].title["en"]
    assert "Preview of skoleleder.xlsx" in page.locator(".preview-bar").inner_text()
    page.click("button:has-text('Next')")  # required questions are checked as for respondents
    assert page.locator(".error-summary").count() == 1
    page.click(".lang-switch >> text=Bokmål")
    page.click("text=Tilbake til skjemaet")

    # 4. save as a new version; the version page shows the diff against last wave's version
    page.click("button:has-text('Lagre som ny versjon')")
    assert (
        "Lagret som ny versjon dekom_skoleleder v2" in page.locator(".alert-success").inner_text()
    )
    assert "Dekom 2023" in page.locator("text=Sammenlignet med").inner_text()
    assert page.locator(f"tr.breaking >> text={code}").count() >= 1

    # 5. a wave on the new version: opening needs the note
    page.goto(f"{live_server.url}/console/waves/new")
    page.fill("#name", "Dekom 2025")
    page.fill("#year", "2025")
    page.select_option(
        "#version_skoleleder",
        label=page.locator("#version_skoleleder option", has_text="v2").inner_text(),
    )
    page.click("form.narrow button[type=submit]")
    assert "Bryter sammenlignbarheten" in page.locator(".comparability").inner_text()
    scan(page, "wave needing a comparability note")
    note = "Nynorsk-ordlyden er rettet; vi regner endringen som liten for skalaen."
    page.fill("#note", note)
    page.click("button:has-text('Bekreft og åpne bølgen')")
    assert "Bølgen er åpnet." in page.locator(".alert-success").inner_text()
    assert note in page.locator("main").inner_text()
    with app.app_context():
        wave = db.session.scalar(sa.select(Wave).where(Wave.name == "Dekom 2025"))
        v2 = db.session.scalar(
            sa.select(QuestionnaireVersion).where(QuestionnaireVersion.version_no == 2)
        )
        assert wave.status == "open" and wave.version_for("skoleleder").id == v2.id
        assert (
            next(wq for wq in wave.questionnaires if wq.role == "skoleleder").comparability_note
            == note
        )
    page.goto(f"{live_server.url}/console/questionnaires")
    assert "Dekom 2025" in page.locator("main").inner_text()
    assert problems == []
    context.close()
