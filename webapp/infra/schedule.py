"""Scheduled tasks: a small registry that the job worker runs every minute.

Register a task in any module listed in :data:`TASK_MODULES`::

    from webapp.infra.schedule import scheduled

    @scheduled("retention.purge", every=timedelta(hours=1))
    def purge(now: datetime) -> dict:
        ...  # change the database; the scheduler commits after the function returns
        return {"purged": 12}

``flask jobs worker`` calls :func:`run_due` once a minute (``flask jobs tick`` once, e.g. from
cron). A task is due when its last start is at least ``every`` ago. Each worker claims a due task
with a conditional UPDATE on its ``scheduled_run`` row, so with several workers (several machines
sharing one database) a task runs once per period, not once per worker. The function gets the
time of the tick (aware UTC), may return a JSON-able dict (stored as the run's result), and must
be safe to run again: a worker that dies mid-task leaves it to the next period.
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from importlib.util import find_spec

import sqlalchemy as sa

from ..extensions import db
from ..models import ScheduledRun, UTCDateTime, utcnow

log = logging.getLogger("dekom.schedule")

TaskFunction = Callable[[datetime], dict | None]
#: modules whose import registers scheduled tasks (a missing one is skipped)
TASK_MODULES = ["webapp.domain.scheduled_tasks", "webapp.domain.retention"]
#: how often the worker looks for due tasks
TICK_SECONDS = 60


@dataclass(frozen=True)
class Task:
    """A registered scheduled task."""

    name: str
    every: timedelta
    fn: TaskFunction


_TASKS: dict[str, Task] = {}


def scheduled(
    name: str, every: timedelta = timedelta(minutes=1)
) -> Callable[[TaskFunction], TaskFunction]:
    """Decorator: run ``fn(now)`` at most once per ``every`` from the worker's schedule."""
    if every < timedelta(seconds=1):
        raise ValueError(f"scheduled task {name!r}: every must be at least one second")

    def decorate(fn: TaskFunction) -> TaskFunction:
        _TASKS[name] = Task(name=name, every=every, fn=fn)
        return fn

    return decorate


def registered_tasks() -> list[Task]:
    """Every registered task (after importing :data:`TASK_MODULES`), by name."""
    for module in TASK_MODULES:
        if find_spec(module) is not None:
            import_module(module)
    return [_TASKS[name] for name in sorted(_TASKS)]


def worker_name() -> str:
    """host:pid of this process, stored on what it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


_T = ScheduledRun.__table__


def _claim(task: Task, now: datetime) -> bool:
    """Claim this period of ``task`` for this process; True if no one else has (commits)."""
    if db.session.get(ScheduledRun, task.name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(ScheduledRun(name=task.name))
        except sa.exc.IntegrityError:
            pass  # another worker inserted it first
        db.session.commit()
    # a little slack so a task due every minute is not skipped when the tick comes a bit early
    slack = min(timedelta(seconds=5), task.every / 10)
    claimed = (
        db.session.execute(
            _T.update()
            .where(
                _T.c.name == task.name,
                sa.or_(
                    _T.c.started_at.is_(None),
                    _T.c.started_at <= sa.bindparam("due_before", type_=UTCDateTime),
                ),
            )
            .values(started_at=sa.bindparam("now", type_=UTCDateTime), worker=worker_name()),
            {"now": now, "due_before": now - task.every + slack},
        ).rowcount
        == 1
    )
    db.session.commit()
    return claimed


def _finish(name: str, status: str, result: dict | None, error: str | None) -> None:
    db.session.execute(
        _T.update()
        .where(_T.c.name == name)
        .values(finished_at=utcnow(), status=status, result=result, error=error)
    )
    db.session.commit()


def run_due(now: datetime | None = None) -> dict[str, dict]:
    """Run every task that is due and not claimed by another worker; ``{name: result}``.

    A failing task is logged and recorded on its ``scheduled_run`` row (``status='failed'``);
    the other tasks still run.
    """
    now = now or utcnow()
    outcomes: dict[str, dict] = {}
    for task in registered_tasks():
        if not _claim(task, now):
            continue
        try:
            result = task.fn(now)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - recorded, the other tasks go on
            db.session.rollback()
            log.exception("scheduled task %s failed", task.name)
            error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
            _finish(task.name, "failed", None, error)
            outcomes[task.name] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        result = result if isinstance(result, dict) or result is None else {"value": result}
        _finish(task.name, "done", result, None)
        outcomes[task.name] = result or {}
    return outcomes


def last_runs() -> dict[str, ScheduledRun]:
    """The stored last run of each task, by name."""
    return {run.name: run for run in db.session.scalars(sa.select(ScheduledRun))}
