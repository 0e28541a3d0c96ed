"""Background jobs: register a function per kind, enqueue a Job row, run it from a worker.

A job function has the signature ``fn(job: Job, progress: Callable[[int, int | None], None])
-> dict``; the dict it returns is stored as ``job.result``. ``progress(done, total)`` records how
far it got and COMMITS the session (at most twice a second, and always when ``done == total``),
so call it only at a point where the work so far may be committed.

Without Redis, ``flask jobs worker`` (webapp.infra.worker) claims queued jobs from the database
with :func:`claim_next` (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional
UPDATE on SQLite), so any number of workers share the queue. With ``REDIS_URL`` set,
:func:`enqueue` also puts ``rq_execute(job_id)`` on the RQ queue "dekom" and the worker is an RQ
worker. Jobs never run inside a web request: :func:`run_job` refuses to.

While a job runs, a heartbeat thread stamps ``job.heartbeat_at`` every few seconds. A job whose
heartbeat is older than ``JOB_STALE_AFTER`` seconds (default 60) lost its process and is claimed
again. Job functions must therefore be safe to re-run (invitation sending claims each row
atomically, so a re-run sends only what is left).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context

from ..extensions import db
from ..models import Job, UTCDateTime, utcnow

JobFunction = Callable[[Job, Callable[[int, int | None], None]], dict]
QUEUE_NAME = "dekom"
DEFAULT_STALE_AFTER = 60  # seconds a running job's heartbeat may be silent before a re-run
log = logging.getLogger("dekom.jobs")

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
    from ..domain import analysis, coding_model, invitations  # noqa: F401
    from ..exports import jobs  # noqa: F401


def enqueue(kind: str, params: dict[str, Any] | None = None, user: Any = None) -> Job:
    """Create and COMMIT a queued Job; also put it on RQ when ``REDIS_URL`` is set."""
    job = Job(
        kind=kind,
        params=dict(params or {}),
        status="queued",
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(job)
    db.session.commit()  # the worker must see the row
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        rq_job = _queue(redis_url).enqueue(
            "webapp.infra.jobs.rq_execute",
            job.id,
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


def run_job(
    job_id: int,
    on_progress: Callable[[int, int | None], None] | None = None,
    *,
    claimed: bool = False,
) -> Job | None:
    """Run one job now: mark it running, call its function, store result or error; return it.

    ``claimed`` says the caller claimed the row already (:func:`claim_next`); otherwise the job
    is taken whatever its state, except when it is done (``flask jobs run --job ID``).
    """
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
    if not claimed:
        job.status, job.started_at, job.worker = "running", utcnow(), worker_name()
        job.heartbeat_at = job.started_at
    job.error, job.finished_at = None, None
    db.session.commit()
    progress = _progress_recorder(job, on_progress)
    heartbeat = Heartbeat(current_app._get_current_object(), job.id).start()
    try:
        result = fn(job, progress)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job
        heartbeat.stop()
        db.session.rollback()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        job = db.session.get(Job, job_id)
        _finish(
            job, "failed", error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
        )
        return job
    except BaseException:
        # stopped (Ctrl+C, SIGTERM): give the job back so the next worker starts it at once
        heartbeat.stop()
        db.session.rollback()
        _release(job_id)
        raise
    heartbeat.stop()
    _finish(job, "done", result=result if isinstance(result, dict) else {"value": result})
    return job


def _release(job_id: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            _J.update()
            .where(_J.c.id == job_id, _J.c.status == "running")
            .values(status="queued", worker=None, heartbeat_at=None)
        )
    log.info("job %s given back to the queue", job_id)


def worker_name() -> str:
    """host:pid of this process, stored on the jobs it claims."""
    from .schedule import worker_name as name

    return name()


_J = Job.__table__


class Heartbeat:
    """A thread that stamps ``job.heartbeat_at`` while the job runs (own DB connection)."""

    def __init__(self, app, job_id: int) -> None:
        self.app, self.job_id = app, job_id
        stale_after = app.config.get("JOB_STALE_AFTER", DEFAULT_STALE_AFTER)
        self.every = max(0.5, min(10.0, stale_after / 6))
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"job-{job_id}-heartbeat", daemon=True
        )

    def start(self) -> Heartbeat:
        """Start beating."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop beating and wait for the thread."""
        self._stop.set()
        self._thread.join(timeout=15)

    def _run(self) -> None:
        with self.app.app_context():
            while not self._stop.wait(self.every):
                try:
                    with db.engine.begin() as conn:
                        conn.execute(
                            _J.update()
                            .where(_J.c.id == self.job_id, _J.c.status == "running")
                            .values(heartbeat_at=sa.bindparam("now", type_=UTCDateTime)),
                            {"now": utcnow()},
                        )
                except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
                    log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)


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


def _stale_before():
    stale_after = current_app.config.get("JOB_STALE_AFTER", DEFAULT_STALE_AFTER)
    return utcnow() - timedelta(seconds=stale_after)


def _claimable(stale_before):
    """Queued jobs, and running jobs whose heartbeat stopped (their process died)."""
    last_sign = sa.func.coalesce(Job.heartbeat_at, Job.started_at)
    return sa.or_(
        Job.status == "queued", sa.and_(Job.status == "running", last_sign < stale_before)
    )


def pending_jobs(kind: str | None = None) -> list[Job]:
    """Queued jobs, plus running jobs silent for JOB_STALE_AFTER seconds (their process died)."""
    query = sa.select(Job).where(_claimable(_stale_before())).order_by(Job.id)
    if kind:
        query = query.where(Job.kind == kind)
    return list(db.session.scalars(query))


def claim_next(kind: str | None = None) -> Job | None:
    """Claim the oldest claimable job for this process (commits); None when there is none.

    PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` so workers never wait on each other.
    SQLite: a conditional UPDATE that only one writer can win (rowcount 1).
    """
    stale_before = _stale_before()
    query = sa.select(Job.id).where(_claimable(stale_before)).order_by(Job.id)
    if kind:
        query = query.where(Job.kind == kind)
    now = utcnow()
    values = {"status": "running", "started_at": now, "heartbeat_at": now, "worker": worker_name()}
    if db.engine.dialect.name == "postgresql":
        job_id = db.session.scalar(query.limit(1).with_for_update(skip_locked=True))
        if job_id is None:
            db.session.rollback()
            return None
        db.session.execute(
            sa.update(Job).where(Job.id == job_id).values(**values),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
        return db.session.get(Job, job_id)
    for job_id in db.session.scalars(query.limit(20)).all():
        won = (
            db.session.execute(
                sa.update(Job).where(Job.id == job_id, _claimable(stale_before)).values(**values),
                execution_options={"synchronize_session": False},
            ).rowcount
            == 1
        )
        db.session.commit()
        if won:
            db.session.expire_all()
            return db.session.get(Job, job_id)
    db.session.rollback()
    return None


def run_pending(kind: str | None = None, progress_bar: bool = True) -> list[Job]:
    """Claim and run pending jobs (of ``kind``) here until none is left, with a tqdm bar."""
    done: list[Job] = []
    while (job := claim_next(kind)) is not None:
        if progress_bar:
            from tqdm import tqdm

            with tqdm(desc=f"{job.kind} #{job.id}", unit="job-step") as bar:

                def on_progress(n: int, total: int | None, bar=bar) -> None:
                    if total is not None:
                        bar.total = total
                    bar.n = n
                    bar.refresh()

                finished = run_job(job.id, on_progress, claimed=True)
        else:
            finished = run_job(job.id, claimed=True)
        if finished is not None:
            done.append(finished)
    return done
