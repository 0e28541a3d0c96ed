"""Retention: remove contact data, sent e-mails, export bundles and panel uploads kept too long.

Settings (days or hours; 0 keeps the data until someone purges it by hand):

- ``RETAIN_CONTACT_DAYS``: contact data of persons who have left the panel, counted from the
  close of the last wave they were invited to (or from when they left, if never invited).
  The erasure is the same as ``flask people erase`` (webapp/domain/people.py).
- ``RETAIN_OUTBOX_DAYS``: ``.eml`` files in OUTBOX_DIR, counted from the close of their wave (the
  wave id is in the file name); files of no wave, or of a wave still open, by their age.
- ``RETAIN_EXPORT_DAYS``: export bundles (EXPORT_DIR/job_<id>/), counted from when they were built.
- ``RETAIN_IMPORT_HOURS``: parsed panel uploads waiting for confirmation (instance/panel_imports).

The worker runs :func:`purge` every hour (webapp/infra/schedule.py); ``flask retention purge``
runs it at once and prints what it removed.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..infra.schedule import scheduled
from ..models import Invitation, Person, Wave, utcnow
from .audit import record
from .people import erase

_WAVE_IN_NAME = re.compile(r"-w(\d+)-i\d+")


def _closed_at(wave: Wave | None) -> datetime | None:
    if wave is None or wave.status != "closed":
        return None
    return wave.closes_at


def _mtime(path: Path) -> datetime:
    from datetime import UTC

    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def purge_contacts(now: datetime, days: int) -> list[str]:
    """Erase the contact data of persons who left the panel more than ``days`` after their last wave closed."""
    if days <= 0:
        return []
    cutoff = now - timedelta(days=days)
    waves = {w.id: w for w in db.session.scalars(sa.select(Wave))}
    erased = []
    leavers = db.session.scalars(
        sa.select(Person).where(Person.left_at.is_not(None)).order_by(Person.id)
    )
    for person in leavers:
        if person.contact is None:
            continue
        wave_ids = db.session.scalars(
            sa.select(Invitation.wave_id).where(Invitation.person_id == person.id)
        ).all()
        ends = [_closed_at(waves.get(w)) for w in wave_ids]
        if any(end is None for end in ends):  # a wave of theirs is still open or planned
            continue
        since = max([e for e in ends if e is not None], default=person.left_at)
        if since is not None and since <= cutoff:
            erase(person)
            erased.append(person.panel_id)
    return erased


def purge_outbox(now: datetime, days: int) -> list[str]:
    """Delete ``.eml`` files older than ``days`` after their wave closed."""
    folder = Path(current_app.config["OUTBOX_DIR"])
    if days <= 0 or not folder.is_dir():
        return []
    cutoff = now - timedelta(days=days)
    waves = {w.id: w for w in db.session.scalars(sa.select(Wave))}
    removed = []
    for path in sorted(folder.glob("*.eml")):
        match = _WAVE_IN_NAME.search(path.name)
        closed = _closed_at(waves.get(int(match.group(1)))) if match else None
        since = closed or _mtime(path)
        if since <= cutoff:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def purge_exports(now: datetime, days: int) -> list[str]:
    """Delete export bundles built more than ``days`` ago."""
    folder = Path(current_app.config["EXPORT_DIR"])
    if days <= 0 or not folder.is_dir():
        return []
    cutoff = now - timedelta(days=days)
    removed = []
    for path in sorted(folder.iterdir()):
        if _mtime(path) <= cutoff:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def purge_imports(now: datetime, hours: int) -> list[str]:
    """Delete parsed panel uploads that waited more than ``hours`` for confirmation."""
    from .panel_plan import import_dir

    folder = import_dir()
    if hours <= 0:
        return []
    cutoff = now - timedelta(hours=hours)
    removed = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and _mtime(path) <= cutoff:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def purge(now: datetime | None = None) -> dict[str, list[str]]:
    """Apply every retention setting (the caller commits); returns what was removed, by kind."""
    now = now or utcnow()
    c = current_app.config
    removed = {
        "contacts": purge_contacts(now, c.get("RETAIN_CONTACT_DAYS", 0)),
        "outbox": purge_outbox(now, c.get("RETAIN_OUTBOX_DAYS", 0)),
        "exports": purge_exports(now, c.get("RETAIN_EXPORT_DAYS", 0)),
        "imports": purge_imports(now, c.get("RETAIN_IMPORT_HOURS", 0)),
    }
    if any(removed.values()):
        record(
            "retention.purge",
            actor="schedule",
            after={k: len(v) for k, v in removed.items()}
            | {"contacts_erased": removed["contacts"][:500]},
        )
    return removed


@scheduled("retention.purge", every=timedelta(hours=1))
def scheduled_purge(now: datetime) -> dict:
    """The hourly purge run by the worker; returns counts per kind."""
    return {k: len(v) for k, v in purge(now).items()}
