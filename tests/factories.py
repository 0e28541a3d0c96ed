"""One place that builds panel rows for tests: persons, invitations, responses and answers.

The folder helpers (survey/factories.py, console/conftest.py, coding/conftest.py,
exports/conftest.py) build their scenes from these, so a change to the tables is mended here
once. Each function adds its rows to the session; the caller commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from webapp.extensions import db
from webapp.infra.tokens import assign_token
from webapp.models import (
    Answer,
    Contact,
    Invitation,
    Organisation,
    Person,
    Response,
    Wave,
    WaveQuestionnaire,
    utcnow,
)
from webapp.models.response import answer_columns


def add_wave(name: str, year: int, status: str, versions: dict[str, int] | None = None) -> Wave:
    """A wave whose roles answer the given questionnaire versions (role -> version id)."""
    wave = Wave(name=name, year=year, status=status)
    for role, version_id in (versions or {}).items():
        wave.questionnaires.append(
            WaveQuestionnaire(role=role, questionnaire_version_id=version_id)
        )
    db.session.add(wave)
    db.session.flush()
    return wave


def network(name: str, fylke: str) -> Organisation:
    """The kompetansenettverk called ``name``, made when it does not exist yet."""
    net = (
        db.session.query(Organisation).filter_by(kind="kompetansenettverk", name=name).one_or_none()
    )
    if net is None:
        net = Organisation(kind="kompetansenettverk", name=name, fylke=fylke)
        db.session.add(net)
    return net


def add_person(
    role: str = "skoleleder",
    fylke: str | None = "Vestland",
    *,
    name: str | None = None,
    email: str | None = None,
    organisation: Organisation | None = None,
    network: Organisation | None = None,
    external_id: str | None = None,
    left_at: datetime | None = None,
) -> Person:
    """A panel member; with contact data when ``name`` or ``email`` is given."""
    person = Person(
        role=role,
        fylke=fylke,
        organisation=organisation,
        network=network,
        external_id=external_id,
        left_at=left_at,
    )
    if name is not None or email is not None:
        person.contact = Contact(name=name, email=email)
    db.session.add(person)
    return person


def add_invitation(
    wave_id: int, person: Person, status: str = "sent", sent_at: datetime | None = None
) -> tuple[Invitation, str]:
    """An invitation of ``person`` to the wave with a real token (sent now when ``status`` is
    "sent" and no ``sent_at`` is given); returns it and its token."""
    if sent_at is None and status == "sent":
        sent_at = utcnow()
    inv = Invitation(wave_id=wave_id, person=person, status=status, sent_at=sent_at)
    token = assign_token(inv)
    db.session.add(inv)
    db.session.flush()
    return inv, token


def add_response(
    inv: Invitation,
    version_id: int,
    status: str = "complete",
    started_at: datetime | None = None,
    submitted_at: datetime | None = None,
) -> Response:
    """The response to ``inv`` on questionnaire version ``version_id`` (a complete one is
    submitted now unless ``submitted_at`` is given)."""
    if submitted_at is None and status == "complete":
        submitted_at = utcnow()
    resp = Response(
        invitation_id=inv.id,
        wave_id=inv.wave_id,
        person_id=inv.person_id,
        questionnaire_version_id=version_id,
        status=status,
        submitted_at=submitted_at,
    )
    if started_at is not None:
        resp.started_at = started_at
    db.session.add(resp)
    db.session.flush()
    return resp


def add_answer(response_id: int, item_code: str, value: Any) -> Answer:
    """One stored answer, encoded as the app stores it (None = an item with no value)."""
    columns = answer_columns(value) if value is not None else {}
    answer = Answer(response_id=response_id, item_code=item_code, **columns)
    db.session.add(answer)
    return answer
