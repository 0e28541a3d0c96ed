"""Downloads of the panel, invitations and non-responders (CSV and XLSX, audited); the outbox page."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import sqlalchemy as sa
from openpyxl import load_workbook

from webapp.extensions import db
from webapp.models import AuditEvent, Invitation

from .conftest import login
from .test_dashboard import _mini_wave, _submit


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads the UTF-8 right with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_panel_invitations_and_non_responders_download_as_csv_and_xlsx(app, client, users):
    with app.app_context():
        wave = _mini_wave()
        wave_id = wave.id
        _submit(db.session.scalar(sa.select(Invitation).order_by(Invitation.id)))
    login(client, "evaluator")
    page = client.get("/console/panel").get_data(as_text=True)
    assert 'href="/console/panel.csv?' in page and 'href="/console/panel.xlsx?' in page

    rows = _csv(client.get("/console/panel.csv?fylke=Vestland&status=active").data)
    assert rows[0][:4] == ["Panel-id", "Navn", "E-post", "Rolle"]
    assert sorted(r[2] for r in rows[1:]) == ["person0@example.no", "person1@example.no"]
    assert {r[3] for r in rows[1:]} == {"skoleleder"}
    # the search box narrows the download exactly as it narrows the list
    page = client.get("/console/panel?q=person1%40example").get_data(as_text=True)
    assert "q=person1%40example" in page
    searched = _csv(client.get("/console/panel.csv?status=active&q=person1@example").data)
    assert [r[2] for r in searched[1:]] == ["person1@example.no"]

    response = client.get(f"/console/waves/{wave_id}/invitations.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="invitasjoner-2025.xlsx"' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0][:6] == ("Navn", "E-post", "Rolle", "Fylke", "Status", "Sendt")
    assert len(values) == 5 and {v[4] for v in values[1:]} == {"sendt"}  # a label, not "sent"
    assert isinstance(values[1][5], datetime)  # a real date cell, in Norwegian time

    rows = _csv(client.get(f"/console/dashboard/{wave_id}/non-responders.csv").data)
    emails = [r[1] for r in rows[1:]]
    assert "person0@example.no" not in emails and len(emails) == 3  # person0 submitted
    assert {r[6] for r in rows[1:]} == {"ikke åpnet"}

    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.like("download.%"))
            .order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in events] == [
            "download.panel",
            "download.panel",
            "download.invitations",
            "download.non_responders",
        ]
        assert events[0].after["rows"] == 2 and events[0].after["fylke"] == "Vestland"
        assert events[1].after["q"] == "person1@example" and events[1].after["rows"] == 1
        assert events[2].after["format"] == "xlsx" and events[0].actor


def test_downloads_refuse_unknown_formats_and_researchers(app, client, users):
    login(client, "evaluator")
    assert client.get("/console/panel.pdf").status_code == 404
    client.post("/auth/logout")
    login(client, "researcher")
    assert client.get("/console/panel.csv").status_code == 403


def test_outbox_lists_and_shows_the_messages(app, client, users):
    with app.app_context():
        _mini_wave()  # sends four invitations into the outbox (no SMTP_HOST)
    login(client, "evaluator")
    page = client.get("/console/outbox").get_data(as_text=True)
    assert "Utboks" in page and "(4)" in page and "Ingen SMTP-server er satt opp" in page
    assert "person2@example.no" in page and "Invitasjon:" in page
    name = page.split('href="/console/outbox/', 1)[1].split('"', 1)[0]
    message = client.get(f"/console/outbox/{name}").get_data(as_text=True)
    assert "Tekstdel" in message and "/s/" in message
    assert client.get("/console/outbox/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/console/outbox/nothing.eml").status_code == 404
