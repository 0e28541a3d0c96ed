"""The respondent panel: organisations, persons with a stable pseudonymous id, and contact data."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaires.model import ROLES

from ..extensions import db
from .types import UTCDateTime, utcnow

ORGANISATION_KINDS = (
    "kommune",
    "fylkeskommune",
    "privat_skoleeier",
    "skole",
    "uh",
    "kompetansenettverk",
    "fylke",
)
PANEL_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_panel_id() -> str:
    """A random, readable pseudonymous id such as ``P-7KQ2-M9XD``."""
    chars = "".join(secrets.choice(PANEL_ID_ALPHABET) for _ in range(8))
    return f"P-{chars[:4]}-{chars[4:]}"


class Organisation(db.Model):
    """A skoleeier (kommune/fylkeskommune/private), school, UH institution, network or county."""

    __tablename__ = "organisation"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('kommune', 'fylkeskommune', 'privat_skoleeier', 'skole', 'uh', "
            "'kompetansenettverk', 'fylke')",
            name="kind_known",
        ),
        sa.UniqueConstraint("kind", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Norwegian organisation number (9 digits), when known
    org_number: Mapped[str | None] = mapped_column(sa.String(9), unique=True)
    fylke: Mapped[str | None] = mapped_column(sa.String(40))
    #: e.g. the skoleeier a school belongs to
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))

    def __repr__(self) -> str:
        return f"<Organisation {self.kind} {self.name}>"


class Person(db.Model):
    """A member of the panel: role, organisation and a pseudonymous id that never changes."""

    __tablename__ = "person"
    __table_args__ = (
        sa.CheckConstraint(f"role IN ({', '.join(map(repr, ROLES))})", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable pseudonymous id across waves; the only person key analysis ever sees
    panel_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_panel_id)
    role: Mapped[str] = mapped_column(sa.String(32), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    fylke: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    #: the kompetansenettverk (an organisation of kind 'kompetansenettverk')
    network_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    #: the evaluator's own id for the person, from the panel file
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: set when the person leaves the panel; they are kept, never deleted
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    network: Mapped[Organisation | None] = relationship(foreign_keys=[network_id])
    contact: Mapped[Contact | None] = relationship(
        back_populates="person", cascade="all, delete-orphan", uselist=False
    )

    @property
    def active(self) -> bool:
        """True while the person is in the panel."""
        return self.left_at is None

    def __repr__(self) -> str:
        return f"<Person {self.panel_id} {self.role}>"


class Contact(db.Model):
    """Name and e-mail, kept apart so they can be erased without touching any answer."""

    __tablename__ = "contact"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    #: stored lower-cased; unique across the panel
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(back_populates="contact")
