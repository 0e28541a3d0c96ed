"""Panel import: every bad row reported with line and reason, nothing written before confirm."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import Workbook

from webapp.domain.panel_plan import apply_plan, plan_import
from webapp.extensions import db
from webapp.models import AuditEvent, Contact, Organisation, Person
from webapp.readers.panel_file import PanelFileError, parse_panel

from .conftest import login

HEADER = "navn;e-post;rolle;organisasjon;organisasjonsnummer;fylke;kompetansenettverk;ekstern_id\n"
GOOD = (
    "Kari Nordmann;kari@bergen.kommune.no;skoleeier;Bergen kommune;964338531;Vestland;Nettverk Bergen;K1\n"
    "Ola Rektor;ola@skole.no;skoleleder;Nordnes skole;;Vestland;Nettverk Bergen;K2\n"
    "Tone Tillit;tone@udf.no;tillitsvalgt;Bergen kommune;964338531;vestland;Nettverk Bergen;K3\n"
    "Ulf Universitet;ulf@uib.no;uh;Universitetet i Bergen;874789542;Vestland;;K4\n"
)
BAD = (
    "Feil Epost;ikke-en-epost;skoleleder;Skole A;;Vestland;;B1\n"
    "Feil Rolle;rolle@x.no;lærer;Skole A;;Vestland;;B2\n"
    "Feil Fylke;fylke@x.no;skoleleder;Skole A;;Hordaland;;B3\n"
    "Dobbel;ola@skole.no;skoleleder;Skole A;;Vestland;;B4\n"
)


def csv_bytes(text: str, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def test_every_bad_row_is_reported_with_line_and_reason(app_ctx):
    parsed = parse_panel("panel.csv", csv_bytes(HEADER + GOOD + BAD))
    assert len(parsed.rows) == 4
    problems = {p.line: p.message for p in parsed.problems}
    assert problems[6] == "ugyldig e-postadresse"
    assert problems[7].startswith("ukjent rolle")
    assert problems[8].startswith("ukjent fylke")
    assert problems[9] == "dobbel i filen: e-postadressen står også på linje 3"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_missing_columns_and_wrong_type_name_the_file(app_ctx):
    try:
        parse_panel("x.csv", csv_bytes("navn;epost\nA;a@b.no\n"))
    except PanelFileError as exc:
        assert "x.csv, linje 1: mangler kolonne(r) rolle, fylke" in str(exc)
    else:
        raise AssertionError("no error")
    try:
        parse_panel("x.pdf", b"%PDF")
    except PanelFileError as exc:
        assert "x.pdf" in str(exc) and ".csv eller .xlsx" in str(exc)


def test_apply_then_reimport_changes_nothing(app_ctx):
    parsed = parse_panel("panel.csv", csv_bytes(HEADER + GOOD, bom=True))
    summary = apply_plan(parsed)
    db.session.commit()
    assert summary["new"] == 4
    persons = list(db.session.scalars(sa.select(Person)))
    assert {p.fylke for p in persons} == {"Vestland"}
    bergen = db.session.scalar(
        sa.select(Organisation).where(Organisation.org_number == "964338531")
    )
    assert bergen.kind == "kommune" and bergen.name == "Bergen kommune"
    assert (
        db.session.scalar(
            sa.select(Organisation).where(Organisation.name == "Universitetet i Bergen")
        ).kind
        == "uh"
    )
    net = db.session.scalar(
        sa.select(Organisation).where(Organisation.kind == "kompetansenettverk")
    )
    assert net.name == "Nettverk Bergen"
    panel_ids = {p.external_id: p.panel_id for p in persons}

    again = plan_import(
        parse_panel("panel.csv", csv_bytes(HEADER.replace(";", ",") + GOOD.replace(";", ",")))
    )
    assert again.summary == {"new": 0, "updated": 0, "unchanged": 4, "leavers": 0, "conflicts": 0}
    apply_plan(parse_panel("panel.csv", csv_bytes(HEADER + GOOD)))
    db.session.commit()
    assert {p.external_id: p.panel_id for p in db.session.scalars(sa.select(Person))} == panel_ids


def test_changed_email_updates_the_person(app_ctx):
    apply_plan(parse_panel("panel.csv", csv_bytes(HEADER + GOOD)))
    db.session.commit()
    changed = GOOD.replace("ola@skole.no", "ola.rektor@nordnes.no")
    plan = plan_import(parse_panel("panel.csv", csv_bytes(HEADER + changed)))
    assert plan.summary["updated"] == 1 and plan.summary["new"] == 0
    update = next(c for c in plan.changes if c.action == "updated")
    assert update.changes == {"email": ("ola@skole.no", "ola.rektor@nordnes.no")}
    apply_plan(parse_panel("panel.csv", csv_bytes(HEADER + changed)))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 4
    person = db.session.scalar(sa.select(Person).where(Person.external_id == "K2"))
    assert person.contact.email == "ola.rektor@nordnes.no"


def test_conflict_with_an_existing_person(app_ctx):
    apply_plan(parse_panel("panel.csv", csv_bytes(HEADER + GOOD)))
    db.session.commit()
    # K2 now claims Kari's address: refused, with both ids named
    clash = HEADER + "Ola Rektor;kari@bergen.kommune.no;skoleleder;Nordnes skole;;Vestland;;K2\n"
    plan = plan_import(parse_panel("panel.csv", csv_bytes(clash)))
    assert len(plan.conflicts) == 1 and plan.conflicts[0].line == 2
    assert "i konflikt med en annen person" in plan.conflicts[0].message
    assert "(ekstern id K1)" in plan.conflicts[0].message


def test_leavers_are_marked_not_deleted(app_ctx):
    apply_plan(parse_panel("panel.csv", csv_bytes(HEADER + GOOD)))
    db.session.commit()
    without_ulf = HEADER + "".join(GOOD.splitlines(keepends=True)[:3])
    summary = apply_plan(parse_panel("panel.csv", csv_bytes(without_ulf)), mark_leavers=True)
    db.session.commit()
    assert summary["leavers"] == 1
    ulf = db.session.scalar(sa.select(Person).where(Person.external_id == "K4"))
    assert ulf.left_at is not None and ulf.contact.email == "ulf@uib.no"
    # coming back in a later file re-activates the same person
    summary = apply_plan(parse_panel("panel.csv", csv_bytes(HEADER + GOOD)), mark_leavers=True)
    db.session.commit()
    assert summary["updated"] == 1
    assert db.session.get(Person, ulf.id).left_at is None


def test_xlsx_is_read_with_row_numbers(app_ctx):
    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "Navn",
            "E-post",
            "Rolle",
            "Organisasjon",
            "Organisasjonsnummer",
            "Fylke",
            "Kompetansenettverk",
        ]
    )
    ws.append(
        [
            "Kari",
            "kari@x.no",
            "skoleeier",
            "Moss kommune",
            998 * 1000000 + 123456,
            "Østfold",
            "Nettverk Øst",
        ]
    )
    ws.append(["Per", "per@x.no", "rektor", "Moss skole", None, "Troms", None])
    ws.append(["Pål", "pal@x.no", "skoleleder", "Moss skole", None, "Viken", None])
    buf = io.BytesIO()
    wb.save(buf)
    parsed = parse_panel("panel.xlsx", buf.getvalue())
    assert [r.email for r in parsed.rows] == ["kari@x.no", "per@x.no"]
    assert parsed.rows[0].org_number == "998123456" and parsed.rows[1].role == "skoleleder"
    assert [(p.line, p.value) for p in parsed.problems] == [(4, "Viken")]


def test_console_flow_preview_then_confirm(app, client, users):
    login(client, "evaluator")
    data = {"file": (io.BytesIO(csv_bytes(HEADER + GOOD + BAD)), "panel.csv")}
    response = client.post("/console/panel/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "ugyldig e-postadresse" in page and "ukjent fylke" in page and "Hordaland" in page
    assert "dobbel i filen" in page and "Bekreft import" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0
    response = client.post(preview_url + "/confirm")
    assert response.status_code == 302
    page = client.get("/console/panel").get_data(as_text=True)
    assert "4 nye" in page and "kari@bergen.kommune.no" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 4
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "panel.import"))
        assert event.actor == "evaluator@example.no" and event.after["new"] == 4
    # the stored plan is gone after confirming
    assert client.post(preview_url + "/confirm").status_code == 404


def test_another_user_cannot_open_my_preview(app, client, users):
    login(client, "evaluator")
    data = {"file": (io.BytesIO(csv_bytes(HEADER + GOOD)), "panel.csv")}
    preview_url = client.post(
        "/console/panel/import", data=data, content_type="multipart/form-data"
    ).headers["Location"]
    client.post("/auth/logout")
    login(client, "admin")
    assert client.get(preview_url).status_code == 404


def test_cli_import_prints_problems_and_writes_with_yes(app, runner, tmp_path):
    path = tmp_path / "panel.csv"
    path.write_bytes(csv_bytes(HEADER + GOOD + BAD))
    result = runner.invoke(args=["panel", "import", str(path)])
    assert result.exit_code == 0
    assert f"{path}:6: ugyldig e-postadresse" in result.output
    assert "nothing written" in result.output
    result = runner.invoke(args=["panel", "import", str(path), "--yes"])
    assert "plan: new 4" in result.output and "written" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 4
