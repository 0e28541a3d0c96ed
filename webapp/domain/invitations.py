"""Send invitations and reminders exactly once, outside the web request.

Each message goes through three steps on its invitation row:

1. claim: ``UPDATE invitation SET claimed_at = now WHERE id = :id AND <still due> AND
   claimed_at IS NULL``; only the sender whose UPDATE hit the row (rowcount 1) goes on;
2. send over the open SMTP connection (or into the outbox);
3. mark it sent (or failed) and clear ``claimed_at``.

The mark of one message and the claim of the next are committed together, so every message
costs one commit. If the process dies, at most the one message it was sending stays claimed:
such a row ("uncertain", claimed longer than ``INVITATION_CLAIM_TIMEOUT`` seconds ago) may or
may not have been delivered. It is never re-sent automatically; the console lists it and the
evaluator can release it for sending again. Everything else is sent exactly once on restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from babel.dates import format_date
from flask import current_app
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..infra import jobs
from ..infra.mailer import PermanentFailure, TransientFailure, build_message, render_mail, transport
from ..infra.tokens import privacy_url, reissue_if_needed, survey_url
from ..models import Answer, Contact, Invitation, Person, Response, UTCDateTime, Wave, utcnow

Progress = Callable[[int, int | None], None]
CONNECTION_BATCH = 500  # messages per SMTP connection
ROLE_LABELS = {
    "nb": {
        "skoleeier": "skoleeier",
        "skoleleder": "skoleleder",
        "tillitsvalgt": "tillitsvalgt",
        "uh": "ansatt i UH-sektoren",
    },
    "nn": {
        "skoleeier": "skuleeigar",
        "skoleleder": "skuleleiar",
        "tillitsvalgt": "tillitsvald",
        "uh": "tilsett i UH-sektoren",
    },
    "en": {
        "skoleeier": "a school owner",
        "skoleleder": "a school leader",
        "tillitsvalgt": "a union representative",
        "uh": "a university or college employee",
    },
}


class SendingError(RuntimeError):
    """Sending cannot start or go on (wave closed, SMTP unreachable)."""


def _closes_text(wave: Wave, language: str) -> str | None:
    if wave.closes_at is None:
        return None
    return _format_day(wave.closes_at.date(), language)


@lru_cache(maxsize=256)
def _format_day(day, language: str) -> str:
    pattern = "d MMMM y" if language == "en" else "d. MMMM y"
    return format_date(day, pattern, locale=language if language in ("nb", "nn", "en") else "nb")


_MINUTES: dict[str, str] = {}  # per content hash: versions never change


def minutes_text(wave: Wave, role: str) -> str:
    """How long the role's questionnaire in ``wave`` takes, «10–15»: the start page says the same."""
    version = wave.version_for(role)
    if version is None:
        return ""
    if version.content_hash not in _MINUTES:
        _MINUTES[version.content_hash] = version.questionnaire.minutes_text()
    return _MINUTES[version.content_hash]


def mail_context(invitation: Invitation, language: str) -> dict[str, Any]:
    """Template variables for one invitation's e-mail."""
    wave = invitation.wave
    contact = invitation.person.contact
    return {
        "minutes": minutes_text(wave, invitation.person.role),
        "name": contact.name if contact else "",
        "wave_name": wave.name,
        "url": survey_url(invitation, language),
        "privacy_url": privacy_url(language),
        "closes_at": _closes_text(wave, language),
        "role_label": ROLE_LABELS.get(language, ROLE_LABELS["nb"]).get(invitation.person.role, ""),
    }


def render_for(invitation: Invitation, kind: str, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of ``kind`` for ``invitation``."""
    return render_mail(kind, language, mail_context(invitation, language))


def _message(invitation: Invitation, kind: str, language: str, round_no: int, domain: str):
    subject, text, html = render_for(invitation, kind, language)
    contact = invitation.person.contact
    message_id = f"<dekom-{kind}{round_no}-w{invitation.wave_id}-i{invitation.id}@{domain}>"
    return build_message(contact.name, contact.email, subject, text, html, message_id)


def _mail_domain() -> str:
    return current_app.config["MAIL_FROM"].rsplit("@", 1)[-1].strip("> ") or "dekom-eval.local"


def _load(ids: list[int]) -> dict[int, Invitation]:
    rows = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.id.in_(ids))
        .options(
            joinedload(Invitation.person).joinedload(Person.contact), joinedload(Invitation.wave)
        )
    )
    return {inv.id: inv for inv in rows}


_T = Invitation.__table__
_NOW = sa.bindparam("now", type_=UTCDateTime)
_ID = sa.bindparam("iid")
#: statements built once: per message they only get new parameters (this loop runs 10 000 times)
FAILED = (
    _T.update()
    .where(_T.c.id == _ID)
    .values(status="failed", claimed_at=None, last_error=sa.bindparam("error"))
)
RELEASE = (
    _T.update().where(_T.c.id == _ID).values(claimed_at=None, last_error=sa.bindparam("error"))
)
CLAIM_INVITATION = (
    _T.update()
    .where(
        _T.c.id == _ID,
        _T.c.status == "pending",
        _T.c.claimed_at.is_(None),
        _T.c.submitted_at.is_(None),
    )
    .values(claimed_at=_NOW)
)
SENT_INVITATION = (
    _T.update()
    .where(_T.c.id == _ID)
    .values(status="sent", sent_at=_NOW, claimed_at=None, last_error=None)
)
# reminder_count must still be what the sender saw: each reminder round is claimed once.
CLAIM_REMINDER = (
    _T.update()
    .where(
        _T.c.id == _ID,
        _T.c.claimed_at.is_(None),
        _T.c.submitted_at.is_(None),
        _T.c.status == "sent",
        _T.c.reminder_count == sa.bindparam("seen"),
        sa.func.coalesce(_T.c.last_reminded_at, _T.c.sent_at)
        <= sa.bindparam("cutoff", type_=UTCDateTime),
    )
    .values(claimed_at=_NOW)
)
SENT_REMINDER = (
    _T.update()
    .where(_T.c.id == _ID)
    .values(
        reminder_count=_T.c.reminder_count + 1,
        last_reminded_at=_NOW,
        claimed_at=None,
        last_error=None,
    )
)


def _deliver(
    ids: list[int],
    claim: sa.Update,
    claim_params: Callable[[int], dict],
    sent: sa.Update,
    kind_of: Callable[[Invitation], str],
    language: str,
    progress: Progress | None,
) -> dict[str, int]:
    """Claim, send and mark each invitation in ``ids`` with a few sender threads; returns counts.

    Each thread has its own SMTP connection and database connection, and commits once per
    message (the mark of one message travels with the claim of the next). A loopback SMTP
    exchange is mostly waiting, so MAIL_SENDER_THREADS (default 4) senders overlap the waits.
    """
    app = current_app._get_current_object()
    threads = max(1, int(app.config.get("MAIL_SENDER_THREADS", 4)))
    if not app.config.get("SMTP_HOST") or len(ids) < 2 * threads:
        threads = 1
    stripes = [ids[i::threads] for i in range(threads)]
    shared = _Shared(len(ids))
    workers = [
        threading.Thread(
            target=_sender_thread,
            name=f"mail-sender-{i}",
            daemon=True,
            args=(app, stripe, claim, claim_params, sent, kind_of, language, shared),
        )
        for i, stripe in enumerate(stripes)
    ]
    for worker in workers:
        worker.start()
    while any(w.is_alive() for w in workers):
        for worker in workers:
            worker.join(timeout=0.5)
        if progress is not None:
            progress(shared.done, shared.total)
    if shared.errors:
        raise shared.errors[0]
    if progress is not None:
        progress(shared.total, shared.total)
    return dict(shared.counts)


class _Shared:
    """Counters and the stop flag shared by the sender threads."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.counts: dict[str, int] = {"sent": 0, "failed": 0, "skipped": 0}
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def add(self, key: str) -> None:
        """Count one outcome."""
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            if key in ("sent", "failed", "skipped"):
                self.done += 1


def _sender_thread(app, ids, claim, claim_params, sent, kind_of, language, shared: _Shared) -> None:
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                _deliver_loop(conn, ids, claim, claim_params, sent, kind_of, language, shared)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            shared.errors.append(exc)
            shared.stop.set()
        finally:
            db.session.remove()


def _deliver_loop(conn, ids, claim, claim_params, sent, kind_of, language, shared: _Shared) -> None:
    domain = _mail_domain()
    for start in range(0, len(ids), CONNECTION_BATCH):
        chunk = ids[start : start + CONNECTION_BATCH]
        invitations = _load(chunk)
        with transport() as tx:
            for inv_id in chunk:
                if shared.stop.is_set():
                    conn.commit()
                    return
                claimed = conn.execute(
                    claim, {"iid": inv_id, "now": utcnow(), **claim_params(inv_id)}
                )
                conn.commit()  # also commits the previous message's mark
                invitation = invitations.get(inv_id)
                if claimed.rowcount != 1 or invitation is None:
                    shared.add("skipped")
                    continue
                if invitation.person.contact is None:
                    conn.execute(FAILED, {"iid": inv_id, "error": "no contact data (erased)"})
                    shared.add("failed")
                    continue
                rekey = reissue_if_needed(invitation)
                if rekey is not None:  # made under a SECRET_KEY no longer configured: a new link
                    conn.execute(_T.update().where(_T.c.id == inv_id).values(**rekey))
                kind = kind_of(invitation)
                round_no = invitation.reminder_count + (kind != "invitation")
                try:
                    tx.send(_message(invitation, kind, language, round_no, domain))
                except PermanentFailure as exc:
                    conn.execute(FAILED, {"iid": inv_id, "error": str(exc)[:2000]})
                    shared.add("failed")
                except TransientFailure as exc:
                    # Not delivered: release the row so a later run sends it, and stop here.
                    conn.execute(RELEASE, {"iid": inv_id, "error": str(exc)[:2000]})
                    conn.commit()
                    raise SendingError(
                        f"stopped after {shared.counts['sent']} sent: {exc}"
                    ) from exc
                else:
                    conn.execute(sent, {"iid": inv_id, "now": utcnow()})
                    shared.add(kind)
                    shared.add("sent")
            conn.commit()
    conn.commit()


def _revoke_leavers(wave_id: int) -> int:
    leavers = sa.select(Person.id).where(Person.left_at.is_not(None))
    return (
        db.session.execute(
            sa.update(Invitation)
            .where(
                Invitation.wave_id == wave_id,
                Invitation.status == "pending",
                Invitation.claimed_at.is_(None),
                Invitation.person_id.in_(leavers),
            )
            .values(status="revoked"),
            execution_options={"synchronize_session": False},
        ).rowcount
        or 0
    )


def send_invitations(wave_id: int, language: str = "nb", progress: Progress | None = None) -> dict:
    """Send every pending, unclaimed invitation of the wave once; returns counts."""
    wave = db.session.get(Wave, wave_id)
    if wave is None or wave.status == "closed":
        raise SendingError(f"wave {wave_id} is missing or closed")
    revoked = _revoke_leavers(wave_id)
    db.session.commit()
    due = sa.select(Invitation.id).where(
        Invitation.wave_id == wave_id,
        Invitation.status == "pending",
        Invitation.claimed_at.is_(None),
    )
    ids = list(db.session.scalars(due.where(not_answered()).order_by(Invitation.id)))
    answered = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(due.where(~not_answered()).subquery())
        )
        or 0
    )
    counts = _deliver(
        ids,
        CLAIM_INVITATION,
        lambda _id: {},
        SENT_INVITATION,
        lambda inv: "invitation",
        language,
        progress,
    )
    return {
        **counts,
        "answered": answered,
        "revoked": revoked,
        "wave_id": wave_id,
        "language": language,
    }


def not_answered():
    """Condition: the invitation has no submitted answer (nobody who answered is mailed again)."""
    complete = (
        sa.select(Response.id)
        .where(Response.invitation_id == Invitation.id, Response.status == "complete")
        .exists()
    )
    return sa.and_(Invitation.submitted_at.is_(None), ~complete)


def reminder_candidates(wave: Wave, max_reminders: int, min_days: int):
    """SELECT of (invitation id, reminders so far, has answers) for invitations due a reminder."""
    cutoff = utcnow() - timedelta(days=min_days)
    has_answers = (
        sa.select(Answer.id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.invitation_id == Invitation.id)
        .exists()
    )
    return (
        sa.select(Invitation.id, Invitation.reminder_count, has_answers.label("has_answers"))
        .join(Person, Person.id == Invitation.person_id)
        .where(
            Invitation.wave_id == wave.id,
            Invitation.status == "sent",
            Invitation.claimed_at.is_(None),
            Invitation.submitted_at.is_(None),
            Invitation.reminder_count < max_reminders,
            sa.func.coalesce(Invitation.last_reminded_at, Invitation.sent_at) <= cutoff,
            Person.left_at.is_(None),
            not_answered(),
        )
        .order_by(Invitation.id)
    )


def send_reminders(
    wave_id: int,
    language: str = "nb",
    max_reminders: int = 3,
    min_days: int = 7,
    progress: Progress | None = None,
) -> dict:
    """Remind non-responders (at most N each, at least D days apart); half-way variant for partial."""
    wave = db.session.get(Wave, wave_id)
    if wave is None or wave.status != "open":
        raise SendingError(
            f"wave {wave_id} is missing or not open; reminders go out only while open"
        )
    rows = db.session.execute(reminder_candidates(wave, max_reminders, min_days)).all()
    ids = [r[0] for r in rows]
    seen = {r[0]: r[1] for r in rows}
    partial = {r[0] for r in rows if r[2]}
    cutoff = utcnow() - timedelta(days=min_days)

    def kind_of(inv: Invitation) -> str:
        return "reminder_partial" if inv.id in partial else "reminder"

    counts = _deliver(
        ids,
        CLAIM_REMINDER,
        lambda inv_id: {"seen": seen[inv_id], "cutoff": cutoff},
        SENT_REMINDER,
        kind_of,
        language,
        progress,
    )
    return {
        **counts,
        "wave_id": wave_id,
        "language": language,
        "max_reminders": max_reminders,
        "min_days": min_days,
    }


def uncertain_query(wave_id: int):
    """SELECT of invitations claimed by a sender that died (maybe sent, maybe not)."""
    timeout = current_app.config.get("INVITATION_CLAIM_TIMEOUT", 900)
    return (
        sa.select(Invitation)
        .where(
            Invitation.wave_id == wave_id,
            Invitation.claimed_at.is_not(None),
            Invitation.claimed_at < utcnow() - timedelta(seconds=timeout),
        )
        .order_by(Invitation.id)
    )


def release_uncertain(wave_id: int) -> list[int]:
    """Clear the claim of uncertain invitations so the next run sends them again (caller commits)."""
    ids = [inv.id for inv in db.session.scalars(uncertain_query(wave_id))]
    if ids:
        db.session.execute(
            sa.update(Invitation).where(Invitation.id.in_(ids)).values(claimed_at=None),
            execution_options={"synchronize_session": False},
        )
    return ids


def delivery_counts(wave_id: int) -> dict[str, int]:
    """Invitations per delivery status, plus reminders sent and uncertain rows."""
    counts = dict(
        db.session.execute(
            sa.select(Invitation.status, sa.func.count())
            .where(Invitation.wave_id == wave_id)
            .group_by(Invitation.status)
        ).all()
    )
    counts["reminders"] = (
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Invitation.reminder_count), 0)).where(
                Invitation.wave_id == wave_id
            )
        )
        or 0
    )
    counts["uncertain"] = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(uncertain_query(wave_id).subquery())
        )
        or 0
    )
    counts["total"] = sum(counts.get(s, 0) for s in ("pending", "sent", "failed", "revoked"))
    return counts


def failed_invitations(wave_id: int, limit: int = 200) -> list[tuple[Invitation, Contact | None]]:
    """Failed invitations with the recipient and the recorded error (evaluator only)."""
    return list(
        db.session.execute(
            sa.select(Invitation, Contact)
            .outerjoin(Contact, Contact.person_id == Invitation.person_id)
            .where(Invitation.wave_id == wave_id, Invitation.status == "failed")
            .order_by(Invitation.id)
            .limit(limit)
        ).all()
    )


@jobs.register("invitations.send")
def send_job(job, progress: Progress) -> dict:
    """Job: send a wave's pending invitations (params: wave_id, language)."""
    return send_invitations(job.params["wave_id"], job.params.get("language", "nb"), progress)


@jobs.register("invitations.remind")
def remind_job(job, progress: Progress) -> dict:
    """Job: send reminders (params: wave_id, language, max_reminders, min_days)."""
    p = job.params
    return send_reminders(
        p["wave_id"],
        p.get("language", "nb"),
        int(p.get("max_reminders", 3)),
        int(p.get("min_days", 7)),
        progress,
    )
