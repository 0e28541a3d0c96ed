"""The analysis job holds no write transaction during its long run: on SQLite another
connection (the heartbeat, a web request) can write meanwhile."""

from __future__ import annotations

import sqlite3
import threading
import time

import sqlalchemy as sa

from webapp.domain.analysis import KIND
from webapp.extensions import db
from webapp.infra import jobs
from webapp.models import CodingSuggestion, Job


def test_heartbeat_writes_while_the_first_analysis_runs(app, runner, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        return  # the lock is SQLite's; PostgreSQL writers do not wait for each other here
    assert runner.invoke(args=["demo", "load", "--size", "120", "--seed", "11"]).exit_code == 0
    with app.app_context():
        job = jobs.enqueue(KIND, {"figures": False})
        job_id = job.id
        assert db.session.scalar(sa.select(sa.func.count(CodingSuggestion.id))) == 0
    path = url.removeprefix("sqlite:///")
    done = threading.Event()
    failures: list[str] = []
    writes = [0]

    def run() -> None:
        with app.app_context():
            jobs.run_job(job_id)
        done.set()

    worker = threading.Thread(target=run)
    worker.start()
    other = sqlite3.connect(path, timeout=2.0, isolation_level=None)
    while not done.is_set():
        try:
            other.execute("UPDATE job SET heartbeat_at = heartbeat_at WHERE id = ?", (job_id,))
            writes[0] += 1
        except sqlite3.OperationalError as err:  # "database is locked" after the 2 s busy timeout
            failures.append(str(err))
        time.sleep(0.2)
    worker.join()
    other.close()
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == "done", job.error
        assert (
            db.session.scalar(sa.select(sa.func.count(CodingSuggestion.id))) > 0
        )  # it did write them
    assert writes[0] > 3
    assert failures == []
