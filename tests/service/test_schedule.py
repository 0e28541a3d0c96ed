"""The schedule: registered tasks run once per period, across workers, and record their outcome."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.console.conftest import add_person, make_wave
from webapp.extensions import db
from webapp.infra import schedule
from webapp.models import Invitation, Job, ScheduledRun, Wave, utcnow

CALLS: list = []


@schedule.scheduled("test.every_hour", every=timedelta(hours=1))
def _hourly(now):
    CALLS.append(now)
    return {"n": len(CALLS)}


@schedule.scheduled("test.broken", every=timedelta(minutes=1))
def _broken(now):
    raise ValueError("broken on purpose")


def test_registry_lists_the_built_in_tasks():
    names = [task.name for task in schedule.registered_tasks()]
    assert "waves.apply_schedule" in names and "invitations.auto_remind" in names
    assert names == sorted(names)


def test_a_task_runs_once_per_period(app_ctx):
    CALLS.clear()
    t0 = utcnow()
    first = schedule.run_due(t0)
    assert first["test.every_hour"] == {"n": 1}
    assert "test.every_hour" not in schedule.run_due(t0 + timedelta(minutes=59))
    assert schedule.run_due(t0 + timedelta(minutes=61))["test.every_hour"] == {"n": 2}
    run = db.session.get(ScheduledRun, "test.every_hour")
    assert run.status == "done" and run.result == {"n": 2} and run.worker


def test_a_second_worker_does_not_run_a_claimed_period(app_ctx):
    """Two workers ticking at the same minute: only the first claim wins."""
    CALLS.clear()
    now = utcnow()
    task = next(t for t in schedule.registered_tasks() if t.name == "test.every_hour")
    assert schedule._claim(task, now) is True
    assert schedule._claim(task, now + timedelta(seconds=1)) is False


def test_a_failing_task_is_recorded_and_the_others_still_run(app_ctx):
    outcomes = schedule.run_due()
    assert outcomes["test.broken"] == {"error": "ValueError: broken on purpose"}
    assert "waves.apply_schedule" in outcomes
    run = db.session.get(ScheduledRun, "test.broken")
    assert run.status == "failed" and "broken on purpose" in run.error


def test_planned_opening_and_closing_run_from_the_schedule(app_ctx, instrument):
    wave = make_wave(instrument, invite=False)
    wave.opens_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    outcome = schedule.run_due()
    assert outcome["waves.apply_schedule"]["opened"] == [wave.name]
    assert db.session.get(Wave, wave.id).status == "open"


def test_due_reminders_are_queued_once_as_a_job(app_ctx, instrument):
    for i in range(3):
        add_person(i)
    db.session.commit()
    wave = make_wave(instrument, status="open")
    wave.remind_every_days, wave.remind_max, wave.remind_language = 7, 2, "nn"
    long_ago = utcnow() - timedelta(days=8)
    db.session.execute(
        sa.update(Invitation)
        .where(Invitation.wave_id == wave.id)
        .values(status="sent", sent_at=long_ago)
    )
    db.session.commit()
    t0 = utcnow()
    outcome = schedule.run_due(t0)
    [job_id] = outcome["invitations.auto_remind"]["queued_jobs"]
    job = db.session.get(Job, job_id)
    assert job.kind == "invitations.remind" and job.status == "queued"
    assert job.params | {} == {
        "wave_id": wave.id,
        "language": "nn",
        "max_reminders": 2,
        "min_days": 7,
        "automatic": True,
    }
    # a minute later the job still waits: no second job for the same wave
    later = schedule.run_due(t0 + timedelta(minutes=2))
    assert later["invitations.auto_remind"] == {"queued_jobs": []}


def test_no_reminders_for_waves_without_automatic_reminders(app_ctx, instrument):
    add_person(1)
    db.session.commit()
    wave = make_wave(instrument, status="open")
    db.session.execute(
        sa.update(Invitation)
        .where(Invitation.wave_id == wave.id)
        .values(status="sent", sent_at=utcnow() - timedelta(days=30))
    )
    db.session.commit()
    assert schedule.run_due()["invitations.auto_remind"] == {"queued_jobs": []}


def test_evaluator_sets_automatic_reminders_on_the_wave_form(app, client, users, instrument):
    from tests.console.conftest import login

    login(client, "evaluator")
    with app.app_context():
        wave_id = make_wave(instrument, status="open", invite=False).id
    form = {
        "name": "Dekom 2025",
        "year": "2025",
        "remind_every_days": "0",
        "remind_max": "2",
        "remind_language": "nn",
        **{f"version_{role}": str(vid) for role, vid in instrument.items()},
    }
    page = client.post(f"/console/waves/{wave_id}/edit", data=form).get_data(as_text=True)
    assert "Number must be between 1 and 365." in page or "mellom 1 og 365" in page
    form["remind_every_days"] = "5"
    assert client.post(f"/console/waves/{wave_id}/edit", data=form).status_code == 302
    with app.app_context():
        wave = db.session.get(Wave, wave_id)
        assert (wave.remind_every_days, wave.remind_max, wave.remind_language) == (5, 2, "nn")
        from webapp.models import AuditEvent

        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "wave.update"))
        assert event.before["reminders"]["every_days"] is None
        assert event.after["reminders"] == {"every_days": 5, "max": 2, "language": "nn"}
    page = client.get(f"/console/waves/{wave_id}").get_data(as_text=True)
    assert "Automatiske påminnelser: etter 5 dager, høyst 2 per person." in page
    edit = client.get(f"/console/waves/{wave_id}/edit").get_data(as_text=True)
    assert 'name="remind_every_days" type="number" value="5"' in edit
    # emptied: automatic reminders off again
    form["remind_every_days"] = ""
    assert client.post(f"/console/waves/{wave_id}/edit", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Wave, wave_id).remind_every_days is None
