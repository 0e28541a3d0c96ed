"""XLSForm in and out: the mapping row by row, located problems, and the round trip via pyxform."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from pyxform.xls2xform import convert as pyxform_convert

import questionnaires as Q
from questionnaires.xlsform import language_code, read_xlsform, relevant_expression, write_xlsform

NB, NN, EN = "label::Norsk bokmål (nb)", "label::Norsk nynorsk (nn)", "label::English (en)"


def workbook(
    path: Path,
    survey: list[list],
    choices: list[list] | None = None,
    settings: list[list] | None = None,
) -> Path:
    """Write an XLSForm workbook from header + rows per sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
        if rows:
            ws = wb.create_sheet(name)
            for row in rows:
                ws.append(row)
    wb.save(path)
    return path


SETTINGS = [["form_title", "form_id", "role"], ["Prøve", "proeve", "skoleleder"]]
CHOICES = [
    ["list_name", "name", NB, NN, EN],
    ["enig", "1", "Uenig", "Usamd", "Disagree"],
    ["enig", "2", "Nøytral", "Nøytral", "Neutral"],
    ["enig", "3", "Enig", "Samd", "Agree"],
    ["enig", "dont_know", "Vet ikke", "Veit ikkje", "Don't know"],
    ["janei", "ja", "Ja", "Ja", "Yes"],
    ["janei", "nei", "Nei", "Nei", "No"],
    ["tiltak", "1", "Kurs", "Kurs", "Courses"],
    ["tiltak", "2", "Nettverk", "Nettverk", "Networks"],
    ["tiltak", "3", "Veiledning", "Rettleiing", "Guidance"],
]
HEAD = [
    "type",
    "name",
    NB,
    NN,
    EN,
    "hint::Norsk bokmål (nb)",
    "relevant",
    "required",
    "constraint",
    "appearance",
]


def good_survey() -> list[list]:
    return [
        HEAD,
        ["begin_group", "p1", "Side 1", "Side 1", "Page 1", None, None, None, None, "field-list"],
        ["note", "p1_intro", "Velkommen", "Velkomen", "Welcome", None, None, None, None, None],
        [
            "select_one janei",
            "deltar",
            "Deltar dere?",
            "Deltek de?",
            "Do you take part?",
            "Velg ett",
            None,
            "yes",
            None,
            None,
        ],
        [
            "integer",
            "ant",
            "Hvor mange?",
            "Kor mange?",
            "How many?",
            None,
            "${deltar} = 'ja'",
            None,
            ". >= 0 and . <= 50",
            None,
        ],
        [
            "select_multiple tiltak",
            "tiltak",
            "Hvilke?",
            "Kva for?",
            "Which?",
            None,
            "${ant} > 2",
            None,
            "count-selected(.) <= 2",
            None,
        ],
        ["end_group", None, None, None, None, None, None, None, None, None],
        [
            "begin_group",
            "p2",
            "Side 2",
            "Side 2",
            "Page 2",
            None,
            "selected(${tiltak}, '1')",
            None,
            None,
            None,
        ],
        [
            "note",
            "samarb",
            "Hvor enig er du?",
            "Kor samd er du?",
            "How much do you agree?",
            None,
            None,
            None,
            None,
            None,
        ],
        [
            "select_one enig",
            "samarb_a",
            "Påstand A",
            "Påstand A",
            "Statement A",
            None,
            None,
            "yes",
            None,
            None,
        ],
        [
            "select_one enig",
            "samarb_b",
            "Påstand B",
            "Påstand B",
            "Statement B",
            None,
            None,
            "yes",
            None,
            None,
        ],
        [
            "select_one enig",
            "trivsel",
            "Trives du?",
            "Trivst du?",
            "Do you thrive?",
            None,
            None,
            None,
            None,
            "likert",
        ],
        [
            "text",
            "kommentar",
            "Kommentar",
            "Kommentar",
            "Comment",
            None,
            "${trivsel} != ''",
            None,
            "string-length(.) <= 500",
            "multiline",
        ],
        ["end_group", None, None, None, None, None, None, None, None, None],
    ]


@pytest.mark.parametrize(
    ("constraint", "bounds"),
    [
        (". >= 0 and . <= 50", (0, 50)),
        ("(. >= 1) and (. <= 9)", (1, 9)),
        (". > 0 and . < 10", (1, 9)),
        (". <= 7", (None, 7)),
    ],
)
def test_number_constraints_become_ranges(tmp_path, constraint, bounds):
    survey = good_survey()
    survey[4][8] = constraint
    q, problems = read_xlsform(workbook(tmp_path / "c.xlsx", survey, CHOICES, SETTINGS))
    assert Q.errors(problems) == [], problems
    ant = q.pages[0].items[1]
    assert (ant.min, ant.max) == bounds


def test_language_names():
    assert language_code("Norsk bokmål (nb)") == "nb" and language_code("Nynorsk") == "nn"
    assert language_code("English") == "en" and language_code("English (en)") == "en"
    assert language_code("French (fr)") is None and language_code("Deutsch") is None


def test_a_clean_workbook_maps_every_row(tmp_path):
    path = workbook(tmp_path / "prove.xlsx", good_survey(), CHOICES, SETTINGS)
    q, problems = read_xlsform(path)
    assert Q.errors(problems) == [], problems
    assert q.code == "proeve" and q.role == "skoleleder" and [p.id for p in q.pages] == ["p1", "p2"]
    p1, p2 = q.pages
    assert p1.intro == {"nb": "Velkommen", "nn": "Velkomen", "en": "Welcome"}
    deltar, ant, tiltak = p1.items
    assert (
        deltar.type == "single" and deltar.required and [o.value for o in deltar.options] == [1, 2]
    )
    assert deltar.help == {"nb": "Velg ett"}
    assert ant.type == "number" and ant.integer and (ant.min, ant.max) == (0, 50)
    assert ant.show_if == {"item": "deltar", "equals": 1}  # 'ja' is stored as 1
    assert (
        tiltak.type == "multi"
        and tiltak.max_choices == 2
        and tiltak.show_if == {"item": "ant", "gt": 2}
    )
    assert p2.show_if == {"item": "tiltak", "contains": 1}
    matrix, likert, comment = p2.items
    assert (
        matrix.type == "matrix"
        and matrix.code == "samarb"
        and matrix.text["en"] == "How much do you agree?"
    )
    assert (
        [r.code for r in matrix.rows] == ["samarb_a", "samarb_b"]
        and matrix.required
        and matrix.dont_know
    )
    assert q.response_scales["enig"].dont_know == {
        "nb": "Vet ikke",
        "nn": "Veit ikkje",
        "en": "Don't know",
    }
    assert likert.type == "likert" and likert.scale == "enig"
    assert comment.type == "longtext" and comment.max_length == 500
    assert comment.show_if == {"item": "trivsel", "answered": True}
    warnings = [str(p) for p in problems]
    assert any(
        "prove.xlsx:choices:6: list 'janei'" in w and "stored as 1..2" in w for w in warnings
    )


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["calculate", "sum", None, None, None, None, None, None, None, None],
            "survey:4: type 'calculate'",
        ),
        (
            ["begin_repeat", "rep", "Gjenta", None, None, None, None, None, None, None],
            "survey:4: type 'begin_repeat': repeats",
        ),
        (
            [
                "select_one_from_file skoler.csv",
                "skole",
                "Skole",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],
            "survey:4: type 'select_one_from_file",
        ),
        (
            ["select_one_external x", "ext", "Ekstern", None, None, None, None, None, None, None],
            "survey:4: type 'select_one_external x': external selects",
        ),
        (
            ["geopoint", "sted", "Sted", None, None, None, None, None, None, None],
            "survey:4: type 'geopoint' cannot be mapped",
        ),
        (
            [
                "integer",
                "alder",
                "Alder",
                None,
                None,
                None,
                "${deltar} = 'ja' and today() > 3",
                None,
                None,
                None,
            ],
            "survey:4: relevant '${deltar} = 'ja' and today() > 3' cannot be mapped",
        ),
        (
            ["integer", "alder", "Alder", None, None, None, "${ukjent} = 1", None, None, None],
            "is not a question that comes before",
        ),
        (
            ["decimal", "andel", "Andel", None, None, None, None, None, ". > 0.5", None],
            "survey:4: constraint '. > 0.5' cannot be mapped",
        ),
        (
            ["integer", "alder", "Alder", None, None, None, None, "${deltar} = 'ja'", None, None],
            "survey:4: required '${deltar} = 'ja'' cannot be mapped",
        ),
    ],
)
def test_unmappable_rows_are_located_and_nothing_is_returned(tmp_path, row, expected):
    survey = good_survey()
    survey.insert(3, row)
    path = workbook(tmp_path / "feil.xlsx", survey, CHOICES, SETTINGS)
    q, problems = read_xlsform(path)
    assert q is None
    assert any(
        expected in str(p) and str(p).startswith("feil.xlsx:") for p in Q.errors(problems)
    ), problems


def test_other_languages_unknown_columns_and_missing_role_are_reported(tmp_path):
    survey = [
        row + [extra]
        for row, extra in zip(good_survey(), ["label::Deutsch (de)"] + ["x"] * 13, strict=True)
    ]
    survey[0].append("default")
    survey[3].append("ja")
    settings = [["form_title", "form_id"], ["Prøve", "proeve"]]
    path = workbook(tmp_path / "f.xlsx", survey, CHOICES, settings)
    q, problems = read_xlsform(path)
    text = [str(p) for p in Q.errors(problems)]
    assert q is None
    assert any(
        "f.xlsx:survey:1: column 'label::Deutsch (de)': language 'Deutsch (de)' is not nb, nn or en"
        in t
        for t in text
    )
    assert any("f.xlsx:survey:4: column 'default' cannot be mapped" in t for t in text)
    assert any("f.xlsx:settings:2: role None is not one of" in t for t in text)
    q, problems = read_xlsform(
        workbook(tmp_path / "g.xlsx", good_survey(), CHOICES, settings), role="uh"
    )
    assert q is not None and q.role == "uh"


def test_a_file_that_is_not_a_workbook_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "tull.xlsx"
    path.write_bytes(b"not a workbook at all")
    q, problems = read_xlsform(path)
    assert q is None and problems and str(problems[0]).startswith("tull.xlsx:workbook")


def test_relevant_expressions_written_for_every_condition():
    kinds = {"a": "single", "b": "number", "m": "multi"}
    assert relevant_expression({"item": "a", "equals": 1}, kinds) == "${a} = '1'"
    assert relevant_expression({"item": "b", "gte": 5}, kinds) == "${b} >= 5"
    assert relevant_expression({"item": "m", "contains": 2}, kinds) == "selected(${m}, '2')"
    assert (
        relevant_expression(
            {"all": [{"item": "a", "in": [1, 2]}, {"not": {"item": "b", "answered": True}}]}, kinds
        )
        == "(${a} = '1' or ${a} = '2') and not(${b} != '')"
    )


@pytest.mark.parametrize("role", Q.ROLES)
def test_dekom_questionnaires_survive_yaml_to_xlsform_to_yaml(tmp_path, role):
    """Every item, language, condition, scale and unit of the real instrument comes back; pyxform accepts the file."""
    q = Q.load_questionnaire(Q.INSTRUMENT_DIR / f"{role}.yaml")
    path = tmp_path / f"{role}.xlsx"
    write_xlsform(q, path)
    warnings: list[str] = []
    result = pyxform_convert(xlsform=str(path), validate=False, warnings=warnings)
    assert "<h:title>" in result.xform and warnings == []
    back, problems = read_xlsform(path)
    assert Q.errors(problems) == []
    assert back.to_dict() == q.to_dict()
    assert back.content_hash() == q.content_hash()


def test_cli_convert_both_ways_and_validate(runner, tmp_path):
    src = Q.INSTRUMENT_DIR / "uh.yaml"
    xlsx, yaml_out = tmp_path / "uh.xlsx", tmp_path / "uh.yaml"
    result = runner.invoke(args=["questionnaires", "convert", str(src), str(xlsx)])
    assert result.exit_code == 0 and xlsx.exists(), result.output
    result = runner.invoke(args=["questionnaires", "validate", str(xlsx)])
    assert result.exit_code == 0 and "OK" in result.output
    result = runner.invoke(args=["questionnaires", "convert", str(xlsx), str(yaml_out)])
    assert result.exit_code == 0, result.output
    assert Q.load_questionnaire(yaml_out).content_hash() == Q.load_questionnaire(src).content_hash()
    bad = workbook(tmp_path / "bad.xlsx", [["type", "name", "label"], ["begin_repeat", "r", "R"]])
    result = runner.invoke(args=["questionnaires", "convert", str(bad), str(tmp_path / "bad.yaml")])
    assert result.exit_code == 1 and "bad.xlsx:survey:2: type 'begin_repeat'" in result.output
    assert "nothing written" in result.output and not (tmp_path / "bad.yaml").exists()
    result = runner.invoke(args=["questionnaires", "validate", str(bad)])
    assert (
        result.exit_code == 1
        and "bad.xlsx:survey:2" in result.output
        and "Traceback" not in result.output
    )
    junk = tmp_path / "junk.xls"
    junk.write_bytes(b"\x00garbage")
    result = runner.invoke(args=["questionnaires", "validate", str(junk)])
    assert (
        result.exit_code == 1
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )
