"""The job worker: runs queued jobs and, every minute, the scheduled tasks (``flask jobs worker``).

Without ``REDIS_URL`` it polls the database (:func:`webapp.infra.jobs.claim_next`); with it, it is
an RQ worker on the "dekom" queue with the schedule in a side thread. SIGTERM and Ctrl+C stop it:
a job it was running goes back to the queue (job functions are safe to re-run).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app

from ..extensions import db
from . import jobs, schedule

log = logging.getLogger("dekom.worker")

Echo = Callable[[str], None]


def _on_sigterm(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _console_progress(job, echo: Echo) -> Callable[[int, int | None], None]:
    """Print ``job #id kind: done/total`` at most every two seconds, and at the end."""
    last = [0.0]

    def on_progress(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] >= 2 or (total is not None and done >= total):
            last[0] = now
            echo(f"job #{job.id} {job.kind}: {done}/{total if total is not None else '?'}")

    return on_progress


def _did_something(outcome: dict) -> bool:
    """False for results like {'opened': [], 'closed': []} or {'purged': 0}."""
    return any(outcome.values()) if isinstance(outcome, dict) else bool(outcome)


def run_schedule_safely(echo: Echo, quiet: bool = True) -> None:
    """Run the due scheduled tasks; print those that did something (all if not ``quiet``)."""
    try:
        for name, outcome in schedule.run_due().items():
            if not quiet or _did_something(outcome):
                echo(f"schedule {name}: {outcome}")
    except Exception:  # noqa: BLE001 - the worker must go on
        db.session.rollback()
        log.exception("running the schedule failed")


def work(
    echo: Echo = print,
    *,
    burst: bool = False,
    poll: float = 1.0,
    tick: float = schedule.TICK_SECONDS,
    stop: threading.Event | None = None,
) -> int:
    """Database worker loop: claim and run jobs, run the schedule every ``tick`` seconds.

    ``burst`` runs the schedule once, then every claimable job, and returns. Returns the number of
    jobs run.
    """
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    jobs._import_job_modules()
    echo(
        f"worker {jobs.worker_name()}: jobs from the database, schedule every {tick:g} s "
        f"({', '.join(t.name for t in schedule.registered_tasks())})"
    )
    ran, next_tick = 0, 0.0
    try:
        while not stop.is_set():
            if time.monotonic() >= next_tick:
                run_schedule_safely(echo)
                next_tick = time.monotonic() + tick
            try:
                job = jobs.claim_next()
            except sa.exc.SQLAlchemyError as exc:
                # the database is away (restart, network): wait and try again, never exit
                db.session.rollback()
                db.session.remove()
                echo(f"worker: database unavailable ({type(exc).__name__}); retrying in 5 s")
                stop.wait(5)
                continue
            if job is None:
                if burst:
                    break
                stop.wait(poll)
                continue
            echo(f"job #{job.id} {job.kind}: started {job.params or ''}".rstrip())
            finished = jobs.run_job(job.id, _console_progress(job, echo), claimed=True)
            ran += 1
            if finished is not None:
                first_error = (finished.error or "").splitlines()[:1]
                echo(
                    f"job #{finished.id} {finished.kind}: {finished.status} "
                    f"{finished.result if finished.status == 'done' else first_error}"
                )
            db.session.remove()
    except KeyboardInterrupt:
        echo("worker stopped")
    return ran


def _schedule_thread(
    app: Flask, echo: Echo, stop: threading.Event, tick: float
) -> threading.Thread:
    def loop() -> None:
        with app.app_context():
            while not stop.is_set():
                run_schedule_safely(echo)
                db.session.remove()
                stop.wait(tick)

    thread = threading.Thread(target=loop, name="schedule", daemon=True)
    thread.start()
    return thread


def work_rq(
    echo: Echo = print, *, burst: bool = False, tick: float = schedule.TICK_SECONDS
) -> None:
    """RQ worker on the "dekom" queue (needs REDIS_URL), with the schedule in a side thread."""
    from redis import Redis
    from rq import Queue, Worker

    redis_url = current_app.config["REDIS_URL"]
    jobs._import_job_modules()
    # RQ runs each job in a forked child: it must open its own database connections
    engine = db.engine
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    stop = threading.Event()
    if burst:
        run_schedule_safely(echo)
    else:
        _schedule_thread(current_app._get_current_object(), echo, stop, tick)
    echo(
        f"worker {jobs.worker_name()}: RQ queue {jobs.QUEUE_NAME!r} on Redis, schedule every {tick:g} s"
    )
    connection = Redis.from_url(redis_url)
    try:
        Worker([Queue(jobs.QUEUE_NAME, connection=connection)], connection=connection).work(
            burst=burst
        )
    finally:
        stop.set()
