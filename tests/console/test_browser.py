"""The console in chromium: an evaluator imports a panel and opens the pages, with no CSP errors."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import PASSWORD

from webapp.extensions import db
from webapp.models import Person

from .conftest import make_wave

pytestmark = pytest.mark.browser

PANEL = (
    "navn;e-post;rolle;organisasjon;fylke;kompetansenettverk\n"
    "Kari Nordmann;kari@bergen.kommune.no;skoleeier;Bergen kommune;Vestland;Nettverk Vest\n"
    "Ola Rektor;ola@skole.no;skoleleder;Nordnes skole;Vestland;Nettverk Vest\n"
    "Feil Fylke;feil@skole.no;skoleleder;Skole;Hordaland;\n"
)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_evaluator_imports_a_panel_in_chromium(
    app, users, instrument, live_server, browser, tmp_path
):
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    # every failed load is a finding (the site icon included)
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
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )

    page.goto(f"{live_server.url}/auth/login")
    page.fill("#email", "evaluator@example.no")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    csv_path = tmp_path / "panel.csv"
    csv_path.write_text(PANEL, encoding="utf-8")
    page.click("text=Importer eller se panelet")
    page.set_input_files("#file", str(csv_path))
    page.click("text=Les filen og vis endringene")
    assert page.locator("table.problems").inner_text().count("ukjent fylke") == 1
    page.click("text=Bekreft import")
    assert "2 nye" in page.locator(".alert-success").inner_text()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2
        wave_id = make_wave(instrument, status="open").id
    for path in (
        f"/console/waves/{wave_id}",
        f"/console/dashboard?wave={wave_id}&by=all",
        f"/console/waves/{wave_id}/mail-preview",
        "/console/jobs",
    ):
        page.goto(live_server.url + path)
        assert page.locator("h1").count() == 1
    page.goto(f"{live_server.url}/console/dashboard?wave={wave_id}")
    assert page.locator("svg.timeline").count() == 1
    page.click("footer >> text=English")
    assert page.locator("h1").inner_text().startswith("Response tracking")
    assert problems == []  # no CSP violations or script errors
    context.close()
