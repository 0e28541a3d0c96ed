"""Write audit events for evaluator and admin actions."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from ..extensions import db
from ..models import AuditEvent


def record(
    action: str,
    *,
    target: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    user: Any = None,
    actor: str | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits it with the change it describes)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        user_id=getattr(user, "id", None),
        actor=actor or getattr(user, "email", None) or "cli",
        action=action,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=str(getattr(target, "id", "")) if target is not None else None,
        before=before,
        after=after,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
