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

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from babel.dates import format_date
from flask import current_app
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Answer, Contact, Invitation, Person, Response, Wave, utcnow
from . import jobs
from .mailer import PermanentFailure, TransientFailure, build_message, render_mail, transport
from .tokens import survey_url

Progress = Callable[[int, int | None], None]
CONNECTION_BATCH = 500  # messages per SMTP connection
ROLE_LABELS = {
    "nb": {"skoleeier": "skoleeier", "skoleleder": "skoleleder", "tillitsvalgt": "tillitsvalgt",
           "uh": "ansatt i UH-sektoren"},
    "nn": {"skoleeier": "skuleeigar", "skoleleder": "skuleleiar", "tillitsvalgt": "tillitsvald",
           "uh": "tilsett i UH-sektoren"},
    "en": {"skoleeier": "a school owner", "skoleleder": "a school leader",
           "tillitsvalgt": "a union representative", "uh": "a university or college employee"},
}


class SendingError(RuntimeError):
    """Sending cannot start or go on (wave closed, SMTP unreachable)."""


def mail_context(invitation: Invitation, language: str) -> dict[str, Any]:
    """Template variables for one invitation's e-mail."""
    wave = invitation.wave
    contact = invitation.person.contact
    closes = None
    if wave.closes_at is not None:
        closes = format_date(wave.closes_at.date(), "d. MMMM y" if language != "en" else "d MMMM y",
                             locale=language if language in ("nb", "nn", "en") else "nb")
    return {
        "name": contact.name if contact else "",
        "wave_name": wave.name,
        "url": survey_url(invitation),
        "closes_at": closes,
        "role_label": ROLE_LABELS.get(language, ROLE_LABELS["nb"]).get(invitation.person.role, ""),
    }


def render_for(invitation: Invitation, kind: str, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML of ``kind`` for ``invitation``."""
    return render_mail(kind, language, mail_context(invitation, language))


def _message(invitation: Invitation, kind: str, language: str, round_no: int):
    subject, text, html = render_for(invitation, kind, language)
    contact = invitation.person.contact
    domain = current_app.config["MAIL_FROM"].rsplit("@", 1)[-1].strip("> ") or "dekom-eval.local"
    message_id = f"<dekom-{kind}{round_no}-w{invitation.wave_id}-i{invitation.id}@{domain}>"
    return build_message(contact.name, contact.email, subject, text, html, message_id)


def _load(ids: list[int]) -> dict[int, Invitation]:
    rows = db.session.scalars(
        sa.select(Invitation).where(Invitation.id.in_(ids))
        .options(joinedload(Invitation.person).joinedload(Person.contact), joinedload(Invitation.wave)))
    return {inv.id: inv for inv in rows}


def _update(invitation_id: int, **values) -> int:
    result = db.session.execute(
        sa.update(Invitation).where(Invitation.id == invitation_id).values(**values),
        execution_options={"synchronize_session": False})
    return result.rowcount


def _deliver(ids: list[int], claim: Callable[[int], Any], kind_of: Callable[[Invitation], str],
             on_sent: Callable[[int], dict], on_failed: Callable[[int, str], dict],
             language: str, progress: Progress | None) -> dict[str, int]:
    """Claim, send and mark each invitation in ``ids``; returns counts."""
    session = db.session()
    keep = session.expire_on_commit
    # One commit per message: keep the loaded rows instead of reloading them after every commit.
    session.expire_on_commit = False
    try:
        return _deliver_loop(ids, claim, kind_of, on_sent, on_failed, language, progress)
    finally:
        session.expire_on_commit = keep


def _deliver_loop(ids, claim, kind_of, on_sent, on_failed, language, progress) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    total = len(ids)
    done = 0
    for start in range(0, total, CONNECTION_BATCH):
        chunk = ids[start:start + CONNECTION_BATCH]
        invitations = _load(chunk)
        with transport() as tx:
            for inv_id in chunk:
                claimed = db.session.execute(claim(inv_id), execution_options={"synchronize_session": False})
                db.session.commit()  # also commits the previous message's mark
                done += 1
                invitation = invitations.get(inv_id)
                if claimed.rowcount != 1 or invitation is None:
                    counts["skipped"] += 1
                    continue
                if invitation.person.contact is None:
                    _update(inv_id, **on_failed(inv_id, "no contact data (erased)"))
                    counts["failed"] += 1
                    continue
                kind = kind_of(invitation)
                try:
                    tx.send(_message(invitation, kind, language, invitation.reminder_count + (kind != "invitation")))
                except PermanentFailure as exc:
                    _update(inv_id, **on_failed(inv_id, str(exc)))
                    counts["failed"] += 1
                except TransientFailure as exc:
                    # Not delivered: release the row so a later run sends it, and stop here.
                    _update(inv_id, claimed_at=None, last_error=str(exc))
                    db.session.commit()
                    raise SendingError(f"stopped after {counts['sent']} sent: {exc}") from exc
                else:
                    _update(inv_id, **on_sent(inv_id))
                    counts[kind] = counts.get(kind, 0) + 1
                    counts["sent"] += 1
                if progress is not None:
                    progress(done, total)
        db.session.commit()
    db.session.commit()
    if progress is not None:
        progress(total, total)
    return counts


def _revoke_leavers(wave_id: int) -> int:
    leavers = sa.select(Person.id).where(Person.left_at.is_not(None))
    return db.session.execute(
        sa.update(Invitation).where(Invitation.wave_id == wave_id, Invitation.status == "pending",
                                    Invitation.claimed_at.is_(None), Invitation.person_id.in_(leavers))
        .values(status="revoked"), execution_options={"synchronize_session": False}).rowcount or 0


def send_invitations(wave_id: int, language: str = "nb", progress: Progress | None = None) -> dict:
    """Send every pending, unclaimed invitation of the wave once; returns counts."""
    wave = db.session.get(Wave, wave_id)
    if wave is None or wave.status == "closed":
        raise SendingError(f"wave {wave_id} is missing or closed")
    revoked = _revoke_leavers(wave_id)
    db.session.commit()
    ids = list(db.session.scalars(
        sa.select(Invitation.id).where(Invitation.wave_id == wave_id, Invitation.status == "pending",
                                       Invitation.claimed_at.is_(None)).order_by(Invitation.id)))

    def claim(inv_id: int):
        return (sa.update(Invitation)
                .where(Invitation.id == inv_id, Invitation.status == "pending", Invitation.claimed_at.is_(None))
                .values(claimed_at=utcnow()))

    def on_sent(_id: int) -> dict:
        return {"status": "sent", "sent_at": utcnow(), "claimed_at": None, "last_error": None}

    def on_failed(_id: int, error: str) -> dict:
        return {"status": "failed", "claimed_at": None, "last_error": error[:2000]}

    counts = _deliver(ids, claim, lambda inv: "invitation", on_sent, on_failed, language, progress)
    return {**counts, "revoked": revoked, "wave_id": wave_id, "language": language}


def reminder_candidates(wave: Wave, max_reminders: int, min_days: int):
    """SELECT of (invitation id, has answers) for invitations due a reminder now."""
    cutoff = utcnow() - timedelta(days=min_days)
    has_answers = (sa.select(Answer.id).join(Response, Response.id == Answer.response_id)
                   .where(Response.invitation_id == Invitation.id).exists())
    not_complete = ~sa.select(Response.id).where(Response.invitation_id == Invitation.id,
                                                 Response.status == "complete").exists()
    return (sa.select(Invitation.id, has_answers.label("has_answers"))
            .join(Person, Person.id == Invitation.person_id)
            .where(Invitation.wave_id == wave.id, Invitation.status == "sent",
                   Invitation.claimed_at.is_(None), Invitation.submitted_at.is_(None),
                   Invitation.reminder_count < max_reminders,
                   sa.func.coalesce(Invitation.last_reminded_at, Invitation.sent_at) <= cutoff,
                   Person.left_at.is_(None), not_complete)
            .order_by(Invitation.id))


def send_reminders(wave_id: int, language: str = "nb", max_reminders: int = 3, min_days: int = 7,
                   progress: Progress | None = None) -> dict:
    """Remind non-responders (at most N each, at least D days apart); half-way variant for partial."""
    wave = db.session.get(Wave, wave_id)
    if wave is None or wave.status != "open":
        raise SendingError(f"wave {wave_id} is missing or not open; reminders go out only while open")
    rows = db.session.execute(reminder_candidates(wave, max_reminders, min_days)).all()
    ids = [r[0] for r in rows]
    partial = {r[0] for r in rows if r[1]}
    seen = dict(db.session.execute(sa.select(Invitation.id, Invitation.reminder_count)
                                   .where(Invitation.id.in_(ids))).all()) if ids else {}
    cutoff = utcnow() - timedelta(days=min_days)

    def claim(inv_id: int):
        # reminder_count must be what we saw: a reminder round is claimed exactly once.
        return (sa.update(Invitation)
                .where(Invitation.id == inv_id, Invitation.claimed_at.is_(None),
                       Invitation.submitted_at.is_(None), Invitation.status == "sent",
                       Invitation.reminder_count == seen.get(inv_id, -1),
                       sa.func.coalesce(Invitation.last_reminded_at, Invitation.sent_at) <= cutoff)
                .values(claimed_at=utcnow()))

    def on_sent(_id: int) -> dict:
        return {"reminder_count": Invitation.reminder_count + 1, "last_reminded_at": utcnow(),
                "claimed_at": None, "last_error": None}

    def on_failed(_id: int, error: str) -> dict:
        return {"status": "failed", "claimed_at": None, "last_error": error[:2000]}

    def kind_of(inv: Invitation) -> str:
        return "reminder_partial" if inv.id in partial else "reminder"

    counts = _deliver(ids, claim, kind_of, on_sent, on_failed, language, progress)
    return {**counts, "wave_id": wave_id, "language": language,
            "max_reminders": max_reminders, "min_days": min_days}


def uncertain_query(wave_id: int):
    """SELECT of invitations claimed by a sender that died (maybe sent, maybe not)."""
    timeout = current_app.config.get("INVITATION_CLAIM_TIMEOUT", 900)
    return (sa.select(Invitation).where(
        Invitation.wave_id == wave_id, Invitation.claimed_at.is_not(None),
        Invitation.claimed_at < utcnow() - timedelta(seconds=timeout)).order_by(Invitation.id))


def release_uncertain(wave_id: int) -> list[int]:
    """Clear the claim of uncertain invitations so the next run sends them again (caller commits)."""
    ids = [inv.id for inv in db.session.scalars(uncertain_query(wave_id))]
    if ids:
        db.session.execute(sa.update(Invitation).where(Invitation.id.in_(ids)).values(claimed_at=None),
                           execution_options={"synchronize_session": False})
    return ids


def delivery_counts(wave_id: int) -> dict[str, int]:
    """Invitations per delivery status, plus reminders sent and uncertain rows."""
    counts = dict(db.session.execute(
        sa.select(Invitation.status, sa.func.count()).where(Invitation.wave_id == wave_id)
        .group_by(Invitation.status)).all())
    counts["reminders"] = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Invitation.reminder_count), 0))
        .where(Invitation.wave_id == wave_id)) or 0
    counts["uncertain"] = db.session.scalar(
        sa.select(sa.func.count()).select_from(uncertain_query(wave_id).subquery())) or 0
    counts["total"] = sum(counts.get(s, 0) for s in ("pending", "sent", "failed", "revoked"))
    return counts


def failed_invitations(wave_id: int, limit: int = 200) -> list[tuple[Invitation, Contact | None]]:
    """Failed invitations with the recipient and the recorded error (evaluator only)."""
    return list(db.session.execute(
        sa.select(Invitation, Contact).outerjoin(Contact, Contact.person_id == Invitation.person_id)
        .where(Invitation.wave_id == wave_id, Invitation.status == "failed")
        .order_by(Invitation.id).limit(limit)).all())


@jobs.register("invitations.send")
def send_job(job, progress: Progress) -> dict:
    """Job: send a wave's pending invitations (params: wave_id, language)."""
    return send_invitations(job.params["wave_id"], job.params.get("language", "nb"), progress)


@jobs.register("invitations.remind")
def remind_job(job, progress: Progress) -> dict:
    """Job: send reminders (params: wave_id, language, max_reminders, min_days)."""
    p = job.params
    return send_reminders(p["wave_id"], p.get("language", "nb"), int(p.get("max_reminders", 3)),
                          int(p.get("min_days", 7)), progress)
