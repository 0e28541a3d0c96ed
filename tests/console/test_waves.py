"""Waves: create from questionnaire versions, schedule, open, close, clone with the panel."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.domain import responses, waves
from webapp.extensions import db
from webapp.models import AuditEvent, Invitation, Response, Wave

from .conftest import add_person, login, make_wave


def test_create_open_close_through_the_console(app, client, users, instrument):
    login(client, "evaluator")
    page = client.get("/console/waves/new").get_data(as_text=True)
    assert "Skjema for skoleledere" in page and "dekom_skoleleder v1" in page
    form = {
        "name": "Dekom 2025",
        "year": "2025",
        "opens_at": "2025-03-01T08:00",
        "closes_at": "2025-02-01T08:00",
        **{f"version_{role}": str(vid) for role, vid in instrument.items()},
    }
    page = client.post("/console/waves/new", data=form).get_data(as_text=True)
    assert "Stengetidspunktet må være etter åpningstidspunktet." in page
    form["closes_at"] = "2025-04-15T16:00"
    response = client.post("/console/waves/new", data=form)
    assert response.status_code == 302
    detail = response.headers["Location"]
    page = client.get(detail).get_data(as_text=True)
    assert "Dekom 2025" in page and "01.03.2025 kl. 08:00" in page and "utkast" in page
    with app.app_context():
        wave = db.session.scalar(sa.select(Wave))
        # Oslo is UTC+1 in March
        assert wave.opens_at.hour == 7 and wave.version_for("uh").id == instrument["uh"]
        wave_id = wave.id
    assert client.post(f"/console/waves/{wave_id}/open").status_code == 302
    assert "åpen" in client.get(detail).get_data(as_text=True)
    assert client.post(f"/console/waves/{wave_id}/close").status_code == 302
    with app.app_context():
        assert db.session.get(Wave, wave_id).status == "closed"
        actions = [
            e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
        ]
        assert actions[-3:] == ["wave.create", "wave.open", "wave.close"]
        opened = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "wave.open"))
        assert opened.before["status"] == "draft" and opened.after["status"] == "open"
        assert opened.actor == "evaluator@example.no"


def test_closing_marks_unfinished_responses_partial(app_ctx, instrument):
    for i in range(2):
        add_person(i)
    db.session.commit()
    wave = make_wave(instrument, status="open")
    first, second = db.session.scalars(sa.select(Invitation).order_by(Invitation.id))
    responses.start_response(first)
    responses.start_response(second)
    db.session.commit()
    assert waves.close_wave(wave) == 2
    db.session.commit()
    assert {r.status for r in db.session.scalars(sa.select(Response))} == {"partial"}


def test_clone_reinvites_the_panel_adds_new_and_skips_leavers(app_ctx, instrument):
    stay, leave = add_person(1), add_person(2)
    db.session.commit()
    old = make_wave(instrument, name="Dekom 2023", status="open")
    waves.close_wave(old)
    from webapp.models import utcnow

    leave.left_at = utcnow()
    newcomer = add_person(3, role="uh")
    db.session.commit()
    new = waves.clone_wave(old, "Dekom 2025", 2025)
    db.session.commit()
    invited = set(
        db.session.scalars(sa.select(Invitation.person_id).where(Invitation.wave_id == new.id))
    )
    assert invited == {stay.id, newcomer.id}
    assert new.cloned_from_id == old.id and new.status == "draft"
    assert {wq.role: wq.questionnaire_version_id for wq in new.questionnaires} == instrument
    # the leaver is kept, with the old wave's invitation
    assert (
        db.session.scalar(sa.select(Invitation).where(Invitation.person_id == leave.id)).wave_id
        == old.id
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "wave.clone"))
    assert (
        event.after["reinvited"] == 1
        and event.after["new"] == 1
        and event.after["not_reinvited"] == 1
    )


def test_clone_from_the_console(app, client, users, instrument):
    with app.app_context():
        add_person(1)
        db.session.commit()
        wave_id = make_wave(instrument, name="Dekom 2023").id
    login(client, "evaluator")
    response = client.post(
        f"/console/waves/{wave_id}/clone", data={"name": "Dekom 2025", "year": "2025"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Dekom 2025" in page and "Bølgen «Dekom 2025» er opprettet som kopi." in page


def test_questionnaires_are_fixed_once_a_wave_opened(app_ctx, instrument):
    wave = make_wave(instrument, status="open", invite=False)
    other = dict(instrument, uh=instrument["skoleleder"])
    try:
        waves.update_wave(
            wave, name=wave.name, year=wave.year, versions=other, opens_at=None, closes_at=None
        )
    except waves.WaveError as exc:
        assert "draft" in str(exc)
    else:
        raise AssertionError("changed questionnaires of an open wave")


def test_schedule_opens_and_closes_waves_at_their_planned_times(app, runner, instrument):
    from datetime import timedelta

    from webapp.models import utcnow

    with app.app_context():
        now = utcnow()
        soon = waves.create_wave(
            "Planlagt",
            2025,
            instrument,
            opens_at=now + timedelta(hours=1),
            closes_at=now + timedelta(days=30),
        )
        ending = waves.create_wave("Slutter", 2023, instrument)
        waves.open_wave(ending)
        ending.opens_at, ending.closes_at = now - timedelta(days=1), now - timedelta(minutes=1)
        db.session.commit()
        assert waves.apply_schedule(now) == {"opened": [], "closed": ["Slutter"]}
        db.session.commit()
        assert waves.apply_schedule(now + timedelta(hours=2)) == {
            "opened": ["Planlagt"],
            "closed": [],
        }
        db.session.commit()
        assert db.session.get(Wave, soon.id).status == "open"
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "wave.close"))
        assert event.actor == "schedule" and event.after["status"] == "closed"
    result = runner.invoke(args=["jobs", "tick"])
    assert (
        result.exit_code == 0
        and "waves.apply_schedule: {'opened': [], 'closed': []}" in result.output
    )
