"""Background jobs: queued rows, the CLI runner, failures recorded, RQ on a real Redis."""

from __future__ import annotations

import os

import pytest

from webapp.extensions import db
from webapp.infra import jobs
from webapp.models import Job


@jobs.register("test.count")
def _count(job, progress):
    n = job.params["n"]
    for i in range(n):
        progress(i + 1, n)
    return {"counted": n}


@jobs.register("test.boom")
def _boom(job, progress):
    progress(1, 3)
    raise ValueError("boom at step 2")


def test_enqueue_without_redis_waits_for_the_cli(app_ctx):
    job = jobs.enqueue("test.count", {"n": 5})
    assert job.status == "queued" and job.rq_id is None
    finished = jobs.run_pending(progress_bar=False)
    assert [j.id for j in finished] == [job.id]
    job = db.session.get(Job, job.id)
    assert job.status == "done" and job.result == {"counted": 5}
    assert (job.progress, job.total) == (5, 5)
    assert job.started_at and job.finished_at
    assert jobs.run_pending(progress_bar=False) == []


def test_failure_is_recorded_on_the_job(app_ctx):
    job = jobs.enqueue("test.boom", {})
    jobs.run_job(job.id)
    job = db.session.get(Job, job.id)
    assert job.status == "failed"
    assert "ValueError: boom at step 2" in job.error


def test_unknown_kind_fails_with_a_clear_error(app_ctx):
    job = jobs.enqueue("no.such.kind", {})
    jobs.run_job(job.id)
    assert "no job function registered for kind 'no.such.kind'" in db.session.get(Job, job.id).error


def test_jobs_never_run_inside_a_web_request(app):
    with app.app_context():
        job_id = jobs.enqueue("test.count", {"n": 1}).id
    with app.test_request_context("/"):
        with pytest.raises(RuntimeError, match="never run inside a web request"):
            jobs.run_job(job_id)


def test_cli_runs_and_lists_jobs(app, runner):
    with app.app_context():
        jobs.enqueue("test.count", {"n": 3})
        jobs.enqueue("test.boom", {})
    result = runner.invoke(args=["jobs", "run", "--kind", "test.count"])
    assert result.exit_code == 0, result.output
    assert "test.count: done {'counted': 3}" in result.output
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 1
    assert "test.boom: failed" in result.output
    listing = runner.invoke(args=["jobs", "list"])
    assert "test.count  done  3/3" in listing.output
    assert "test.boom  failed" in listing.output


def test_worker_without_redis_runs_jobs_from_the_database(app, runner):
    with app.app_context():
        job_id = jobs.enqueue("test.count", {"n": 2}).id
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "jobs from the database" in result.output
    assert f"job #{job_id} test.count: done {{'counted': 2}}" in result.output
    with app.app_context():
        assert db.session.get(Job, job_id).status == "done"


def redis_url_or_skip() -> str:
    """The CI Redis; skip locally when it is down, fail in CI."""
    url = "redis://127.0.0.1:6379/15"
    try:
        from redis import Redis

        Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is required in CI: {exc}")
        pytest.skip(f"Redis at {url} unreachable: {exc}")
    return url


def test_rq_runs_the_job_on_redis(app):
    url = redis_url_or_skip()
    app.config["REDIS_URL"] = url
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(url)
    queue = Queue(jobs.QUEUE_NAME, connection=connection)
    queue.empty()
    with app.app_context():
        job = jobs.enqueue("test.count", {"n": 4})
        assert job.rq_id
        SimpleWorker([queue], connection=connection).work(burst=True)
        db.session.expire_all()
        job = db.session.get(Job, job.id)
        assert job.status == "done" and job.result == {"counted": 4}
