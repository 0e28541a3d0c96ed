"""Model invariants: immutable versions, contact erasure keeps answers, named check constraints."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from questionnaires import INSTRUMENT_DIR, instrument_files, load_questionnaire
from webapp.domain.questionnaires import store_version
from webapp.extensions import db
from webapp.infra.tokens import assign_token, find_invitation, token_for
from webapp.models import (
    Answer,
    Contact,
    Invitation,
    Person,
    QuestionnaireVersion,
    Response,
    Wave,
    WaveQuestionnaire,
    utcnow,
)


def _skoleleder():
    return load_questionnaire(instrument_files(INSTRUMENT_DIR)["skoleleder"])


def _wave_with_response(app_ctx):
    version, _ = store_version(_skoleleder())
    wave = Wave(name="Dekom 2023", year=2023, status="open")
    wave.questionnaires.append(WaveQuestionnaire(role="skoleleder", version=version))
    person = Person(role="skoleleder", fylke="Trøndelag")
    person.contact = Contact(name="Kari Nordmann", email="kari@example.no")
    db.session.add_all([wave, person])
    db.session.flush()
    inv = Invitation(wave=wave, person=person)
    assign_token(inv)
    db.session.add(inv)
    db.session.flush()
    resp = Response(
        invitation_id=inv.id,
        wave_id=wave.id,
        person_id=person.id,
        questionnaire_version_id=version.id,
    )
    resp.answers.append(Answer(item_code="samarb_behov", value_num=4))
    resp.answers.append(Answer(item_code="likev_gjensidig", missing_code="dont_know"))
    db.session.add(resp)
    db.session.commit()
    return version, wave, person, inv, resp


def test_same_content_is_one_version_new_content_a_new_one(app_ctx):
    q = _skoleleder()
    v1, created1 = store_version(q)
    v1_again, created_again = store_version(_skoleleder())
    assert created1 and not created_again and v1_again.id == v1.id
    q.title = dict(q.title, nb=q.title["nb"] + " (revidert)")
    v2, created2 = store_version(q)
    db.session.commit()
    assert created2 and v2.version_no == 2 and v2.content_hash != v1.content_hash
    assert (
        db.session.get(QuestionnaireVersion, v1.id).definition["title"]["nb"]
        == _skoleleder().title["nb"]
    )


def test_version_rows_cannot_be_changed(app_ctx):
    version, _ = store_version(_skoleleder())
    db.session.commit()
    version.definition = {"changed": True}
    with pytest.raises(ValueError, match="immutable"):
        db.session.commit()
    db.session.rollback()


def test_stored_definition_round_trips_to_same_hash(app_ctx):
    q = _skoleleder()
    version, _ = store_version(q)
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(QuestionnaireVersion, version.id)
    assert again.questionnaire.content_hash() == q.content_hash() == again.content_hash


def test_every_response_records_its_version(app_ctx):
    version, wave, _, _, resp = _wave_with_response(app_ctx)
    assert resp.version.id == version.id
    assert wave.version_for("skoleleder").id == version.id
    assert wave.version_for("uh") is None


def test_erasing_contact_keeps_answers(app_ctx):
    _, _, person, _, resp = _wave_with_response(app_ctx)
    db.session.delete(person.contact)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Contact, person.id) is None
    assert db.session.get(Person, person.id).panel_id.startswith("P-")
    assert {a.item_code for a in db.session.get(Response, resp.id).answers} == {
        "samarb_behov",
        "likev_gjensidig",
    }


def test_dont_know_is_a_named_missing_code_not_a_number(app_ctx):
    _, _, _, _, resp = _wave_with_response(app_ctx)
    values = {a.item_code: a.value for a in resp.answers}
    assert values == {"samarb_behov": 4, "likev_gjensidig": "dont_know"}
    bad = Answer(response_id=resp.id, item_code="x", value_num=9, missing_code="dont_know")
    db.session.add(bad)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_one_answer_row_per_response_and_item(app_ctx):
    _, _, _, _, resp = _wave_with_response(app_ctx)
    db.session.add(Answer(response_id=resp.id, item_code="samarb_behov", value_num=2))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_complete_iff_submitted(app_ctx):
    _, _, _, _, resp = _wave_with_response(app_ctx)
    resp.status = "complete"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    resp = db.session.get(Response, resp.id)
    resp.status, resp.submitted_at = "complete", utcnow()
    db.session.commit()


def test_wave_status_is_checked(app_ctx):
    db.session.add(Wave(name="X", year=2025, status="halvåpen"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_token_is_long_random_and_only_its_hash_is_stored(app_ctx):
    _, _, _, inv, _ = _wave_with_response(app_ctx)
    token = token_for(inv)
    assert len(token) >= 43  # 256-bit HMAC in base64url
    row = db.session.execute(sa.text("SELECT * FROM invitation")).mappings().one()
    assert token not in {str(v) for v in row.values()}
    assert find_invitation(token).id == inv.id
    assert find_invitation(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert find_invitation("short") is None
    old = token
    assign_token(inv)
    db.session.commit()
    assert find_invitation(old) is None and find_invitation(token_for(inv)).id == inv.id


def test_panel_id_is_stable_and_unique(app_ctx):
    people = [Person(role="uh") for _ in range(200)]
    db.session.add_all(people)
    db.session.commit()
    ids = [p.panel_id for p in people]
    assert len(set(ids)) == 200 and all(len(i) == 11 for i in ids)
