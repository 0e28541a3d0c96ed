"""The 23 real XLSForm workbooks in ../shared/xlsform (ODK, Kobo and XLSForm users' forms).

Each goes through ``flask questionnaires validate`` and ``convert``: it is imported item by item as
EXPECTED.json (what pyxform makes of it) lists, or gets problems located as FILE:SHEET:ROW; none
crashes. Every survey row pyxform turns into a question is either mapped or named by a problem at
its row (or inside a reported repeat): nothing is dropped silently. The forms and their licences
are listed in shared/xlsform/SOURCES.tsv and LICENSES.tsv (BSD-2, Apache-2.0, MIT, CC-BY-4.0).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from pyxform.xls2json_backends import definition_to_dict, get_definition_data

import questionnaires as Q
from questionnaires.xlsform import map_xlsform
from webapp.cli.questionnaires import convert, validate

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = [
    ROOT.parent / "shared" / "xlsform",
    Path(os.environ.get("DEKOM_SHARED", "/nonexistent")) / "xlsform",
]
SHARED = next((p for p in CANDIDATES if (p / "EXPECTED.json").is_file()), CANDIDATES[0])
EXPECTED = (
    json.loads((SHARED / "EXPECTED.json").read_text(encoding="utf-8"))["forms"]
    if SHARED.is_dir()
    else {}
)
FORMS = sorted(EXPECTED)
LOCATED = re.compile(
    r"^(?P<file>[^:]+):(?P<sheet>workbook|survey|choices|settings|[^:]+)(?::(?P<row>\d+))?: "
)
if not EXPECTED and os.environ.get("CI"):
    raise RuntimeError(
        f"CI has the shared XLSForm corpus beside the repository; not found at {SHARED}"
    )
pytestmark = pytest.mark.skipif(not EXPECTED, reason=f"no shared XLSForm corpus at {SHARED}")


def sheet_rows(path: Path):
    """The survey rows as pyxform reads them, sniffing the content type like EXPECTED.json does."""
    return definition_to_dict(get_definition_data(str(path)), file_type=None)


def question_rows(name: str, data) -> dict[str, list[int]]:
    """Survey row numbers of every question EXPECTED.json lists, by name."""
    expected = EXPECTED[name]
    wanted = set(expected.get("question_names") or expected["sheet"]["row_names"])
    out: dict[str, list[int]] = {}
    for number, row in enumerate(data.survey or [], start=2):
        kind = str(row.get("type", "")).strip().lower()
        if row.get("name") in wanted and not kind.startswith(("end", "begin")):
            out.setdefault(row["name"], []).append(number)
    return out


def test_the_corpus_is_all_there():
    assert len(FORMS) == 23
    assert all((SHARED / "forms" / name).is_file() for name in FORMS)


@pytest.mark.parametrize("name", FORMS)
def test_real_form_is_imported_item_by_item_or_gets_located_problems(name, tmp_path):
    path = SHARED / "forms" / name
    expected = EXPECTED[name]
    result = map_xlsform(path, role="skoleleder")
    problems = result.problems
    for p in problems:
        m = LOCATED.match(str(p))
        assert m and m["file"] == name, f"not located: {p}"
    pyxform_rejects = [p for p in problems if "pyxform rejects" in p.message]
    if not expected["accepted"] and not expected.get("accepted_after_content_sniffing"):
        assert pyxform_rejects, "pyxform rejects this form, so must we"
        assert all(p.line > 0 for p in pyxform_rejects), pyxform_rejects
    else:
        assert pyxform_rejects == []
    error_rows = {p.line for p in problems if p.file.endswith(":survey")}
    for qname, rows in question_rows(name, sheet_rows(path)).items():
        assert any(
            r in result.mapped_rows or r in error_rows or r in result.skipped_rows for r in rows
        ), f"question '{qname}' (row {rows}) was neither mapped nor reported"
    if result.questionnaire is not None:
        q = result.questionnaire
        assert [c for c in q.item_codes()] == [
            n for n in expected["question_names"] if n in q.item_codes()
        ]
    else:
        assert Q.errors(problems)

    runner = CliRunner()
    checked = runner.invoke(validate, [str(path), "--role", "skoleleder"])
    assert checked.exception is None or isinstance(checked.exception, SystemExit), checked.exception
    assert checked.exit_code == (0 if result.questionnaire else 1)
    assert "Traceback" not in checked.output
    target = tmp_path / "out.yaml"
    converted = runner.invoke(convert, [str(path), str(target), "--role", "skoleleder"])
    assert converted.exception is None or isinstance(converted.exception, SystemExit), (
        converted.exception
    )
    assert converted.exit_code == (0 if result.questionnaire else 1)
    assert target.exists() == (result.questionnaire is not None)


def test_a_real_form_with_its_problems_fixed_imports_item_by_item(tmp_path):
    """member.xls (XLSForm/pyxform, BSD-2-Clause): drop the comment column it is reported for; it then imports."""
    name = "member.xls"
    first = map_xlsform(SHARED / "forms" / name, role="skoleleder")
    assert first.questionnaire is None
    assert {p.message.split(" (")[0] for p in Q.errors(first.problems)} == {
        "column 'tutorial notes' cannot be mapped"
    }
    data = sheet_rows(SHARED / "forms" / name)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, rows in (("survey", data.survey), ("choices", data.choices)):
        ws = wb.create_sheet(sheet)
        head = [h for h in (rows and {k for r in rows for k in r}) or [] if h != "tutorial notes"]
        ws.append(head)
        for r in rows:
            ws.append([r.get(h) for h in head])
    fixed = tmp_path / "member.xlsx"
    wb.save(fixed)
    result = map_xlsform(fixed, role="skoleleder")
    assert Q.errors(result.problems) == [], result.problems
    q = result.questionnaire
    assert q.item_codes() == EXPECTED[name]["question_names"]
    by_type = {}
    for _, item, _ in q.leaf_items():
        by_type[item.type] = by_type.get(item.type, 0) + 1
    counts = EXPECTED[name]["questions_by_type"]
    assert by_type.get("number", 0) == counts.get("integer", 0)
    assert by_type.get("single", 0) + by_type.get("likert", 0) == counts.get("select_one", 0)
    assert by_type.get("text", 0) == counts.get("text", 0)
    relevant = sum(
        1 for _, item, parent in q.leaf_items() if item.show_if or (parent and parent.show_if)
    )
    assert relevant == EXPECTED[name]["relevant_count"]
