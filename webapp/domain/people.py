"""A person's GDPR rights: everything stored about them (access) and erasure of their contact data.

Erasure rule (docs/privacy.md): the contact row goes; the person keeps the pseudonymous panel
id, role, fylke, organisation and network and their answers, so the panel's figures do not
change. In every free-text answer and coder memo in the database (theirs and anyone else's),
their full name, each part of it of three letters or more (in their own answers only), their
e-mail address and, in their own answers, every e-mail address and phone number become
``[fjernet]``. The evaluator's external id and invitation errors are cleared, open invitations
revoked, their ``.eml`` files deleted from the outbox and their rows taken out of pending panel
imports. The audit trail never holds a name or an e-mail address (only keyed fingerprints), so it
stays as it is, and gets one ``person.erase`` event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from evaluation.export.redact import Redactor

from ..extensions import db
from ..models import (
    Answer,
    AuditEvent,
    Contact,
    Invitation,
    Organisation,
    Person,
    Response,
    Wave,
    utcnow,
)
from ..models.coding import CodingDecision, CodingMemo, CodingResolution, CodingSuggestion
from .audit import record


class PersonNotFound(LookupError):
    """No person with that panel id."""


def find_person(panel_id: str) -> Person:
    """The person with ``panel_id`` (case-insensitive); raises PersonNotFound."""
    person = db.session.scalar(
        sa.select(Person).where(Person.panel_id == (panel_id or "").strip().upper())
    )
    if person is None:
        raise PersonNotFound(f"no person with panel id {panel_id!r}")
    return person


def fingerprint(value: str | None) -> str | None:
    """A keyed fingerprint of a contact value for the audit trail: never the value itself."""
    if value is None:
        return None
    key = current_app.config["PSEUDONYM_KEY"].encode()
    return (
        "fp:"
        + hmac.new(key, b"audit:" + value.strip().lower().encode(), hashlib.sha256).hexdigest()[:12]
    )


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _org(org: Organisation | None) -> dict | None:
    if org is None:
        return None
    return {"name": org.name, "kind": org.kind, "org_number": org.org_number, "fylke": org.fylke}


def access_report(person: Person) -> dict[str, Any]:
    """Everything stored about ``person``: contact, organisation, invitations with their times,
    answers, coding of their free text and the audit events about them (JSON-ready)."""
    contact = person.contact
    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.person_id == person.id).order_by(Invitation.id)
    ).all()
    waves = {w.id: w for w in db.session.scalars(sa.select(Wave))}
    responses = []
    answer_ids: list[int] = []
    for response in db.session.scalars(
        sa.select(Response).where(Response.person_id == person.id).order_by(Response.id)
    ):
        answers = db.session.scalars(
            sa.select(Answer).where(Answer.response_id == response.id).order_by(Answer.id)
        ).all()
        answer_ids += [a.id for a in answers]
        wave = waves.get(response.wave_id)
        responses.append(
            {
                "wave": wave.name if wave else response.wave_id,
                "status": response.status,
                "language": response.language,
                "started_at": _iso(response.started_at),
                "updated_at": _iso(response.updated_at),
                "submitted_at": _iso(response.submitted_at),
                "answers": [
                    {
                        "item": a.item_code,
                        "number": a.value_num,
                        "text": a.value_text,
                        "choices": a.value_list,
                        "missing_code": a.missing_code,
                        "updated_at": _iso(a.updated_at),
                    }
                    for a in answers
                ],
            }
        )
    coding = []
    if answer_ids:
        item_of = dict(
            db.session.execute(
                sa.select(Answer.id, Answer.item_code).where(Answer.id.in_(answer_ids))
            ).all()
        )
        for s in db.session.scalars(
            sa.select(CodingSuggestion).where(CodingSuggestion.answer_id.in_(answer_ids))
        ):
            coding.append(
                {
                    "item": item_of[s.answer_id],
                    "by": "auto-coder",
                    "themes": s.themes,
                    "confidence": s.confidence,
                    "at": _iso(s.created_at),
                }
            )
        for d in db.session.scalars(
            sa.select(CodingDecision).where(CodingDecision.answer_id.in_(answer_ids))
        ):
            coding.append(
                {
                    "item": item_of[d.answer_id],
                    "by": f"coder {d.coder_id}",
                    "theme": d.theme_code,
                    "applied": d.applied,
                    "at": _iso(d.updated_at),
                }
            )
        for r in db.session.scalars(
            sa.select(CodingResolution).where(CodingResolution.answer_id.in_(answer_ids))
        ):
            coding.append(
                {
                    "item": item_of[r.answer_id],
                    "by": f"resolver {r.resolver_id}",
                    "theme": r.theme_code,
                    "applied": r.applied,
                    "at": _iso(r.updated_at),
                }
            )
        for m in db.session.scalars(
            sa.select(CodingMemo).where(CodingMemo.answer_id.in_(answer_ids))
        ):
            coding.append(
                {
                    "item": item_of[m.answer_id],
                    "by": f"coder {m.coder_id}",
                    "memo": m.text,
                    "at": _iso(m.updated_at),
                }
            )
    return {
        "generated_at": _iso(utcnow()),
        "person": {
            "panel_id": person.panel_id,
            "role": person.role,
            "fylke": person.fylke,
            "external_id": person.external_id,
            "created_at": _iso(person.created_at),
            "left_at": _iso(person.left_at),
        },
        "contact": (
            {"name": contact.name, "email": contact.email, "updated_at": _iso(contact.updated_at)}
            if contact
            else None
        ),
        "organisation": _org(person.organisation),
        "network": _org(person.network),
        "invitations": [
            {
                "wave": waves[i.wave_id].name if i.wave_id in waves else i.wave_id,
                "status": i.status,
                "created_at": _iso(i.created_at),
                "sent_at": _iso(i.sent_at),
                "reminders": i.reminder_count,
                "last_reminded_at": _iso(i.last_reminded_at),
                "opened_at": _iso(i.opened_at),
                "submitted_at": _iso(i.submitted_at),
                "last_error": i.last_error,
            }
            for i in invitations
        ],
        "responses": responses,
        "coding": coding,
        "audit": [
            {
                "at": _iso(e.at),
                "actor": e.actor,
                "action": e.action,
                "before": e.before,
                "after": e.after,
            }
            for e in audit_events_about(person)
        ],
    }


def audit_events_about(person: Person) -> list[AuditEvent]:
    """Audit events whose target is the person or that name their panel id."""
    mention = f"%{person.panel_id}%"
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(
                sa.or_(
                    sa.and_(
                        AuditEvent.target_type == "person", AuditEvent.target_id == str(person.id)
                    ),
                    sa.cast(AuditEvent.after, sa.Text).like(mention),
                    sa.cast(AuditEvent.before, sa.Text).like(mention),
                )
            )
            .order_by(AuditEvent.id)
        )
    )


def write_access(person: Person, folder: Path) -> list[Path]:
    """Write the access report of ``person`` as ``<panel_id>.json`` and ``<panel_id>.html`` in ``folder``."""
    from flask import render_template

    report = access_report(person)
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / f"{person.panel_id}.json"
    html_path = folder / f"{person.panel_id}.html"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    html_path.write_text(
        render_template("console/person_access.html", report=report), encoding="utf-8"
    )
    for path in (json_path, html_path):
        os.chmod(path, 0o600)
    record("person.access", target=person, after={"panel_id": person.panel_id})
    return [json_path, html_path]


def erasure_terms(contact: Contact | None) -> tuple[list[str], list[str]]:
    """(terms redacted everywhere, extra terms redacted in the person's own answers)."""
    if contact is None:
        return [], []
    everywhere = [t for t in (contact.name, contact.email) if t and len(t.strip()) >= 3]
    parts = [p for p in (contact.name or "").replace("-", " ").split() if len(p) >= 3]
    return everywhere, parts


def erase(person: Person) -> dict[str, Any]:
    """Erase the contact data of ``person`` as the module docstring describes (the caller commits);
    returns what was removed or changed."""
    contact = person.contact
    everywhere, own_parts = erasure_terms(contact)
    email = contact.email.lower() if contact else None
    counts: dict[str, Any] = {
        "panel_id": person.panel_id,
        "contact": 0,
        "answers_redacted": 0,
        "memos_redacted": 0,
        "invitations_revoked": 0,
        "outbox_files": 0,
        "import_rows": 0,
    }
    own = Redactor([*everywhere, *own_parts])
    general = Redactor(everywhere) if everywhere else None
    own_response_ids = set(
        db.session.scalars(sa.select(Response.id).where(Response.person_id == person.id))
    )
    for answer in db.session.scalars(sa.select(Answer).where(Answer.value_text.is_not(None))):
        redactor = own if answer.response_id in own_response_ids else general
        if redactor is None:
            continue
        text = _redact_terms_only(
            redactor, answer.value_text, keep_numbers=answer.response_id not in own_response_ids
        )
        if text != answer.value_text:
            answer.value_text = text
            counts["answers_redacted"] += 1
    if general is not None:
        for memo in db.session.scalars(sa.select(CodingMemo)):
            text = _redact_terms_only(general, memo.text, keep_numbers=True)
            if text != memo.text:
                memo.text = text
                counts["memos_redacted"] += 1
    for invitation in db.session.scalars(
        sa.select(Invitation).where(Invitation.person_id == person.id)
    ):
        invitation.last_error = None
        if invitation.status == "pending":
            invitation.status = "revoked"
            counts["invitations_revoked"] += 1
    if email:
        counts["outbox_files"] = _remove_outbox_files(email)
        counts["import_rows"] = _remove_from_pending_imports(email)
    if contact is not None:
        db.session.delete(contact)
        person.contact = None
        counts["contact"] = 1
    person.external_id = None
    if person.left_at is None:
        person.left_at = utcnow()
    db.session.flush()
    record("person.erase", target=person, after=counts)
    return counts


def _redact_terms_only(redactor: Redactor, text: str | None, keep_numbers: bool) -> str | None:
    """The redactor's output; for other people's text, only where it removed the terms (their own
    e-mail addresses and phone numbers are theirs to keep)."""
    if not text:
        return text
    if not keep_numbers:
        return redactor(text)
    return redactor.replace_terms(text)


def _remove_outbox_files(email: str) -> int:
    folder = Path(current_app.config["OUTBOX_DIR"])
    if not folder.is_dir():
        return 0
    needle = email.encode("utf-8")
    removed = 0
    for path in folder.glob("*.eml"):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if needle in data.lower():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _remove_from_pending_imports(email: str) -> int:
    from .panel_plan import import_dir

    folder = import_dir()
    removed = 0
    for path in folder.glob("*.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rows = data.get("parsed", {}).get("rows", [])
        kept = [r for r in rows if (r.get("email") or "").lower() != email]
        problems = data.get("parsed", {}).get("problems", [])
        kept_problems = [p for p in problems if email not in (p.get("value") or "").lower()]
        if len(kept) == len(rows) and len(kept_problems) == len(problems):
            continue
        removed += len(rows) - len(kept) + len(problems) - len(kept_problems)
        data["parsed"]["rows"], data["parsed"]["problems"] = kept, kept_problems
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        tmp.replace(path)
    return removed
