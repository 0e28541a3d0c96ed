"""The job worker: claims from the database, heartbeats, takes over dead workers' jobs, and the
fault test: a worker killed (SIGKILL) mid-batch, restarted, sends every invitation exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.console.conftest import add_person, make_wave
from webapp.domain.invitations import release_uncertain, send_invitations
from webapp.extensions import db
from webapp.infra import jobs
from webapp.models import Invitation, Job, utcnow

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


@jobs.register("test.sleepy")
def _sleepy(job, progress):
    time.sleep(job.params.get("seconds", 1.5))
    with db.engine.connect() as conn:
        beat = conn.execute(sa.select(Job.heartbeat_at).where(Job.id == job.id)).scalar()
    return {"heartbeat": beat.isoformat()}


@jobs.register("test.noop")
def _noop(job, progress):
    return {"ok": True}


def test_each_job_is_claimed_once(app_ctx):
    first, second = jobs.enqueue("test.noop").id, jobs.enqueue("test.noop").id
    assert jobs.claim_next().id == first
    assert jobs.claim_next().id == second
    assert jobs.claim_next() is None
    job = db.session.get(Job, first)
    assert job.status == "running" and job.worker and job.heartbeat_at


def test_a_job_whose_heartbeat_stopped_is_claimed_again(app_ctx):
    app_ctx.config["JOB_STALE_AFTER"] = 60
    job_id = jobs.enqueue("test.noop").id
    assert jobs.claim_next().id == job_id
    assert jobs.claim_next() is None  # its worker is alive (fresh heartbeat)
    db.session.execute(
        sa.update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(seconds=61))
    )
    db.session.commit()
    assert jobs.claim_next().id == job_id  # silent for longer than JOB_STALE_AFTER: taken over


def test_the_heartbeat_beats_while_the_job_runs(app_ctx):
    app_ctx.config["JOB_STALE_AFTER"] = 3  # a beat every half second
    job_id = jobs.enqueue("test.sleepy", {"seconds": 1.6}).id
    job = jobs.claim_next()
    claimed_at = job.heartbeat_at
    jobs.run_job(job_id, claimed=True)
    job = db.session.get(Job, job_id)
    assert job.status == "done"
    assert job.result["heartbeat"] > claimed_at.replace(tzinfo=None).isoformat()


@pytest.mark.postgres
def test_postgres_workers_skip_a_locked_job_instead_of_waiting(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is the PostgreSQL claim")
    first, second = jobs.enqueue("test.noop").id, jobs.enqueue("test.noop").id
    with db.engine.connect() as other:  # another worker in the middle of claiming the first job
        other.execute(sa.text("SELECT id FROM job WHERE id = :id FOR UPDATE"), {"id": first})
        started = time.monotonic()
        assert jobs.claim_next().id == second
        assert time.monotonic() - started < 2
        other.rollback()
    assert jobs.claim_next().id == first


def test_the_worker_command_runs_jobs_and_the_schedule(app, runner, instrument):
    with app.app_context():
        wave = make_wave(instrument, invite=False)
        wave.opens_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        job_id = jobs.enqueue("test.noop").id
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert (
        "schedule waves.apply_schedule: {'opened': ['Dekom 2025'], 'closed': []}" in result.output
    )
    assert f"job #{job_id} test.noop: done {{'ok': True}}" in result.output


def _worker_env(app, smtp_port: int) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY=app.config["SECRET_KEY"],
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        MAIL_SENDER_THREADS="1",
        JOB_STALE_AFTER="2",
        OUTBOX_DIR=app.config["OUTBOX_DIR"],
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    )
    env.pop("REDIS_URL", None)
    return env


def _start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [FLASK, "--app", "webapp", "jobs", "worker", "--poll", "0.2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.slow
def test_worker_killed_mid_batch_is_taken_over_and_each_invitee_gets_one_mail(
    smtp_app, smtp_server, instrument
):
    """SIGKILL the worker while the SMTP server holds message 25 of 60; a new worker finishes."""
    app, server = smtp_app
    controller, _ = smtp_server
    n, kill_at = 60, 25
    with app.app_context():
        for i in range(n):
            add_person(i, role=("skoleleder", "skoleeier", "tillitsvalgt", "uh")[i % 4])
        db.session.commit()
        wave = make_wave(instrument, status="open")
        wave_id = wave.id
        job_id = jobs.enqueue("invitations.send", {"wave_id": wave.id, "language": "nb"}).id
    env = _worker_env(app, controller.port)
    first: dict = {}

    def kill_during(number: int):
        if number == kill_at:
            os.kill(first["p"].pid, signal.SIGKILL)
            return "451 4.3.0 server going away"
        return None

    server.on_message = kill_during
    first["p"] = _start_worker(env)
    out, _ = first["p"].communicate(timeout=120)
    assert first["p"].returncode == -signal.SIGKILL, out.decode()[-2000:]
    server.on_message = None
    assert len(server.messages) == kill_at - 1

    second = _start_worker(env)  # nothing typed: it finds the dead worker's job by its heartbeat
    try:
        deadline = time.monotonic() + 60
        with app.app_context():
            while time.monotonic() < deadline:
                db.session.expire_all()
                if db.session.get(Job, job_id).status in ("done", "failed"):
                    break
                time.sleep(0.3)
            job = db.session.get(Job, job_id)
            assert job.status == "done", job.error
            assert job.worker != f"{job.worker.split(':')[0]}:{first['p'].pid}"
            counts = dict(
                db.session.execute(
                    sa.select(Invitation.status, sa.func.count())
                    .where(Invitation.wave_id == wave_id)
                    .group_by(Invitation.status)
                ).all()
            )
            # the one message in flight at the kill stays claimed ("uncertain"), never re-sent alone
            assert counts == {"sent": n - 1, "pending": 1}
            app.config["INVITATION_CLAIM_TIMEOUT"] = 0
            time.sleep(0.01)
            assert len(release_uncertain(wave_id)) == 1
            db.session.commit()
            assert send_invitations(wave_id)["sent"] == 1
    finally:
        second.send_signal(signal.SIGTERM)
        out, _ = second.communicate(timeout=30)
    assert second.returncode == 0, out.decode()[-2000:]
    assert "worker stopped" in out.decode()
    received = server.to()
    assert len(received) == n and sorted(received) == sorted(
        f"person{i}@example.no" for i in range(n)
    )


def test_with_redis_the_worker_is_an_rq_worker_that_also_runs_the_schedule(app, runner, instrument):
    """REDIS_URL set: jobs travel over RQ (a forked work horse per job), the schedule still runs."""
    url = "redis://127.0.0.1:6379/1"
    try:
        from redis import Redis
        from rq import Queue

        Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")
    Queue(jobs.QUEUE_NAME, connection=Redis.from_url(url)).empty()
    app.config["REDIS_URL"] = url
    with app.app_context():
        wave = make_wave(instrument, invite=False)
        wave.opens_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        job = jobs.enqueue("test.noop")
        job_id, rq_id = job.id, job.rq_id
    assert rq_id
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "RQ queue 'dekom' on Redis" in result.output
    assert (
        "schedule waves.apply_schedule: {'opened': ['Dekom 2025'], 'closed': []}" in result.output
    )
    with app.app_context():
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        assert job.status == "done" and job.result == {"ok": True} and job.worker


@pytest.mark.postgres
def test_worker_goes_on_after_postgres_cuts_its_connections(app, tmp_path):
    """pg_terminate_backend on the worker's connections (a restart): the next job still runs."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    env = _worker_env(app, 25)
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [FLASK, "--app", "webapp", "jobs", "worker", "--poll", "0.2"],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        with app.app_context():
            first = jobs.enqueue("invitations.send", {"wave_id": 999_999}).id
        _wait_for_line(log, f"job #{first} invitations.send: failed")
        url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            killed = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": url.database},
            ).scalar()
        admin.dispose()
        assert killed >= 1
        with app.app_context():
            second = jobs.enqueue("invitations.send", {"wave_id": 999_998}).id
        _wait_for_line(log, f"job #{second} invitations.send: failed")
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def _wait_for_line(log: Path, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert text in log.read_text(), log.read_text()[-3000:]
