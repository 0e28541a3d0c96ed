"""The panel list's query: persons with contact and organisation, filtered as on the panel page."""

from __future__ import annotations

import sqlalchemy as sa

from questionnaires.model import FYLKER, ROLES

from ..models import Contact, Organisation, Person


def panel_query(role: str | None, fylke: str | None, status: str, q: str = "") -> sa.Select:
    """Persons (with contact and organisation) by role, fylke, status and a search text."""
    query = (
        sa.select(Person, Contact, Organisation)
        .outerjoin(Contact, Contact.person_id == Person.id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
    )
    if role in ROLES:
        query = query.where(Person.role == role)
    if fylke in FYLKER:
        query = query.where(Person.fylke == fylke)
    if status == "active":
        query = query.where(Person.left_at.is_(None))
    elif status == "left":
        query = query.where(Person.left_at.is_not(None))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Contact.name).like(like),
                Contact.email.like(like),
                Person.panel_id == q.upper(),
                Person.external_id == q,
            )
        )
    return query
