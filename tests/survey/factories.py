"""Small factories for respondent tests: a questionnaire version, a wave, a person and a link."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from factories import add_invitation, add_person, add_wave  # tests/factories.py

from webapp.domain.questionnaires import import_file
from webapp.extensions import db
from webapp.models import Answer, Organisation, Response, utcnow

DATA = Path(__file__).resolve().parent / "data"
MINI = DATA / "mini.yaml"
ROOT = Path(__file__).resolve().parents[2]
SKOLELEDER = ROOT / "questionnaires" / "skoleleder.yaml"


@dataclass
class Link:
    """A created invitation: its token and ids."""

    token: str
    invitation_id: int
    wave_id: int
    person_id: int

    @property
    def url(self) -> str:
        """The path of the personal link."""
        return f"/s/{self.token}"


def make_wave(path: Path = MINI, status: str = "open", name: str = "Testbølge 2025") -> int:
    """A wave in ``status`` whose skoleleder questionnaire is the one in ``path``."""
    version, _ = import_file(path)
    wave = add_wave(name, 2025, status, {version.role: version.id})
    db.session.commit()
    return wave.id


def make_link(wave_id: int, role: str = "skoleleder", status: str = "sent") -> Link:
    """A person of ``role`` with an invitation to the wave; returns the token."""
    org = Organisation(kind="skole", name=f"Testskole {utcnow().timestamp()}")
    person = add_person(role, "Vestland", organisation=org)
    inv, token = add_invitation(wave_id, person, status)
    db.session.commit()
    return Link(token, inv.id, wave_id, person.id)


def response_for(link: Link) -> Response | None:
    """The response of a link, fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Response).where(Response.invitation_id == link.invitation_id)
    )


def stored(link: Link) -> dict:
    """The stored answers of a link as item code -> value."""
    resp = response_for(link)
    if resp is None:
        return {}
    rows = db.session.scalars(sa.select(Answer).where(Answer.response_id == resp.id))
    return {a.item_code: a.value for a in rows}


def snapshot(link: Link) -> tuple:
    """Everything stored for a link (to prove a refused post changed nothing)."""
    resp = response_for(link)
    if resp is None:
        return (None,)
    rows = db.session.scalars(
        sa.select(Answer).where(Answer.response_id == resp.id).order_by(Answer.item_code)
    )
    return (
        resp.status,
        resp.revision,
        resp.current_page,
        resp.language,
        resp.submitted_at,
        tuple(
            (a.item_code, a.value_num, a.value_text, repr(a.value_list), a.missing_code)
            for a in rows
        ),
    )
