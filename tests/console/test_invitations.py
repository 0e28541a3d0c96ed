"""Invitations and reminders: real SMTP on loopback, refusals recorded, exactly once after a crash."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa

from webapp.domain import responses
from webapp.domain.invitations import release_uncertain, send_invitations, send_reminders
from webapp.extensions import db
from webapp.infra import jobs
from webapp.infra.tokens import find_invitation
from webapp.models import Invitation, Job, utcnow

from .conftest import add_person, login, make_wave
from .test_jobs import redis_url_or_skip

ROOT = Path(__file__).resolve().parents[2]


def _parts(msg: Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in msg.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    }


def _panel(n: int) -> None:
    for i in range(n):
        add_person(i, role=("skoleleder", "skoleeier", "tillitsvalgt", "uh")[i % 4])
    db.session.commit()


def test_send_job_delivers_each_invitation_with_its_personal_link(smtp_app, instrument):
    app, server = smtp_app
    with app.app_context():
        _panel(6)
        wave = make_wave(instrument, status="open")
        job = jobs.enqueue("invitations.send", {"wave_id": wave.id, "language": "nb"})
        assert job.status == "queued"  # nothing is sent inside the request that queued it
        assert server.messages == []
        jobs.run_pending(progress_bar=False)
        job = db.session.get(Job, job.id)
        assert (
            job.status == "done" and job.result["sent"] == 6 and (job.progress, job.total) == (6, 6)
        )
        assert sorted(server.to()) == sorted(f"person{i}@example.no" for i in range(6))
        msg = server.messages[0]
        assert msg["Subject"].startswith("Invitasjon: spørreundersøkelse om desentralisert ordning")
        parts = _parts(msg)
        text, html = parts["text/plain"], parts["text/html"]
        link = next(line.strip() for line in text.splitlines() if "/s/" in line)
        token = link.rsplit("/s/", 1)[1]
        invitation = find_invitation(token)
        assert invitation is not None and invitation.person.contact.email == msg["To"].split("<")[
            1
        ].rstrip(">")
        assert f'href="{link}"' in html and "Hei Person" in text
        assert {inv.status for inv in db.session.scalars(sa.select(Invitation))} == {"sent"}
        # a second run finds nothing left to send
        assert send_invitations(wave.id)["sent"] == 0
        assert len(server.messages) == 6


def test_english_mail_on_request(smtp_app, instrument):
    app, server = smtp_app
    with app.app_context():
        _panel(1)
        wave = make_wave(instrument, status="open")
        send_invitations(wave.id, "en")
    assert server.messages[0]["Subject"].startswith(
        "Invitation: survey on the decentralised scheme"
    )
    assert "Dear Person 0" in _parts(server.messages[0])["text/plain"]


def test_refused_recipient_is_recorded_and_shown(smtp_app, client, users, instrument):
    app, server = smtp_app
    server.refuse.add("person1@example.no")
    with app.app_context():
        _panel(3)
        wave = make_wave(instrument, status="open")
        result = send_invitations(wave.id)
        assert result["sent"] == 2 and result["failed"] == 1
        failed = db.session.scalar(sa.select(Invitation).where(Invitation.status == "failed"))
        assert failed.person.contact.email == "person1@example.no"
        assert failed.last_error.startswith("recipient refused: 550")
        wave_id = wave.id
    login(client, "evaluator")
    page = client.get(f"/console/waves/{wave_id}").get_data(as_text=True)
    assert (
        "Feilede utsendinger" in page
        and "person1@example.no" in page
        and "550 5.1.1 mailbox unavailable" in page
    )
    page = client.get(f"/console/waves/{wave_id}/invitations?status=failed").get_data(as_text=True)
    assert "person1@example.no" in page and "person0@example.no" not in page


def test_outbox_is_the_default_transport(app, instrument, tmp_path):
    with app.app_context():
        _panel(2)
        wave = make_wave(instrument, status="open")
        send_invitations(wave.id)
    files = sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 2
    from email import message_from_bytes, policy

    msg = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert msg["Subject"].startswith("Invitasjon:") and msg["Message-ID"].startswith(
        "<dekom-invitation"
    )


def _sender_env(app, port: int) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        FLASK_APP="webapp",
        OUTBOX_DIR=app.config["OUTBOX_DIR"],
        PYTHONPATH=os.pathsep.join(p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p),
    )
    env.pop("REDIS_URL", None)
    return env


def test_a_sender_killed_halfway_and_restarted_sends_each_invitation_once(
    smtp_app, smtp_server, instrument
):
    app, server = smtp_app
    controller, _ = smtp_server
    n, kill_at = 40, 17
    with app.app_context():
        _panel(n)
        wave = make_wave(instrument, status="open")
        job = jobs.enqueue("invitations.send", {"wave_id": wave.id, "language": "nb"})
        wave_id, job_id = wave.id, job.id
    process: dict = {}

    def kill_during(number: int):
        # The sender dies while the server holds message 17: it was claimed but never accepted.
        if number == kill_at:
            os.kill(process["p"].pid, signal.SIGKILL)
            return "451 4.3.0 server going away"
        return None

    server.on_message = kill_during
    # `flask jobs run` with one sender thread, so exactly one message is in flight at the kill
    runner = (
        "from webapp import create_app\nfrom webapp.infra.jobs import run_pending\n"
        "app = create_app({'MAIL_SENDER_THREADS': 1})\n"
        "with app.app_context(): run_pending(progress_bar=False)\n"
    )
    process["p"] = subprocess.Popen(
        [sys.executable, "-c", runner],
        env=_sender_env(app, controller.port),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = process["p"].communicate(timeout=120)
    assert process["p"].returncode == -signal.SIGKILL, out.decode()[-2000:]
    server.on_message = None
    assert len(server.messages) == kill_at - 1

    with app.app_context():
        db.session.expire_all()
        assert db.session.get(Job, job_id).status == "running"  # its process died
        jobs.run_job(job_id)  # the restart
        assert db.session.get(Job, job_id).status == "done"
        counts = dict(
            db.session.execute(
                sa.select(Invitation.status, sa.func.count()).group_by(Invitation.status)
            ).all()
        )
        assert counts == {"sent": n - 1, "pending": 1}
        # the one in flight is "uncertain": never re-sent on its own
        app.config["INVITATION_CLAIM_TIMEOUT"] = 0
        time.sleep(0.01)
        released = release_uncertain(wave_id)
        db.session.commit()
        assert len(released) == 1
        assert send_invitations(wave_id)["sent"] == 1
    received = server.to()
    assert len(received) == n and len(set(received)) == n


def test_two_senders_at_once_never_send_twice(smtp_app, instrument):
    app, server = smtp_app
    with app.app_context():
        _panel(30)
        wave_id = make_wave(instrument, status="open").id
    env = _sender_env(app, app.config["SMTP_PORT"])
    code = (
        f"from webapp import create_app\nfrom webapp.domain.invitations import send_invitations\n"
        f"app = create_app()\nwith app.app_context(): print(send_invitations({wave_id}))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    for p in procs:
        out, _ = p.communicate(timeout=120)
        assert p.returncode == 0, out.decode()[-2000:]
    received = server.to()
    assert len(received) == 30 and len(set(received)) == 30


def _answer(invitation: Invitation, values: dict) -> None:
    response = responses.start_response(invitation)
    responses.save_answers(response, values)


def test_reminders_at_most_n_at_least_d_days_apart_with_half_way_variant(smtp_app, instrument):
    app, server = smtp_app
    with app.app_context():
        for i in range(4):
            add_person(i, role="skoleleder")
        db.session.commit()
        wave = make_wave(instrument, status="open")
        send_invitations(wave.id)
        invs = list(db.session.scalars(sa.select(Invitation).order_by(Invitation.id)))
        # 0: nothing, 1: opened only, 2: half-way, 3: submitted
        responses.start_response(invs[1])
        q = wave.version_for("skoleleder").questionnaire
        likert = next(
            item
            for page, item, parent in q.leaf_items()
            if item.type == "likert" and parent is None and not item.show_if and not page.show_if
        )
        _answer(invs[2], {likert.code: 4})
        resp = responses.start_response(invs[3])
        resp.status, resp.submitted_at = "complete", utcnow()
        invs[3].submitted_at = resp.submitted_at
        db.session.commit()
        server.messages.clear()

        assert send_reminders(wave.id, max_reminders=2, min_days=7)["sent"] == 0  # too soon
        db.session.execute(sa.update(Invitation).values(sent_at=utcnow() - timedelta(days=8)))
        db.session.commit()
        result = send_reminders(wave.id, max_reminders=2, min_days=7)
        assert result["sent"] == 3 and result["reminder_partial"] == 1 and result["reminder"] == 2
        subjects = {m["To"].split("<")[1].rstrip(">"): m["Subject"] for m in server.messages}
        assert subjects["person2@example.no"].startswith("Du er halvveis")
        assert subjects["person0@example.no"].startswith("Påminnelse:")
        assert "person3@example.no" not in subjects
        assert send_reminders(wave.id, max_reminders=2, min_days=7)["sent"] == 0  # D days apart

        db.session.execute(
            sa.update(Invitation).values(last_reminded_at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
        assert send_reminders(wave.id, max_reminders=2, min_days=7)["sent"] == 3
        db.session.execute(
            sa.update(Invitation).values(last_reminded_at=utcnow() - timedelta(days=30))
        )
        db.session.commit()
        assert send_reminders(wave.id, max_reminders=2, min_days=7)["sent"] == 0  # at most N
        assert len(server.messages) == 6
        assert {
            i.reminder_count
            for i in db.session.scalars(sa.select(Invitation))
            if i.submitted_at is None
        } == {2}


def test_console_queues_sending_and_reminders_as_jobs(smtp_app, client, users, instrument):
    app, server = smtp_app
    with app.app_context():
        _panel(2)
        wave_id = make_wave(instrument, status="open").id
    login(client, "evaluator")
    page = client.get(
        f"/console/waves/{wave_id}/mail-preview?kind=reminder_partial&mail_lang=nn"
    ).get_data(as_text=True)
    assert "Du er halvvegs" in page and "/s/" in page
    response = client.post(f"/console/waves/{wave_id}/send", data={"language": "nb"})
    assert response.status_code == 302 and "/console/jobs/" in response.headers["Location"]
    assert server.messages == []  # queued, not sent by the web request
    assert "venter på jobbarbeideren" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        jobs.run_pending(progress_bar=False)
    assert len(server.messages) == 2
    response = client.post(
        f"/console/waves/{wave_id}/remind",
        data={"language": "nb", "max_reminders": "3", "min_days": "7"},
    )
    assert response.status_code == 302
    with app.app_context():
        job = db.session.scalar(sa.select(Job).where(Job.kind == "invitations.remind"))
        assert job.params == {
            "wave_id": wave_id,
            "language": "nb",
            "max_reminders": 3,
            "min_days": 7,
        }


def test_cli_sends_with_a_progress_bar(smtp_app, runner, instrument):
    app, server = smtp_app
    with app.app_context():
        _panel(3)
        wave_id = make_wave(instrument, status="open").id
    result = runner.invoke(args=["invitations", "send", str(wave_id)])
    assert result.exit_code == 0, result.output
    assert "sent 3" in result.output
    assert len(server.messages) == 3


def test_rq_worker_sends_the_invitations(smtp_app, instrument):
    url = redis_url_or_skip()
    app, server = smtp_app
    app.config["REDIS_URL"] = url
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(url)
    queue = Queue(jobs.QUEUE_NAME, connection=connection)
    queue.empty()
    with app.app_context():
        _panel(5)
        wave = make_wave(instrument, status="open")
        job = jobs.enqueue("invitations.send", {"wave_id": wave.id})
        assert job.rq_id and server.messages == []
        SimpleWorker([queue], connection=connection).work(burst=True)
        db.session.expire_all()
        assert db.session.get(Job, job.id).status == "done"
    assert len(server.messages) == 5


@pytest.mark.app_config(SMTP_HOST="127.0.0.1", SMTP_PORT=1)
def test_unreachable_smtp_fails_the_job_and_keeps_invitations_pending(app, instrument):
    with app.app_context():
        _panel(2)
        wave = make_wave(instrument, status="open")
        job = jobs.run_job(jobs.enqueue("invitations.send", {"wave_id": wave.id}).id)
        assert job.status == "failed" and "cannot connect to SMTP 127.0.0.1:1" in job.error
        assert {i.status for i in db.session.scalars(sa.select(Invitation))} == {"pending"}
        assert {i.claimed_at for i in db.session.scalars(sa.select(Invitation))} == {None}


def test_nobody_who_has_submitted_gets_an_invitation_or_a_reminder(smtp_app, instrument):
    app, server = smtp_app
    with app.app_context():
        _panel(3)
        wave = make_wave(instrument, status="open")
        invs = list(db.session.scalars(sa.select(Invitation).order_by(Invitation.id)))
        # invitation 0 still "pending" but its person answered through a link given out by hand
        resp = responses.start_response(invs[0])
        resp.status, resp.submitted_at = "complete", utcnow()
        invs[0].submitted_at = resp.submitted_at
        # invitation 1: a complete response although the invitation row missed its time stamp
        resp = responses.start_response(invs[1])
        resp.status, resp.submitted_at = "complete", utcnow()
        db.session.commit()
        result = send_invitations(wave.id)
        assert result["sent"] == 1 and result["answered"] == 2
        assert server.to() == ["person2@example.no"]
        db.session.execute(
            sa.update(Invitation).values(status="sent", sent_at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
        server.messages.clear()
        assert send_reminders(wave.id, max_reminders=2, min_days=7)["sent"] == 1
        assert server.to() == ["person2@example.no"]


def test_nynorsk_invitation_opens_the_survey_in_nynorsk(smtp_app):
    from questionnaires import INSTRUMENT_DIR, instrument_files
    from webapp.domain.questionnaires import import_file

    app, server = smtp_app
    with app.app_context():
        v2 = {}
        for path in instrument_files(INSTRUMENT_DIR / "v2").values():
            version, _ = import_file(path)
            v2[version.role] = version.id
        _panel(1)
        wave = make_wave(v2, status="open")
        send_invitations(wave.id, "nn")
    text = _parts(server.messages[0])["text/plain"]
    link = next(line.strip() for line in text.splitlines() if "/s/" in line)
    assert link.endswith("?lang=nn")
    client = app.test_client()
    page = client.get(link.split("127.0.0.1:5000", 1)[-1]).get_data(as_text=True)
    assert '<html lang="nn">' in page and "Start undersøkinga" in page
    # the duration the e-mail promises is the one on the start page
    minutes = re.search(r"Det tek (\S+) minutt", text).group(1)
    assert f"Det tek {minutes} minutt." in page
    # later pages stay in nynorsk without the parameter
    first = re.search(r'href="(/s/[^"]+/side/[^"]+)"', page).group(1)
    assert '<html lang="nn">' in client.get(first).get_data(as_text=True)
