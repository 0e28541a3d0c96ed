"""The audit trail: non-responder views and panel import changes with before and after values."""

from __future__ import annotations

import sqlalchemy as sa
from console.conftest import add_person, login, make_wave

from webapp.domain.panel_plan import apply_plan
from webapp.domain.people import fingerprint
from webapp.extensions import db
from webapp.models import AuditEvent, Person
from webapp.readers.panel_file import parse_panel


def test_viewing_non_responders_is_audited(app, client, users, instrument):
    with app.app_context():
        add_person(1)
        db.session.commit()
        wave_id = make_wave(instrument, status="open").id
    login(client, "evaluator")
    assert client.get(f"/console/dashboard/{wave_id}/non-responders").status_code == 200
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "dashboard.non_responders")
        )
        assert event.actor == "evaluator@example.no" and event.target_id == str(wave_id)
        assert event.after["page"] == 1 and set(event.after) == {"page", "shown", "total"}


def test_panel_import_records_each_change_with_before_and_after(app_ctx):
    head = "navn;e-post;rolle;fylke;ekstern_id\n"
    apply_plan(
        parse_panel(
            "a.csv",
            (head + "Kari;kari@x.no;skoleleder;Oslo;K1\nOla;ola@x.no;uh;Oslo;K2\n").encode(),
        )
    )
    db.session.commit()
    apply_plan(
        parse_panel("b.csv", (head + "Kari B;kari@x.no;skoleeier;Agder;K1\n").encode()),
        mark_leavers=True,
    )
    db.session.commit()
    kari = db.session.scalar(sa.select(Person).where(Person.external_id == "K1"))
    ola = db.session.scalar(sa.select(Person).where(Person.external_id == "K2"))
    update = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "panel.person_update")
    )
    assert update.target_id == str(kari.id)
    assert update.before == {
        "panel_id": kari.panel_id,
        "name": fingerprint("Kari"),
        "role": "skoleleder",
        "fylke": "Oslo",
    }
    assert update.after == {
        "panel_id": kari.panel_id,
        "name": fingerprint("Kari B"),
        "role": "skoleeier",
        "fylke": "Agder",
    }
    left = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "panel.person_left"))
    assert (
        left.target_id == str(ola.id) and left.before["left_at"] is None and left.after["left_at"]
    )
    # names and e-mail addresses never enter the append-only trail
    text = " ".join(repr((e.before, e.after)) for e in db.session.scalars(sa.select(AuditEvent)))
    assert "Kari" not in text and "kari@x.no" not in text
