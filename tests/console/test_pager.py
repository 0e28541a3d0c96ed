"""Long lists page through 'Side X av Y' with working previous/next links."""

from __future__ import annotations

from webapp.domain.audit import record
from webapp.extensions import db


def test_audit_log_pages_through_events(app, client, auth, users):
    with app.app_context():
        for i in range(230):
            record("test.event", actor="cli", after={"i": i})
        db.session.commit()
    auth.login(users["admin"])
    first = client.get("/console/audit").get_data(as_text=True)
    assert "Side 1 av 3" in first and "Neste" in first and "Forrige" not in first
    assert 'href="/console/audit?page=2' in first
    last = client.get("/console/audit?page=3").get_data(as_text=True)
    assert "Side 3 av 3" in last and "Forrige" in last
