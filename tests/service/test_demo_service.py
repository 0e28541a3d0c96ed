"""Done-when: the one command serves the demo and runs the worker; an evaluator's click on
*Send invitations* puts e-mails in the outbox within a minute, linking to the served port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from tests.console.conftest import free_port
from webapp.extensions import db
from webapp.models import Invitation, Job, Wave

from .processes import ROOT, Browser, service_env, wait_until_served


@pytest.mark.slow
def test_serve_demo_sends_invitations_from_a_click_with_links_to_the_served_port(app, tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    env = service_env(app)  # no PUBLIC_BASE_URL: the command derives it from the port
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "webapp",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        # started like `cmd &` from a script, SIGINT ignored: Ctrl+C must still stop everything
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        wait_until_served(base + "/", serve, log, timeout=180)
        printed = log.read_text()
        assert f"Open          {base}/" in printed
        assert "Evaluator     evaluator@dekom.local / dekom-demo-2025" in printed
        respondent = re.search(r"Respondent    (\S+)", printed).group(1)
        assert respondent.startswith(f"{base}/s/")

        with app.app_context():
            wave_id = db.session.scalar(sa.select(Wave.id).where(Wave.name == "Dekom 2025"))
            pending = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Invitation)
                .where(Invitation.wave_id == wave_id, Invitation.status == "pending")
            )
        assert pending > 0

        browser = Browser(base)
        status, body = browser.post_form(
            "/auth/login",
            "/auth/login",
            {"email": "evaluator@dekom.local", "password": "dekom-demo-2025"},
        )
        assert status == 200, body[:500]
        clicked = time.monotonic()
        status, body = browser.post_form(
            f"/console/waves/{wave_id}", f"/console/waves/{wave_id}/send", {"language": "nb"}
        )
        assert status == 200 and re.search(r"Jobb\s*#\d+", body), body[:3000]  # the job page

        outbox = tmp_path / "outbox"
        while time.monotonic() - clicked < 60:
            with app.app_context():
                job = db.session.scalar(sa.select(Job).where(Job.kind == "invitations.send"))
                if job is not None and job.status in ("done", "failed"):
                    break
            time.sleep(0.5)
        took = time.monotonic() - clicked
        assert job is not None and job.status == "done", (
            job and job.error,
            log.read_text()[-3000:],
        )
        files = sorted(outbox.glob("*.eml"))
        assert len(files) == job.result["sent"] == pending, took
        for path in files[:50]:
            mail = message_from_bytes(path.read_bytes(), policy=policy.default)
            text = mail.get_body(("plain",)).get_content()
            assert f"{base}/s/" in text and "127.0.0.1:5000" not in text
        print(f"{pending} invitations in the outbox {took:.1f} s after the click")

        # the access log shows the respondent's visit without the token
        assert browser.get(respondent[len(base) :])[0] == 200
        token = respondent.rsplit("/", 1)[1]
        time.sleep(0.5)
        printed = log.read_text()
        assert (
            '"GET /s/[token] HTTP/1.1" 200' in printed
            and token not in printed.split("Respondent")[-1].split("\n", 1)[1]
        )
    finally:
        serve.send_signal(signal.SIGINT)  # Ctrl+C
        code = serve.wait(timeout=60)
    printed = log.read_text()
    assert code == 0 and "stopped" in printed, printed[-2000:]
    assert not _alive(_child_pids(printed))  # gunicorn and the worker stopped with it
    with pytest.raises(OSError):  # nothing serves the port any more
        urllib.request.urlopen(base + "/", timeout=2)


def _child_pids(printed: str) -> list[int]:
    """The gunicorn master's and the job worker's pids, from what they printed."""
    web = re.search(r"Listening at: \S+ \((\d+)\)", printed)
    worker = re.search(r"worker [^:\s]+:(\d+): jobs from", printed)
    assert web and worker, printed[-2000:]
    return [int(web.group(1)), int(worker.group(1))]


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.append(pid)
    return alive


def test_serve_killed_outright_takes_gunicorn_and_the_worker_with_it(app, tmp_path):
    """SIGKILL of `flask serve` (no chance to clean up): the children still stop, the port is free."""
    port, log = free_port(), tmp_path / "serve.log"
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "webapp",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=service_env(app),
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_served(f"http://127.0.0.1:{port}/", serve, log)
        deadline = time.monotonic() + 30
        while "jobs from the database" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        pids = _child_pids(log.read_text())
    finally:
        serve.kill()
        serve.wait()
    deadline = time.monotonic() + 40
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert not _alive(pids), log.read_text()[-2000:]


def test_a_job_worker_that_dies_is_started_again_and_runs_the_next_job(app, tmp_path):
    from webapp.infra import jobs

    port, log = free_port(), tmp_path / "serve.log"
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "webapp",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=service_env(app),
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_served(f"http://127.0.0.1:{port}/", serve, log)
        deadline = time.monotonic() + 30
        while "jobs from the database" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        first_worker = _child_pids(log.read_text())[1]
        os.kill(first_worker, signal.SIGKILL)
        deadline = time.monotonic() + 40
        while log.read_text().count("jobs from the database") < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        printed = log.read_text()
        assert "job worker stopped with exit code -9; starting it again" in printed, printed[-2000:]
        with app.app_context():
            job_id = jobs.enqueue(
                "invitations.send", {"wave_id": 999_999}
            ).id  # fails: no such wave
        deadline = time.monotonic() + 30
        while (
            f"job #{job_id} invitations.send: failed" not in log.read_text()
            and time.monotonic() < deadline
        ):
            time.sleep(0.3)
        assert f"job #{job_id} invitations.send: failed" in log.read_text(), log.read_text()[-2000:]
        assert serve.poll() is None  # the web server never stopped
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
