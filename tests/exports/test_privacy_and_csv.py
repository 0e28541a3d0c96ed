"""No contact data in any export file; CSV safe against formula injection and byte-identical."""

from __future__ import annotations

import csv
import io
import zipfile

import pyreadstat
import pytest

from .conftest import ADDED_ITEM, RELABELLED_ITEM
from .helpers import build, pseudonym_of


def _all_bytes(out) -> dict[str, bytes]:
    """Every file of the bundle, plus every member of each xlsx (unzipped XML)."""
    blobs = {}
    with zipfile.ZipFile(out / "export.zip") as bundle:
        for name in bundle.namelist():
            data = bundle.read(name)
            blobs[name] = data
            if name.endswith(".xlsx"):
                with zipfile.ZipFile(io.BytesIO(data)) as book:
                    for member in book.namelist():
                        blobs[f"{name}/{member}"] = book.read(member)
    return blobs


def test_no_name_email_or_token_in_any_file(app, export_data, tmp_path):
    out = tmp_path / "export"
    # free text mentions names, e-mails and phones
    manifest = build(app, out, free_text=True, layouts=("wide", "waves", "long"))
    blobs = _all_bytes(out)
    assert {f["file"] for f in manifest["files"]} <= set(blobs)
    assert any(n.endswith(".xlsx/xl/worksheets/sheet1.xml") for n in blobs)
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Invitation

        token_hashes = [i.token_hash for i in db.session.query(Invitation)]
    secrets = (
        export_data.names
        + export_data.emails
        + export_data.external_ids
        + export_data.panel_ids
        + token_hashes
        + ["Hemmeligsen", "skjult-epost", "912 34 567"]
    )
    for name, data in blobs.items():
        lowered = data.lower()
        for secret in secrets:
            for encoding in ("utf-8", "utf-16-le"):
                assert secret.lower().encode(encoding) not in lowered, (name, secret)
    # the free text itself is there, with the contact data replaced
    wave = (out / "dekom_wave_2021.csv").read_text(encoding="utf-8")
    assert "Alle lærerne var med" in wave and "[fjernet]" in wave


def test_panel_id_is_a_keyed_hash_stable_across_waves(app, export_data, tmp_path):
    out = tmp_path / "export"
    build(app, out, formats=("csv",), layouts=("waves", "wide"))
    first = export_data.panel_ids[0]
    expected = pseudonym_of(app, first)
    for name in ("dekom_wave_2021.csv", "dekom_wave_2023.csv", "dekom_wide.csv"):
        ids = [row["panel_id"] for row in csv.DictReader(open(out / name, encoding="utf-8"))]
        assert expected in ids, name
        assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)
    from evaluation.export import pseudonym

    assert pseudonym("another key", first) != expected


def test_csv_cells_starting_with_formula_characters_are_neutralised(app, export_data, tmp_path):
    out = tmp_path / "export"
    build(app, out, free_text=True, formats=("csv", "xlsx"), layouts=("wide", "waves", "long"))
    seen = 0
    for path in out.glob("dekom_*.csv"):
        for row in csv.reader(open(path, encoding="utf-8", newline="")):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)
                seen += cell.startswith(("'=", "'+", "'-", "'@", "'\t"))
    assert seen >= 5
    from openpyxl import load_workbook

    sheet = load_workbook(out / "dekom_wave_2021.xlsx", read_only=True).worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        for cell in row:
            if isinstance(cell, str):
                assert not cell.startswith(("=", "+", "-", "@", "\t")), cell


def test_same_data_and_settings_give_byte_identical_csv(app, export_data, tmp_path):
    options = dict(
        formats=("csv",), cleaned=True, free_text=True, layouts=("wide", "waves", "long")
    )
    build(app, tmp_path / "a", **options)
    build(app, tmp_path / "b", **options)
    names = sorted(p.name for p in (tmp_path / "a").glob("*.csv"))
    assert "dekom_long.csv" in names and "dekom_wide.csv" in names and "codebook.csv" in names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_item_added_between_waves_keeps_its_own_column_and_is_documented(
    app, export_data, tmp_path
):
    import json

    out = tmp_path / "export"
    build(app, out, formats=("csv", "sav"))
    wide_header = next(csv.reader(open(out / "dekom_wide.csv", encoding="utf-8")))
    assert f"{ADDED_ITEM}_2023" in wide_header and f"{ADDED_ITEM}_2021" not in wide_header
    # the columns around it are addressed by code, not shifted by position
    assert (
        wide_header.index(f"{ADDED_ITEM}_2023") == wide_header.index(f"{RELABELLED_ITEM}_2023") + 1
    )
    assert ADDED_ITEM not in next(csv.reader(open(out / "dekom_wave_2021.csv", encoding="utf-8")))
    wave23, _ = pyreadstat.read_sav(out / "dekom_wave_2023.sav", user_missing=True)
    roles = wave23["role"]  # a labelled code; other roles' version has no such item
    _, meta = pyreadstat.read_sav(out / "dekom_wave_2023.sav", metadataonly=True)
    leaders = roles == next(
        k for k, v in meta.variable_value_labels["role"].items() if v == "skoleleder"
    )
    assert set(wave23.loc[~leaders, ADDED_ITEM]) == {96.0}  # not in their questionnaire version
    assert wave23.loc[leaders, ADDED_ITEM].between(1, 99).all()
    book = json.loads((out / "codebook.json").read_text(encoding="utf-8"))
    entry = next(v for v in book["variables"] if v["name"] == ADDED_ITEM)
    assert entry["waves"] == [2023] and entry["roles"] == ["skoleleder"]
    assert entry["wide_names"] == [f"{ADDED_ITEM}_2023"]
    relabelled = next(v for v in book["variables"] if v["name"] == RELABELLED_ITEM)
    assert any(c["field"] == "label" for c in relabelled["changes"])
    assert len(relabelled["questionnaire_versions"]) == 5  # four v1 and the new skoleleder v2


def test_manifest_lists_every_file_with_hash_and_counts(app, export_data, tmp_path):
    from evaluation.export import sha256_file

    out = tmp_path / "export"
    manifest = build(app, out, formats=("csv", "parquet"), cleaned=True)
    assert manifest["cleaning"]["applied"] and manifest["cleaning"]["rules"]["speeders"] == "drop"
    assert manifest["software"]["version"]
    for f in manifest["files"] + manifest["documentation"]:
        assert sha256_file(out / f["file"]) == f["sha256"]
    wide = next(f for f in manifest["files"] if f["file"] == "dekom_wide.csv")
    rows = sum(1 for _ in open(out / "dekom_wide.csv", encoding="utf-8")) - 1
    assert wide["rows"] == rows == manifest["counts"]["persons"]
    log = (out / "cleaning_log.csv").read_text(encoding="utf-8")
    assert log.startswith("Regel,Innstilling,Handling,Svar,Besvarelser,Respondenter")
    assert "svartid under 0,3 × medianen for bølge og rolle" in log and "duration" not in log
    readme = (out / "README.txt").read_text(encoding="utf-8")
    for name in (
        "dekom_wide.csv",
        "dekom_wide.parquet",
        "codebook.html",
        "cleaning_log.csv",
        "manifest.json",
    ):
        assert f"  {name} " in readme, name
    assert "panelfil, én rad per person" in readme and "renset etter evalueringens regler" in readme


def test_frequency_table_suppresses_small_cells(app, export_data, tmp_path):
    out = tmp_path / "export"
    build(app, out, formats=("csv",), k=5)
    rows = list(csv.DictReader(open(out / "frequencies.csv", encoding="utf-8")))
    assert rows
    shown = {r["n"] for r in rows}
    assert "<5" in shown
    for r in rows:
        assert r["n"] in ("<5", "x") or int(r["n"]) >= 5, r
    # a group never has exactly one hidden cell (it could be recovered from the total)
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["variable"], r["wave"], r["role"]), []).append(r["n"])
    for cells in groups.values():
        assert sum(c in ("<5", "x") for c in cells) != 1


def test_ddi_codebook_describes_variables_and_named_missing(app, export_data, tmp_path):
    import json
    from xml.etree import ElementTree as ET

    out = tmp_path / "export"
    build(app, out, formats=("sav",))
    ns = {"d": "ddi:codebook:2_5"}
    root = ET.parse(out / "ddi-codebook.xml").getroot()
    assert root.tag == "{ddi:codebook:2_5}codeBook" and root.get("version") == "2.5"
    variables = root.findall("d:dataDscr/d:var", ns)
    book = json.loads((out / "codebook.json").read_text(encoding="utf-8"))
    assert [v.get("name") for v in variables] == [e["name"] for e in book["variables"]]
    var = next(v for v in variables if v.get("name") == "samarb_behov")
    missing = {
        c.find("d:catValu", ns).text: c.find("d:labl", ns).text
        for c in var.findall("d:catgry", ns)
        if c.get("missing") == "Y"
    }
    assert missing["98"] == "Vet ikke / ikke relevant" and missing["99"] == "Ikke besvart"
    valid = [
        c.find("d:labl", ns).text for c in var.findall("d:catgry", ns) if c.get("missing") is None
    ]
    assert valid[0] == "I svært liten grad"
    files = root.findall("d:fileDscr", ns)
    assert {f.find("d:fileTxt/d:fileName", ns).text for f in files} >= {"dekom_wide.sav"}


@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_multi_choice_options_are_labelled_0_1_variables(app, export_data, tmp_path, fmt):
    out = tmp_path / "export"
    build(app, out, formats=(fmt,), layouts=("waves",))
    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    df, meta = reader(out / f"dekom_wave_2021.{fmt}")
    options = [c for c in df.columns if c.startswith("tiltak_type_")]
    assert len(options) >= 3
    assert set(df[options[0]].dropna()) <= {0.0, 1.0}
    assert meta.column_names_to_labels[options[0]].startswith("Hvordan er tiltaket lagt opp")


def test_human_confirmed_theme_codes_win_over_the_auto_coder(app, export_data, tmp_path):
    import sqlalchemy as sa
    from conftest import make_user

    from webapp.domain.coding import current_version
    from webapp.extensions import db
    from webapp.models import Answer, Person, Response, Wave
    from webapp.models.coding import CodingDecision

    with app.app_context():
        coder = make_user("researcher", email="coder@example.no")
        version = current_version()
        answer = db.session.scalars(
            sa.select(Answer)
            .join(Response)
            .where(Answer.item_code == "suksess_tekst")
            .order_by(Answer.id)
        ).first()
        person = db.session.get(Person, answer.response.person_id).panel_id
        year = db.session.get(Wave, answer.response.wave_id).year
        db.session.add_all(
            [
                CodingDecision(
                    answer_id=answer.id,
                    coder_id=coder.id,
                    codebook_version_id=version.id,
                    theme_code="alle_med",
                    applied=False,
                    source="rejected",
                ),
                CodingDecision(
                    answer_id=answer.id,
                    coder_id=coder.id,
                    codebook_version_id=version.id,
                    theme_code="tid",
                    applied=True,
                    source="added",
                ),
            ]
        )
        db.session.commit()
    out = tmp_path / "export"
    manifest = build(app, out, formats=("csv",), layouts=("waves",))
    rows = {
        r["panel_id"]: r
        for r in csv.DictReader(open(out / f"dekom_wave_{year}.csv", encoding="utf-8"))
    }
    row = rows[pseudonym_of(app, person)]
    assert row["theme_tid"] == "1" and row["theme_alle_med"] == "0"
    others = [r for pid, r in rows.items() if pid != pseudonym_of(app, person)]
    assert any(r["theme_alle_med"] == "1" for r in others)  # the auto-coder for the rest
    assert manifest["themes"]["answers_coded"]["confirmed"] == 1
