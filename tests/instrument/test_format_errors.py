"""Bad questionnaire files are rejected with every problem listed as file:line plus what is wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import questionnaires as Q

HEADER = """\
format: 1
code: test_q
role: skoleleder
title: {nb: Test, nn: Test, en: Test}
response_scales:
  enig5:
    points:
      - {nb: Helt uenig, nn: Heilt usamd, en: Strongly disagree}
      - {nb: Uenig, nn: Usamd, en: Disagree}
      - {nb: Verken eller, nn: Verken eller, en: Neither}
      - {nb: Enig, nn: Samd, en: Agree}
      - {nb: Helt enig, nn: Heilt samd, en: Strongly agree}
    dont_know: {nb: Vet ikke, nn: Veit ikkje, en: Don't know}
pages:
  - id: p1
    title: {nb: Side 1, nn: Side 1, en: Page 1}
    items:
"""
GOOD_ITEM = """\
- code: ja_nei
  type: single
  text: {nb: Deltar dere, nn: Deltek de, en: Do you take part}
  options:
    - {value: 1, label: {nb: Ja, nn: Ja, en: 'Yes'}}
    - {value: 2, label: {nb: Nei, nn: Nei, en: 'No'}}
"""


def write(tmp_path: Path, items: str, name: str = "q.yaml", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + textwrap.indent(textwrap.dedent(items), " " * 6), encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    return [str(p) for p in Q.errors(Q.validate_path(path))]


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in file")


def test_good_file_loads_with_no_problems(tmp_path):
    path = write(tmp_path, GOOD_ITEM)
    q = Q.load_questionnaire(path)
    assert q.item_codes() == ["ja_nei"]
    assert Q.validate_path(path) == []


def test_unknown_item_type_names_line_and_type(tmp_path):
    path = write(
        tmp_path,
        """\
        - code: x1
          type: slider
          text: {nb: X, nn: X, en: X}
    """,
    )
    assert messages(path) == [
        f"{path}:{line_of(path, 'type: slider')}: item 'x1': unknown item type 'slider' "
        "(use likert, matrix, single, multi, number, text, longtext)"
    ]


def test_duplicate_item_code_points_to_first_definition(tmp_path):
    path = write(
        tmp_path,
        GOOD_ITEM
        + """\
- code: ja_nei
  type: text
  text: {nb: Igjen, nn: Igjen, en: Again}
""",
    )
    (msg,) = messages(path)
    second = [i for i, ln in enumerate(path.read_text().splitlines(), 1) if "code: ja_nei" in ln][1]
    assert (
        msg
        == f"{path}:{second}: item 'ja_nei': duplicate item code (first defined at {path}:{line_of(path, 'code: ja_nei')})"
    )


def test_duplicate_code_in_matrix_row(tmp_path):
    path = write(
        tmp_path,
        GOOD_ITEM
        + """\
- code: samarb
  type: matrix
  scale: enig5
  text: {nb: Stamme, nn: Stamme, en: Stem}
  rows:
    - {code: ja_nei, text: {nb: Rad, nn: Rad, en: Row}}
""",
    )
    assert any("duplicate item code" in m for m in messages(path))


def test_condition_naming_unknown_item(tmp_path):
    path = write(
        tmp_path,
        GOOD_ITEM
        + """\
- code: oppfolging
  type: text
  show_if: {item: finnes_ikke, equals: 1}
  text: {nb: Hvorfor, nn: Kvifor, en: Why}
""",
    )
    (msg,) = messages(path)
    assert f":{line_of(path, 'show_if')}:" in msg
    assert "show_if names unknown item 'finnes_ikke'" in msg


def test_condition_on_later_item_is_rejected(tmp_path):
    path = write(
        tmp_path,
        """\
- code: forst
  type: text
  show_if: {item: ja_nei, equals: 1}
  text: {nb: Først, nn: Først, en: First}
"""
        + GOOD_ITEM,
    )
    assert any("does not come before it" in m for m in messages(path))


def test_malformed_condition(tmp_path):
    path = write(
        tmp_path,
        GOOD_ITEM
        + """\
- code: oppf
  type: text
  show_if: {item: ja_nei, equals: 1, in: [1]}
  text: {nb: Hvorfor, nn: Kvifor, en: Why}
""",
    )
    assert any("needs exactly one of" in m for m in messages(path))


def test_missing_nb_text_is_an_error_missing_nn_a_warning(tmp_path):
    path = write(
        tmp_path,
        """\
- code: bare_en
  type: text
  text: {en: English only}
""",
    )
    problems = Q.validate_path(path)
    errs = [str(p) for p in Q.errors(problems)]
    warns = [str(p) for p in problems if p.severity == "warning"]
    assert any("missing nb (bokmål) text in 'text'" in m for m in errs)
    assert any("no nn text" in m for m in warns)


def test_yes_no_read_as_booleans_gets_a_hint(tmp_path):
    path = write(
        tmp_path,
        """\
- code: jn
  type: single
  text: {nb: Ja eller nei, nn: Ja eller nei, en: Yes or no}
  options:
    - {value: 1, label: {nb: Ja, nn: Ja, en: Yes}}
    - {value: 2, label: {nb: Nei, nn: Nei, en: No}}
""",
    )
    msgs = messages(path)
    assert len(msgs) == 2 and all("put the text in quotes" in m for m in msgs)


def test_unknown_response_scale_and_bad_options(tmp_path):
    path = write(
        tmp_path,
        """\
- code: lik
  type: likert
  scale: enig7
  text: {nb: Påstand, nn: Påstand, en: Statement}
- code: valg
  type: single
  text: {nb: Velg, nn: Vel, en: Choose}
  options:
    - {value: 1, label: {nb: A, nn: A, en: A}}
    - {value: 1, label: {nb: B, nn: B, en: B}}
    - {value: x, label: {nb: C, nn: C, en: C}}
""",
    )
    msgs = messages(path)
    assert any("unknown response scale 'enig7' (known: enig5)" in m for m in msgs)
    assert any("duplicate option value 1" in m for m in msgs)
    assert any("option value must be a whole number, got 'x'" in m for m in msgs)


def test_number_range_and_unknown_key(tmp_path):
    path = write(
        tmp_path,
        """\
- code: antall
  type: number
  min: 10
  max: 1
  maks: 5
  text: {nb: Antall, nn: Tal, en: Number}
""",
    )
    msgs = messages(path)
    assert any("min 10 is greater than max 1" in m for m in msgs)
    assert any("unknown key 'maks'" in m and f":{line_of(path, 'maks')}:" in m for m in msgs)


def test_yaml_syntax_error_has_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("code: x\npages:\n  - id: p1\n    title: {nb: [unclosed\n", encoding="utf-8")
    (msg,) = messages(path)
    assert msg.startswith(f"{path}:5: YAML syntax: expected ',' or ']'")
    assert msg.endswith("(while parsing a flow sequence started at line 4)")


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    path = write(
        tmp_path,
        """\
- code: Bad-Code
  type: text
  text: {nb: A, nn: A, en: A}
- code: b
  type: nope
  text: {nb: B, nn: B, en: B}
- code: c
  type: text
  show_if: {item: zz, answered: true}
  text: {nb: C, nn: C, en: C}
""",
    )
    assert len(messages(path)) == 3


def test_include_resolves_and_reports_lines_in_included_file(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "felles.yaml").write_text(
        textwrap.dedent("""\
        id: felles
        title: {nb: Felles, nn: Felles, en: Common}
        items:
          - code: felles_a
            type: whatever
            text: {nb: A, nn: A, en: A}
        """),
        encoding="utf-8",
    )
    header = HEADER.replace("pages:\n", "pages:\n  - include: core/felles.yaml\n")
    path = write(tmp_path, GOOD_ITEM, header=header)
    (msg,) = messages(path)
    assert "felles.yaml:5:" in msg and "unknown item type 'whatever'" in msg


def test_missing_include_file(tmp_path):
    header = HEADER.replace("pages:\n", "pages:\n  - include: core/mangler.yaml\n")
    path = write(tmp_path, GOOD_ITEM, header=header)
    (msg,) = messages(path)
    assert "include 'core/mangler.yaml': no such file" in msg


def test_load_raises_with_all_problems(tmp_path):
    path = write(tmp_path, "- code: a\n  type: nope\n  text: {nb: A}\n")
    with pytest.raises(Q.InstrumentError) as info:
        Q.load_questionnaire(path)
    assert len(info.value.problems) == 1 and "unknown item type" in str(info.value)


def test_scale_naming_missing_item_and_non_likert_item(tmp_path):
    write(
        tmp_path,
        GOOD_ITEM
        + """\
- code: lik1
  type: likert
  scale: enig5
  text: {nb: P1, nn: P1, en: S1}
- code: lik2
  type: likert
  scale: enig5
  text: {nb: P2, nn: P2, en: S2}
""",
    )
    scales = tmp_path / "scales.yaml"
    scales.write_text(
        textwrap.dedent("""\
        format: 1
        scales:
          - code: samarbeid
            label: {nb: Samarbeid, nn: Samarbeid, en: Cooperation}
            items: [lik1, lik2, lik9]
            reverse: [lik2, lik5]
            min_items: 2
          - code: feil
            label: {nb: Feil, nn: Feil, en: Wrong}
            items: [lik1, ja_nei]
            min_items: 5
        """),
        encoding="utf-8",
    )
    msgs = [str(p) for p in Q.errors(Q.validate_path(tmp_path))]
    assert any(
        m.endswith("/scales.yaml:5: scale 'samarbeid': item 'lik9' is not in any questionnaire")
        for m in msgs
    ), msgs
    assert any(
        m.endswith(
            "/scales.yaml:6: scale 'samarbeid': reverse-keyed item 'lik5' is not among the scale's items"
        )
        for m in msgs
    ), msgs
    assert any(
        m.endswith("/scales.yaml:10: scale 'feil': item 'ja_nei' is a single item, not likert")
        for m in msgs
    ), msgs
    assert any(
        m.endswith("/scales.yaml:11: scale 'feil': 'min_items' must be a whole number from 1 to 2")
        for m in msgs
    ), msgs


def test_cli_validate_prints_problems_and_exits_1(tmp_path, runner):
    path = write(tmp_path, "- code: a\n  type: nope\n  text: {nb: A, nn: A, en: A}\n")
    result = runner.invoke(args=["questionnaires", "validate", str(path)])
    assert result.exit_code == 1
    assert "unknown item type 'nope'" in result.output
    assert "1 error(s)" in result.output


def test_cli_validate_accepts_good_file(tmp_path, runner):
    path = write(tmp_path, GOOD_ITEM)
    result = runner.invoke(args=["questionnaires", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_minutes_says_how_long_answering_takes(tmp_path):
    path = write(
        tmp_path, GOOD_ITEM, header=HEADER.replace("format: 1\n", "format: 1\nminutes: [10, 15]\n")
    )
    assert Q.load_questionnaire(path).minutes_text() == "10\u201315"
    bad = write(
        tmp_path,
        GOOD_ITEM,
        name="bad.yaml",
        header=HEADER.replace("format: 1\n", "format: 1\nminutes: [20, 5]\n"),
    )
    [message] = messages(bad)
    assert (
        "bad.yaml:2" in message
        and "'minutes' must be a number of minutes or [fewest, most]" in message
    )


def test_a_questionnaire_without_pages_survives_its_own_round_trip():
    """to_dict drops empty lists, so from_dict must read a missing page list as empty (hypothesis found it)."""
    from questionnaires import Questionnaire

    q = Questionnaire(code="a", role="skoleleder", title={"nb": "0"}, pages=[], response_scales={})
    data = q.to_dict()
    assert "pages" not in data
    again = Questionnaire.from_dict(data)
    assert again.pages == [] and again.content_hash() == q.content_hash()
