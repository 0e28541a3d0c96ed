"""Right of access and erasure from the console and the command line; retention purge."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import factories  # tests/factories.py
import sqlalchemy as sa
from console.conftest import add_person, login, make_wave

from webapp.domain.invitations import send_invitations
from webapp.domain.panel_plan import import_dir, save_parsed
from webapp.extensions import db
from webapp.infra.schedule import registered_tasks
from webapp.models import Answer, AuditEvent, Contact, Invitation, Person, Response, Wave, utcnow
from webapp.readers.panel_file import parse_panel

NAME = "Kari Nordmann"
EMAIL = "kari.nordmann@bergen.kommune.no"


def _panel(app, instrument) -> str:
    """Kari with a sent invitation and a free-text answer naming her; Ola mentions her by name."""
    with app.app_context():
        kari = add_person(1, email=EMAIL)
        kari.contact.name = NAME
        add_person(2)
        db.session.commit()
        wave = make_wave(instrument, status="open")
        send_invitations(wave.id)
        version_id = next(iter(instrument.values()))
        for inv in db.session.scalars(sa.select(Invitation).order_by(Invitation.id)):
            response = factories.add_response(inv, version_id, "in_progress")
            text = (
                f"Jeg, {NAME}, nås på {EMAIL} eller 912 34 567. Kari synes samarbeidet er godt."
                if inv.person_id == kari.id
                else f"Vi jobbet godt med {NAME} om lesing. Ring 22 33 44 55."
            )
            factories.add_answer(response.id, "suksess", text)
            factories.add_answer(response.id, "samarbeid", 4)
        db.session.commit()
        return kari.panel_id


def _database_text(app) -> str:
    with app.app_context():
        chunks = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                chunks.append(repr(tuple(row)))
        return "\n".join(chunks).lower()


def test_access_request_from_the_command_line(app, runner, instrument, tmp_path):
    panel_id = _panel(app, instrument)
    result = runner.invoke(
        args=["people", "access", panel_id.lower(), "--out", str(tmp_path / "innsyn")]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "innsyn" / f"{panel_id}.json").read_text(encoding="utf-8"))
    assert report["contact"]["name"] == NAME and report["contact"]["email"] == EMAIL
    assert report["invitations"][0]["status"] == "sent" and report["invitations"][0]["sent_at"]
    answers = {a["item"]: a for a in report["responses"][0]["answers"]}
    assert EMAIL in answers["suksess"]["text"] and answers["samarbeid"]["number"] == 4
    html = (tmp_path / "innsyn" / f"{panel_id}.html").read_text(encoding="utf-8")
    assert NAME in html and "912 34 567" in html
    with app.app_context():
        assert db.session.scalar(
            sa.select(AuditEvent.action).where(AuditEvent.action == "person.access")
        )


def test_erasure_from_the_console_removes_name_and_email_everywhere(app, client, users, instrument):
    panel_id = _panel(app, instrument)
    outbox = Path(app.config["OUTBOX_DIR"])
    assert any(EMAIL.encode() in p.read_bytes() for p in outbox.glob("*.eml"))
    with app.app_context():  # an upload waiting for confirmation also holds her row
        data = (
            "navn;e-post;rolle;fylke\n"
            f"{NAME};{EMAIL};skoleeier;Vestland\nOla;ola@x.no;skoleleder;Oslo\n"
        )
        key = save_parsed(parse_panel("panel.csv", data.encode()), None)
        waves_before = db.session.scalar(sa.select(sa.func.count()).select_from(Answer))
    login(client, "evaluator")
    page = client.get(f"/console/panel/person/{panel_id}")
    assert page.status_code == 200 and NAME in page.get_data(as_text=True)
    download = client.get(f"/console/panel/person/{panel_id}/access.zip")
    assert download.status_code == 200 and download.mimetype == "application/zip"

    refused = client.post(
        f"/console/panel/person/{panel_id}/erase", data={"confirm": "nei"}, follow_redirects=True
    )
    assert "for å bekrefte" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 2

    done = client.post(
        f"/console/panel/person/{panel_id}/erase", data={"confirm": panel_id}, follow_redirects=True
    )
    assert done.status_code == 200 and "er slettet" in done.get_data(as_text=True)
    dump = _database_text(app)
    assert NAME.lower() not in dump and EMAIL not in dump and "nordmann" not in dump
    assert not any(EMAIL.encode() in p.read_bytes().lower() for p in outbox.glob("*.eml"))
    assert len(list(outbox.glob("*.eml"))) == 1  # Ola's stays
    with app.app_context():
        pending = json.loads((import_dir() / f"{key}.json").read_text(encoding="utf-8"))
        assert [r["email"] for r in pending["parsed"]["rows"]] == ["ola@x.no"]
        person = db.session.scalar(sa.select(Person).where(Person.panel_id == panel_id))
        assert person.contact is None and person.external_id is None and person.left_at is not None
        texts = dict(
            db.session.execute(
                sa.select(Response.person_id, Answer.value_text)
                .join(Answer, Answer.response_id == Response.id)
                .where(Answer.item_code == "suksess")
            ).all()
        )
        own = texts[person.id]
        assert (
            own
            == "Jeg, [fjernet], nås på [fjernet] eller [fjernet]. [fjernet] synes samarbeidet er godt."
        )
        other = next(t for pid, t in texts.items() if pid != person.id)
        assert other == "Vi jobbet godt med [fjernet] om lesing. Ring 22 33 44 55."
        # pseudonymous answers stay: the figures do not change
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == waves_before
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "person.erase"))
        assert event.after["panel_id"] == panel_id and event.after["contact"] == 1
        assert event.actor == "evaluator@example.no"


def test_erasure_from_the_command_line_asks_first(app, runner, instrument):
    panel_id = _panel(app, instrument)
    result = runner.invoke(args=["people", "erase", panel_id], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 2
    result = runner.invoke(args=["people", "erase", panel_id, "--yes"])
    assert result.exit_code == 0 and f"erased {panel_id}: contact 1" in result.output
    assert NAME.lower() not in _database_text(app)
    assert runner.invoke(args=["people", "erase", "P-NONE-XXXX", "--yes"]).exit_code == 1


def _age(path: Path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_retention_purge_removes_what_is_past_its_time(app, runner, instrument):
    panel_id = _panel(app, instrument)
    app.config.update(
        RETAIN_CONTACT_DAYS=365,
        RETAIN_OUTBOX_DAYS=30,
        RETAIN_EXPORT_DAYS=90,
        RETAIN_IMPORT_HOURS=24,
    )
    outbox = Path(app.config["OUTBOX_DIR"])
    exports = Path(app.config["EXPORT_DIR"])
    (exports / "job_1").mkdir(parents=True)
    (exports / "job_1" / "dekom_wide.csv").write_text("x")
    _age(exports / "job_1", 100)
    (exports / "job_2").mkdir()
    with app.app_context():
        old = save_parsed(
            parse_panel("p.csv", b"navn;e-post;rolle;fylke\nA;a@x.no;uh;Oslo\n"), None
        )
        new = save_parsed(
            parse_panel("p.csv", b"navn;e-post;rolle;fylke\nB;b@x.no;uh;Oslo\n"), None
        )
        _age(import_dir() / f"{old}.json", 2)
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    # the wave is still open: its e-mails and the contact data stay
    assert (
        "outbox e-mails deleted: 0" in result.output and "contact data erased: 0" in result.output
    )
    assert "export bundles deleted: 1\n  job_1" in result.output
    assert "panel uploads deleted: 1" in result.output
    assert not (exports / "job_1").exists() and (exports / "job_2").exists()
    with app.app_context():
        assert (
            not (import_dir() / f"{old}.json").exists() and (import_dir() / f"{new}.json").exists()
        )
        wave = db.session.scalar(sa.select(Wave))
        wave.opens_at = utcnow().replace(year=utcnow().year - 3)
        wave.status, wave.closes_at = "closed", utcnow().replace(year=utcnow().year - 2)
        person = db.session.scalar(sa.select(Person).where(Person.panel_id == panel_id))
        person.left_at = utcnow()
        db.session.commit()
    result = runner.invoke(args=["retention", "purge"])
    assert "outbox e-mails deleted: 1" in result.output  # the erasure took her own e-mail first
    assert f"contact data erased: 1\n  {panel_id}" in result.output
    assert list(outbox.glob("*.eml")) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 1


def test_purge_runs_hourly_on_the_worker_schedule(app_ctx):
    tasks = {t.name: t for t in registered_tasks()}
    assert tasks["retention.purge"].every.total_seconds() == 3600


def test_the_worker_schedule_runs_the_purge(app_ctx):
    from datetime import timedelta

    from webapp.infra.schedule import run_due

    app_ctx.config.update(RETAIN_IMPORT_HOURS=1)
    key = save_parsed(parse_panel("p.csv", b"navn;e-post;rolle;fylke\nA;a@x.no;uh;Oslo\n"), None)
    _age(import_dir() / f"{key}.json", 1)
    outcomes = run_due(utcnow())
    assert outcomes["retention.purge"]["imports"] == 1
    assert not (import_dir() / f"{key}.json").exists()
    assert "retention.purge" not in run_due(utcnow() + timedelta(minutes=5))  # once an hour
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "retention.purge"))
    assert event.after["imports"] == 1
