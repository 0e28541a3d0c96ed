"""A gunicorn worker SIGKILLed in the middle of a respondent's save: the browser's retry succeeds.

Real gunicorn (sync workers) on loopback, the test's database, CSRF on. A browser whose POST got
no answer sends it again; nothing may be lost, stored twice or shown as "saved from another tab".
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.models import Answer

from .factories import make_link, make_wave, response_for, stored

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except OSError:
                continue
    return out


class Browser:
    """Just enough of a browser: one cookie, the hidden fields of the last page, resending."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""
        self.html = ""

    def request(self, method: str, path: str, data: dict | None = None) -> http.client.HTTPResponse:
        """One request on a fresh connection (as a browser retrying after a dropped one)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        r.text = r.read().decode()
        if r.getheader("Set-Cookie"):
            self.cookie = r.getheader("Set-Cookie").split(";", 1)[0]
        conn.close()
        return r

    def open(self, path: str) -> None:
        """GET a page and keep it."""
        r = self.request("GET", path)
        assert r.status == 200, r.text[:300]
        self.html = r.text

    def form(self, answers: dict) -> dict:
        """The post the page's form sends with ``answers`` filled in."""
        hidden = dict(
            re.findall(
                r'type="hidden" name="(csrf_token|_revision|_ref)" value="([^"]*)"', self.html
            )
        )
        return {**hidden, **answers, "_action": "next"}

    def post_until_answered(
        self, path: str, data: dict, within: float = 60
    ) -> http.client.HTTPResponse:
        """POST ``data``; when the connection breaks, send the same post again (as a browser does)."""
        deadline = time.monotonic() + within
        while True:
            try:
                return self.request("POST", path, data)
            except (ConnectionError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)  # the master starts a new worker


@pytest.fixture
def gunicorn(app, tmp_path):
    """gunicorn with one sync worker serving the test database; yields (port, master, marker)."""
    port = _free_port()
    marker = tmp_path / "kill-after-save"
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text("")
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "KILL_AFTER_SAVE": str(marker),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "survey")]),
    }
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(conf),
            "-w",
            "1",
            "-k",
            "sync",
            "--timeout",
            "60",
            "-b",
            f"127.0.0.1:{port}",
            "--error-logfile",
            str(tmp_path / "gunicorn.log"),
            "killing_app:create()",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError((tmp_path / "gunicorn.log").read_text())
        yield port, proc, marker
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers_rows(link) -> int:
    response = response_for(link)
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Answer).where(Answer.response_id == response.id)
    )


def test_worker_killed_after_the_commit_retry_moves_on(app, gunicorn):
    """Committed, then SIGKILL before the answer: the browser's resend goes to the next page."""
    port, master, marker = gunicorn
    with app.app_context():
        link = make_link(make_wave())
    browser = Browser(port)
    page = f"{link.url}/side/start"
    browser.open(page)
    worker = _children(master.pid)
    marker.touch()
    r = browser.post_until_answered(page, browser.form({"deltatt": "1", "ant_larere": "25"}))
    assert not marker.exists(), "the first post never reached the worker that kills itself"
    assert _children(master.pid) != worker, "the worker was not replaced"
    assert r.status == 303 and r.getheader("Location").endswith("/side/samarbeid"), r.text[:500]
    with app.app_context():
        assert stored(link) == {"deltatt": 1, "ant_larere": 25}
        assert _answers_rows(link) == 2
        assert response_for(link).revision == 1  # saved once, not twice
    browser.open(r.getheader("Location"))
    assert "en annen fane" not in browser.html


def test_worker_killed_in_the_middle_of_a_save_retry_saves(app, gunicorn):
    """SIGKILL while the save waits inside its transaction: nothing half-written, the resend saves."""
    port, master, _ = gunicorn
    with app.app_context():
        link = make_link(make_wave())
    browser = Browser(port)
    page = f"{link.url}/side/start"
    browser.open(page)
    data = browser.form({"deltatt": "1", "ant_larere": "25", "annet": "2"})
    with app.app_context():
        response_id = response_for(link).id
    worker = _children(master.pid)
    assert len(worker) == 1
    # another transaction holds the response row, so the save blocks in its UPDATE, mid-transaction
    blocker = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    outcome: list = []
    try:
        with blocker.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(
                    sa.text("SELECT id FROM response WHERE id = :id FOR UPDATE"),
                    {"id": response_id},
                )
            thread = threading.Thread(
                target=lambda: outcome.append(_post_once(browser, page, data))
            )
            thread.start()
            time.sleep(1.5)  # the worker has read the page state and waits for the lock
            assert not outcome, "the save did not wait for the lock"
            os.kill(worker[0], signal.SIGKILL)
            thread.join(30)
            conn.rollback()
    finally:
        blocker.dispose()
    assert outcome == ["connection lost"]
    with app.app_context():
        assert stored(link) == {}  # nothing of the killed save was committed
    r = browser.post_until_answered(page, data)
    assert r.status == 303 and r.getheader("Location").endswith("/side/samarbeid"), r.text[:500]
    with app.app_context():
        assert stored(link) == {"deltatt": 1, "ant_larere": 25, "annet": 2}
        assert _answers_rows(link) == 3
        assert response_for(link).revision == 1


def _post_once(browser: Browser, path: str, data: dict) -> str:
    try:
        r = browser.request("POST", path, data)
        return f"answered {r.status}"
    except (ConnectionError, http.client.HTTPException):
        return "connection lost"
