"""Finding 3: researchers never see who said what on the coding screen or in the .qdpx project."""

from __future__ import annotations

import zipfile
from io import BytesIO

import sqlalchemy as sa

from evaluation.export.pseudonym import pseudonym
from webapp.extensions import db
from webapp.models import Answer, AuditEvent, Contact, Person, Response

from .conftest import SECRET_NAME, add_answer

PHONE = "912 34 567"

from questionnaires import load_codebook  # noqa: E402
from webapp.domain.coding import DEFAULT_CODEBOOK  # noqa: E402

V = load_codebook(DEFAULT_CODEBOOK).version


def _identifying_answer(app, instrument) -> tuple[int, str, str]:
    with app.app_context():
        answer_id = add_answer(
            f"Samarbeidet med høgskolen var godt, spør {SECRET_NAME} på "
            f"rektor@skolen.no eller {PHONE}.",
            "skoleleder",
            2023,
            "Oslo",
            instrument,
        )
        person = db.session.scalar(
            sa.select(Person)
            .join(Response, Response.person_id == Person.id)
            .join(Answer, Answer.response_id == Response.id)
            .where(Answer.id == answer_id)
        )
        email = db.session.scalar(sa.select(Contact.email).where(Contact.person_id == person.id))
        db.session.commit()
        return answer_id, person.panel_id, email


def _leaks(text: str, panel_id: str) -> list[str]:
    return [s for s in (SECRET_NAME, "rektor@skolen.no", PHONE, panel_id) if s in text]


def test_coding_screen_shows_the_pseudonym_and_redacted_text(app, client, auth, users, instrument):
    answer_id, panel_id, _email = _identifying_answer(app, instrument)
    auth.login("researcher@example.no")
    html = client.get(f"/coding/answer/{answer_id}").get_data(as_text=True)
    assert _leaks(html, panel_id) == []
    assert "[fjernet]" in html and "Samarbeidet med høgskolen" in html
    assert pseudonym(app.config["PSEUDONYM_KEY"], panel_id) in html


def test_qdpx_project_is_pseudonymous_and_redacted(app, client, auth, users, instrument):
    _answer_id, panel_id, _email = _identifying_answer(app, instrument)
    auth.login("researcher@example.no")
    response = client.get("/coding/export.qdpx")
    assert response.status_code == 200
    with zipfile.ZipFile(BytesIO(response.data)) as zf:
        content = "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    assert _leaks(content, panel_id) == []
    assert pseudonym(app.config["PSEUDONYM_KEY"], panel_id) in content
    with app.app_context():
        assert db.session.scalar(
            sa.select(AuditEvent.after).where(AuditEvent.action == "coding.download")
        ) == {"file": "qdpx", "codebook_version": V}


def test_every_coding_decision_is_audited(app, client, auth, users, instrument):
    answer_id, _panel_id, _email = _identifying_answer(app, instrument)
    auth.login("researcher@example.no")
    assert (
        client.post(f"/coding/answer/{answer_id}", data={"theme": [], "action": "stay"}).status_code
        == 303
    )
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "coding.decide"))
        assert (
            event is not None
            and event.target_id == str(answer_id)
            and event.actor == "researcher@example.no"
        )
