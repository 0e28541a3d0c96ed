"""Factories for the coding tests: free-text answers from a few respondents in two waves."""

from __future__ import annotations

import uuid

import factories  # tests/factories.py
import pytest
from conftest import PASSWORD, make_user  # noqa: F401 - PASSWORD for the tests

from webapp.extensions import db
from webapp.models import QuestionnaireVersion, Wave

#: (text, role, year, fylke); written to hit the codebook's themes in different ways
ANSWERS = [
    ("Rektor satte av tid til fellesmøter, og alle lærerne deltok.", "skoleleder", 2023, "Oslo"),
    (
        "Samarbeidet med høgskolen ga oss faglig påfyll vi ikke hadde klart alene.",
        "skoleeier",
        2023,
        "Agder",
    ),
    (
        "Mellomarbeidet på skolen mellom samlingene var avgjørende for at noe endret seg i undervisningen.",
        "skoleleder",
        2021,
        "Vestland",
    ),
    (
        "Vi lærte opp ressurslærere som ledet arbeidet i sine team.",
        "tillitsvalgt",
        2023,
        "Nordland",
    ),
    (
        "Tiltaket var forskningsbasert, og vi leste teori sammen før vi prøvde ut i praksis.",
        "uh",
        2021,
        "Oslo",
    ),
    (
        "Det var en fin dag, og vi var godt fornøyde med hvordan alt gikk til slutt.",
        "skoleeier",
        2021,
        "Rogaland",
    ),
    (
        "Regionale samlinger der skolene delte erfaringer med hverandre ga mye.",
        "skoleleder",
        2023,
        "Troms",
    ),
    (
        "Tiltaket hang godt sammen med kommunens plan og andre satsinger vi allerede hadde.",
        "uh",
        2023,
        "Agder",
    ),
]
SECRET_NAME = "Hemmelig Navnesen"


def add_answer(
    text: str | None,
    role: str,
    year: int,
    fylke: str,
    version_ids: dict[str, int],
    status: str = "complete",
    item: str = "suksess_tekst",
) -> int:
    """One respondent with one free-text answer in the wave of ``year``; returns the answer id."""
    wave = db.session.query(Wave).filter_by(year=year).first()
    if wave is None:
        wave = factories.add_wave(f"Dekom {year}", year, "closed")
    person = factories.add_person(
        role, fylke, name=SECRET_NAME, email=f"{uuid.uuid4().hex[:10]}@example.no"
    )
    invitation, _token = factories.add_invitation(wave.id, person)
    response = factories.add_response(invitation, version_ids[role], status)
    answer = factories.add_answer(response.id, item, text)
    db.session.flush()
    return answer.id


@pytest.fixture
def instrument(app):
    """A stored questionnaire version per role (the coding screen never reads their content)."""
    with app.app_context():
        ids = {}
        for role in ("skoleeier", "skoleleder", "tillitsvalgt", "uh"):
            version = QuestionnaireVersion(
                code=f"test_{role}",
                role=role,
                version_no=1,
                content_hash=f"{role:0<64}",
                definition={},
            )
            db.session.add(version)
            db.session.flush()
            ids[role] = version.id
        db.session.commit()
        return ids


@pytest.fixture
def coding_data(app, instrument):
    """The answers in ANSWERS plus ones that must not be coded; returns the coded answers' ids."""
    with app.app_context():
        ids = [add_answer(t, r, y, f, instrument) for t, r, y, f in ANSWERS]
        add_answer("   ", "skoleleder", 2023, "Oslo", instrument)  # blank: not an answer to code
        add_answer(
            "Alle lærerne deltok.", "skoleleder", 2023, "Oslo", instrument, status="in_progress"
        )
        add_answer("Rektor", "skoleleder", 2023, "Oslo", instrument, item="annet_tekst")
        db.session.commit()
        return ids


@pytest.fixture
def researchers(app, users):
    """Two researchers (the shared one and a second) by e-mail."""
    with app.app_context():
        second = make_user("researcher", "forsker2@example.no").email
    return users["researcher"], second
