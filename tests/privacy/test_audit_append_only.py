"""The audit trail is append-only in the database itself: UPDATE and DELETE are refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from webapp.domain.audit import record
from webapp.extensions import db
from webapp.models import AuditEvent


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'forged'",
        "DELETE FROM audit_event",
    ],
)
def test_database_refuses_changing_or_deleting_audit_events(app_ctx, statement):
    record("test.event", after={"n": 1}, actor="cli")
    db.session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(sa.text(statement))
        db.session.commit()
    db.session.rollback()
    assert db.session.scalars(sa.select(AuditEvent.action)).all() == ["test.event"]
