"""Background jobs: register a function per kind, enqueue a Job row, run it on RQ or from the CLI.

A job function has the signature ``fn(job: Job, progress: Callable[[int, int | None], None])
-> dict``; the dict it returns is stored as ``job.result``. ``progress(done, total)`` records how
far it got and COMMITS the session (at most twice a second, and always when ``done == total``),
so call it only at a point where the work so far may be committed.

With ``REDIS_URL`` set, :func:`enqueue` also puts ``rq_execute(job_id)`` on the RQ queue "dekom"
(``flask jobs worker`` runs a worker); without Redis the job waits for ``flask jobs run``.
Jobs never run inside a web request: :func:`run_job` refuses to.

A job whose process died stays ``running``; :func:`run_pending` picks it up again once it is older
than ``JOB_STALE_AFTER`` seconds (default 900). Job functions must therefore be safe to re-run
(invitation sending claims each row atomically, so a re-run sends only what is left).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context

from ..extensions import db
from ..models import Job, utcnow

JobFunction = Callable[[Job, Callable[[int, int | None], None]], dict]
QUEUE_NAME = "dekom"
DEFAULT_STALE_AFTER = 900  # seconds a 'running' job may go without finishing before a re-run

_REGISTRY: dict[str, JobFunction] = {}


def register(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Decorator: make ``fn`` the function that runs jobs of ``kind``."""

    def decorate(fn: JobFunction) -> JobFunction:
        _REGISTRY[kind] = fn
        return fn

    return decorate


def registered_kinds() -> list[str]:
    """Kinds that have a job function (after the feature modules are imported)."""
    _import_job_modules()
    return sorted(_REGISTRY)


def _import_job_modules() -> None:
    """Import the modules that register job functions, so a worker knows every kind."""
    from ..domain import analysis, invitations  # noqa: F401
    from ..exports import jobs  # noqa: F401


def enqueue(kind: str, params: dict[str, Any] | None = None, user: Any = None) -> Job:
    """Create and COMMIT a queued Job; also put it on RQ when ``REDIS_URL`` is set."""
    job = Job(kind=kind, params=dict(params or {}), status="queued",
              created_by_id=getattr(user, "id", None))
    db.session.add(job)
    db.session.commit()  # the worker must see the row
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        rq_job = _queue(redis_url).enqueue(
            "webapp.infra.jobs.rq_execute", job.id,
            job_timeout=current_app.config.get("JOB_TIMEOUT", 3600),
            description=f"{kind} #{job.id}",
        )
        job.rq_id = rq_job.id
        db.session.commit()
    return job


def _queue(redis_url: str):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))


def rq_execute(job_id: int) -> dict | None:
    """RQ entry point: run job ``job_id`` in an app context (the current one, or a new app)."""
    if has_app_context():
        return _result_of(run_job(job_id))
    from .. import create_app

    app = create_app()
    with app.app_context():
        return _result_of(run_job(job_id))


def _result_of(job: Job | None) -> dict | None:
    if job is None:
        return None
    if job.status == "failed":
        raise RuntimeError(f"job {job.id} ({job.kind}) failed: {job.error}")
    return job.result


def run_job(job_id: int, on_progress: Callable[[int, int | None], None] | None = None) -> Job | None:
    """Run one job now: mark it running, call its function, store result or error; return it."""
    if has_request_context():
        raise RuntimeError("jobs never run inside a web request; enqueue them instead")
    _import_job_modules()
    job = db.session.get(Job, job_id)
    if job is None or job.status == "done":
        return job
    fn = _REGISTRY.get(job.kind)
    if fn is None:
        _finish(job, "failed", error=f"no job function registered for kind {job.kind!r}")
        return job
    job.status, job.started_at, job.error, job.finished_at = "running", utcnow(), None, None
    db.session.commit()
    progress = _progress_recorder(job, on_progress)
    try:
        result = fn(job, progress)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job
        db.session.rollback()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        job = db.session.get(Job, job_id)
        _finish(job, "failed", error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
        return job
    _finish(job, "done", result=result if isinstance(result, dict) else {"value": result})
    return job


def _progress_recorder(job: Job, on_progress: Callable[[int, int | None], None] | None):
    last_commit = [0.0]

    def progress(done: int, total: int | None = None) -> None:
        job.progress = int(done)
        if total is not None:
            job.total = int(total)
        if on_progress is not None:
            on_progress(done, total)
        now = time.monotonic()
        if now - last_commit[0] >= 0.5 or (total is not None and done >= total):
            last_commit[0] = now
            db.session.commit()

    return progress


def _finish(job: Job, status: str, *, result: dict | None = None, error: str | None = None) -> None:
    job.status, job.finished_at = status, utcnow()
    job.result, job.error = result, error
    if status == "done" and job.total is not None:
        job.progress = job.total
    db.session.commit()


def pending_jobs(kind: str | None = None) -> list[Job]:
    """Queued jobs, plus running jobs older than JOB_STALE_AFTER (their process died)."""
    stale_after = current_app.config.get("JOB_STALE_AFTER", DEFAULT_STALE_AFTER)
    stale_before = utcnow() - timedelta(seconds=stale_after)
    query = sa.select(Job).where(
        sa.or_(Job.status == "queued", sa.and_(Job.status == "running", Job.started_at < stale_before))
    ).order_by(Job.id)
    if kind:
        query = query.where(Job.kind == kind)
    return list(db.session.scalars(query))


def run_pending(kind: str | None = None, progress_bar: bool = True) -> list[Job]:
    """Run every pending job (of ``kind``) in this process, with a tqdm bar; return them."""
    done: list[Job] = []
    for job in pending_jobs(kind):
        if progress_bar:
            from tqdm import tqdm

            with tqdm(desc=f"{job.kind} #{job.id}", unit="job-step") as bar:
                def on_progress(n: int, total: int | None, bar=bar) -> None:
                    if total is not None:
                        bar.total = total
                    bar.n = n
                    bar.refresh()

                finished = run_job(job.id, on_progress)
        else:
            finished = run_job(job.id)
        if finished is not None:
            done.append(finished)
    return done


def start_worker(burst: bool = False) -> None:
    """Run an RQ worker on the "dekom" queue (needs REDIS_URL); blocks until stopped."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        raise RuntimeError("REDIS_URL is not set; run jobs with `flask jobs run` instead")
    from redis import Redis
    from rq import Queue, Worker

    _import_job_modules()
    connection = Redis.from_url(redis_url)
    worker = Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
    worker.work(burst=burst)
