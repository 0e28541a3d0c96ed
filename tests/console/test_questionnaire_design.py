"""Evaluators design questionnaires in the console: upload (YAML or XLSForm), located problems,
preview in three languages with conditions, save immutable versions, diff with comparability
warnings, launching a wave on a breaking version with a note (codebook and DDI), and the
database refusing to change or delete an answered version."""

from __future__ import annotations

import copy
import io
import re
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

import questionnaires as Q
from questionnaires.model import Questionnaire
from questionnaires.xlsform import write_xlsform
from webapp.domain import responses, waves
from webapp.extensions import db
from webapp.models import AuditEvent, Invitation, QuestionnaireDraft, QuestionnaireVersion, Wave

from .conftest import add_person, login

SCALES = Q.load_scales(Q.INSTRUMENT_DIR / "scales.yaml")
IN_SCALE = {code for s in SCALES for code in s.items}


def reworded_skoleleder() -> tuple[Questionnaire, str]:
    """Skoleleder v1 with one scale item reworded in nynorsk; returns it and the item code."""
    q = Q.load_questionnaire(Q.INSTRUMENT_DIR / "skoleleder.yaml")
    q = Questionnaire.from_dict(copy.deepcopy(q.to_dict()))
    item = next(i for _, i, parent in q.leaf_items() if i.code in IN_SCALE and parent is not None)
    item.text["nn"] = "Ny ordlyd på nynorsk"
    return q, item.code


def xlsx_bytes(q: Questionnaire, bad_row: list | None = None) -> bytes:
    """The questionnaire as an XLSForm; ``bad_row`` is inserted as survey row 3 when given."""
    buf = io.BytesIO()
    write_xlsform(q, buf)
    if bad_row is None:
        return buf.getvalue()
    buf.seek(0)
    wb = load_workbook(buf)
    ws = wb["survey"]
    ws.insert_rows(3)
    for col, value in enumerate(bad_row, start=1):
        ws.cell(row=3, column=col, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def launch_first_wave(instrument) -> Wave:
    """Dekom 2023 on the stored v1 questionnaires, opened (so its items count as measured)."""
    wave = waves.create_wave("Dekom 2023", 2023, instrument)
    waves.open_wave(wave)
    db.session.commit()
    return wave


def upload(client, name: str, data: bytes, role: str = ""):
    return client.post(
        "/console/questionnaires/upload",
        data={"file": (io.BytesIO(data), name), "role": role},
        content_type="multipart/form-data",
    )


def test_upload_fix_preview_save_diff_and_versions_list(app, client, users, instrument):
    with app.app_context():
        launch_first_wave(instrument)
    login(client, "evaluator")
    q, code = reworded_skoleleder()
    bad = upload(client, "skoleleder.xlsx", xlsx_bytes(q, ["calculate", "sum_x"]))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "skoleleder.xlsx:survey:3" in page and "calculations are not supported" in page
    assert "Ingenting er lagret" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(QuestionnaireDraft.id))) == 0
    good = upload(client, "skoleleder.xlsx", xlsx_bytes(q))
    assert good.status_code == 302, good.get_data(as_text=True)[:2000]
    draft_url = good.headers["Location"]
    page = client.get(draft_url).get_data(as_text=True)
    assert "dekom_skoleleder" in page and "Dekom 2023" in page
    assert f"<dd>{len(q.item_codes())}</dd>" in page and f"<dd>{len(q.pages)}</dd>" in page
    assert code in page and "bryter sammenlignbarheten" in page.lower()
    draft_id = int(draft_url.rstrip("/").rsplit("/", 1)[1])

    # preview in the three languages, as respondents see it (the survey page's own markup)
    first_page = q.pages[0]
    for lang in ("nb", "nn", "en"):
        shown = client.get(
            f"/console/questionnaires/draft/{draft_id}/preview?lang={lang}&restart=1",
            follow_redirects=True,
        )
        html = shown.get_data(as_text=True)
        assert shown.status_code == 200
        assert first_page.title[lang] in html and 'class="survey-form"' in html
        assert {"nb": "Neste", "nn": "Neste", "en": "Next"}[lang] in html
    # conditions: the follow-up page after 'deltatt_tiltak' shows only when the answer is yes (1)
    cond_page = next(
        p for p in q.pages for i in p.items if i.show_if and "deltatt_tiltak" in str(i.show_if)
    )
    dependent = next(i for i in cond_page.items if i.show_if and "deltatt_tiltak" in str(i.show_if))
    client.get(f"/console/questionnaires/draft/{draft_id}/preview?lang=nb&restart=1&conditions=on")
    html = client.get(f"/console/questionnaires/draft/{draft_id}/preview/{cond_page.id}").get_data(
        as_text=True
    )
    live = "data-show-if" in html and dependent.code in html
    assert live or dependent.text["nb"] not in html
    client.get(f"/console/questionnaires/draft/{draft_id}/preview?conditions=off")
    html = client.get(f"/console/questionnaires/draft/{draft_id}/preview/{cond_page.id}").get_data(
        as_text=True
    )
    assert dependent.text["nb"] in html and "vis alle spørsmål" not in html

    saved = client.post(f"/console/questionnaires/drafts/{draft_id}/save")
    assert saved.status_code == 302
    with app.app_context():
        v2 = db.session.scalar(
            sa.select(QuestionnaireVersion).where(QuestionnaireVersion.version_no == 2)
        )
        assert v2.code == "dekom_skoleleder" and v2.content_hash == q.content_hash()
        assert v2.source == "upload: skoleleder.xlsx"
        assert (
            db.session.scalar(
                sa.select(AuditEvent).where(AuditEvent.action == "questionnaire.save")
            )
            is not None
        )
        v1_id, v2_id = instrument["skoleleder"], v2.id
    listing = client.get("/console/questionnaires").get_data(as_text=True)
    assert "dekom_skoleleder v2" in listing and "Dekom 2023" in listing
    assert "Upload a questionnaire" in client.get("/console/questionnaires?lang=en").get_data(
        as_text=True
    )
    assert "Samanlikn to versjonar" in client.get("/console/questionnaires?lang=nn").get_data(
        as_text=True
    )
    diff = client.get(f"/console/questionnaires/diff?old={v1_id}&new={v2_id}").get_data(
        as_text=True
    )
    assert code in diff and "ny ordlyd" in diff and "Ny ordlyd på nynorsk" in diff
    assert "bryter sammenlignbarheten" in diff
    # downloads convert back to the same content
    xlsx = client.get(f"/console/questionnaires/versions/{v2_id}/download/xlsx")
    assert xlsx.status_code == 200
    again = upload(client, "igjen.xlsx", xlsx.data)
    assert again.status_code == 302
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Innholdet er identisk med dekom_skoleleder v2" in page
    yaml_file = client.get(f"/console/questionnaires/versions/{v2_id}/download/yaml")
    assert yaml_file.status_code == 200 and b"code: dekom_skoleleder" in yaml_file.data
    # a version no wave uses can be deleted; one a wave uses cannot
    assert client.post(f"/console/questionnaires/versions/{v1_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(QuestionnaireVersion, v1_id) is not None
    assert client.post(f"/console/questionnaires/versions/{v2_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(QuestionnaireVersion, v2_id) is None


def test_yaml_upload_problems_are_located_in_the_uploaded_file(app, client, users):
    login(client, "evaluator")
    text = (
        (Q.INSTRUMENT_DIR / "uh.yaml")
        .read_text(encoding="utf-8")
        .replace("role: uh", "role: rektor")
    )
    page = upload(client, "uh.yaml", text.encode("utf-8"))
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if row.startswith("role:"))
    assert f"uh.yaml:{line}" in html and "unknown role" in html
    assert "/tmp" not in html


def test_the_database_refuses_to_change_or_delete_an_answered_version(app_ctx, instrument):
    add_person(1)
    db.session.commit()
    wave = launch_first_wave(instrument)
    waves.invite_panel(wave)
    responses.start_response(db.session.scalar(sa.select(Invitation)))
    db.session.commit()
    vid = instrument["skoleleder"]
    with pytest.raises(sa.exc.DBAPIError, match="immutable"):
        db.session.execute(
            sa.text("UPDATE questionnaire_version SET source = 'x' WHERE id = :i"), {"i": vid}
        )
    db.session.rollback()
    with pytest.raises((sa.exc.DBAPIError, sa.exc.IntegrityError)):
        db.session.execute(
            sa.text("DELETE FROM wave_questionnaire WHERE questionnaire_version_id = :i"),
            {"i": vid},
        )
        db.session.execute(sa.text("DELETE FROM questionnaire_version WHERE id = :i"), {"i": vid})
    db.session.rollback()
    assert db.session.get(QuestionnaireVersion, vid) is not None


def test_launching_a_breaking_version_needs_a_note_that_reaches_codebook_and_ddi(
    app, client, users, instrument, tmp_path
):
    with app.app_context():
        add_person(1)
        db.session.commit()
        first = launch_first_wave(instrument)
        waves.close_wave(first)
        q, code = reworded_skoleleder()
        from webapp.domain.questionnaires import store_version

        v2, _ = store_version(q, source="test")
        wave = waves.create_wave("Dekom 2025", 2025, {**instrument, "skoleleder": v2.id})
        db.session.commit()
        wave_id, v2_id = wave.id, v2.id
        with pytest.raises(waves.NeedsComparabilityNote):
            waves.open_wave(wave)
        db.session.rollback()
    login(client, "evaluator")
    page = client.get(f"/console/waves/{wave_id}").get_data(as_text=True)
    assert "Bryter sammenlignbarheten" in page and code in page and "Dekom 2023" in page
    refused = client.post(
        f"/console/waves/{wave_id}/open", data={"note": "  "}, follow_redirects=True
    )
    assert "Skriv en merknad" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Wave, wave_id).status == "draft"
    note = "Nynorsk-teksten er rettet etter tilbakemeldinger; effekten på skalaen er liten."
    client.post(f"/console/waves/{wave_id}/open", data={"note": note})
    with app.app_context():
        wave = db.session.get(Wave, wave_id)
        assert wave.status == "open"
        wq = next(w for w in wave.questionnaires if w.role == "skoleleder")
        assert wq.comparability_note == note and code in wq.comparability["items"]
        assert all(
            w.comparability_note is None for w in wave.questionnaires if w.role != "skoleleder"
        )
        event = db.session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "wave.open")
            .order_by(AuditEvent.id.desc())
        )
        assert event.after["comparability_notes"] == {"skoleleder": note}
        # a response in the new wave, then the export's codebook and DDI carry the note
        waves.invite_panel(wave)
        invitation = db.session.scalar(sa.select(Invitation).where(Invitation.wave_id == wave_id))
        response = responses.start_response(invitation)
        db.session.commit()
        assert response.questionnaire_version_id == v2_id
        from evaluation.export.codebook import write_codebook_html
        from evaluation.export.ddi import write_ddi
        from evaluation.export.source import read_source

        source = read_source(db.engine, statuses=None)
        (found,) = source.comparability_notes
        assert found["note"] == note and found["role"] == "skoleleder" and code in found["items"]
        about = {"title": "t", "waves": [2025], "comparability_notes": source.comparability_notes}
        entry = {
            "name": code,
            "label_nb": "x",
            "label_en": "x",
            "item_code": code,
            "measure": "ordinal",
            "missing": [],
            "n_valid": 1,
            "n_missing": 0,
            "values": [],
            "type": "numeric",
            "waves": [2025],
            "scales": [],
            "questionnaire_versions": [],
            "changes": [],
        }
        write_ddi([entry], [], tmp_path / "ddi.xml", about)
        xml = (tmp_path / "ddi.xml").read_text(encoding="utf-8")
        ET.fromstring(xml.encode("utf-8"))
        assert note in xml and re.search(r'<notes[^>]*type="comparability"', xml)
        assert xml.count(note) == 2  # the study and the variable
        write_codebook_html([entry], tmp_path / "codebook.html", about)
        html = (tmp_path / "codebook.html").read_text(encoding="utf-8")
        assert "Brudd i sammenlignbarhet" in html and note in html
