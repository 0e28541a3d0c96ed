"""Property-based tests (hypothesis): questionnaire parsing, answer validation and the panel import
never fail with anything but their own located error, whatever the input."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires import InstrumentError, Questionnaire, errors, load_questionnaire
from questionnaires.answers import InvalidAnswer, check_value, max_length
from questionnaires.parse import parse_questionnaire
from webapp.readers.panel_file import MAX_NAME, PanelFileError, parse_panel
from webapp.survey.forms import parse_number

MINI = Path(__file__).resolve().parents[1] / "survey" / "data" / "mini.yaml"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- questionnaire parsing --------------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.text(max_size=30))
localized = st.fixed_dictionaries(
    {"nb": st.text(min_size=1, max_size=20)},
    optional={"nn": st.text(max_size=20), "en": st.text(max_size=20)},
)
item = st.fixed_dictionaries(
    {
        "code": st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True),
        "type": st.sampled_from(
            ["single", "multi", "number", "text", "longtext", "likert", "matrix", "bogus"]
        ),
        "text": st.one_of(localized, scalars),
    },
    optional={
        "required": st.booleans(),
        "min": scalars,
        "max": scalars,
        "max_length": scalars,
        "options": st.lists(
            st.fixed_dictionaries({"value": scalars, "label": localized}), max_size=3
        ),
        "show_if": st.one_of(
            scalars, st.fixed_dictionaries({"item": st.text(max_size=8), "equals": scalars})
        ),
    },
)
questionnaire = st.fixed_dictionaries(
    {
        "format": st.sampled_from([1, 2, "x"]),
        "code": st.text(max_size=12),
        "role": st.sampled_from(["skoleleder", "uh", "lærer", ""]),
        "title": localized,
        "pages": st.lists(
            st.fixed_dictionaries(
                {"id": st.text(max_size=8), "title": localized, "items": st.lists(item, max_size=4)}
            ),
            max_size=3,
        ),
    },
    optional={"intro": localized},
)


@FAST
@given(questionnaire)
def test_any_questionnaire_file_parses_or_names_its_problems(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "q.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        q, problems = parse_questionnaire(path)
        bad = errors(problems)
        if q is None or bad:
            assert bad and all(path.name in str(p) for p in bad)
        else:
            again = Questionnaire.from_dict(q.to_dict())
            assert again.to_dict() == q.to_dict()


@FAST
@given(st.text(max_size=300))
def test_any_text_as_a_questionnaire_file_never_crashes(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "q.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_questionnaire(path)
        except InstrumentError as exc:
            assert str(exc)


# -- answer validation ------------------------------------------------------------------------------

MINI_Q = load_questionnaire(MINI)
ITEMS = {it.code: it for page in MINI_Q.pages for it in page.items}
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=80),
    st.lists(st.one_of(st.integers(-3, 5), st.text(max_size=3)), max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(ITEMS)), values)
def test_check_value_accepts_within_the_rule_or_raises_invalid_answer(code, value):
    it = ITEMS[code]
    try:
        out = check_value(MINI_Q, it, value)
    except InvalidAnswer as exc:
        assert exc.args
        return
    if out is None:
        return
    if it.type == "number":
        assert (
            math.isfinite(out)
            and (it.min is None or out >= it.min)
            and (it.max is None or out <= it.max)
        )
    elif it.type in ("text", "longtext"):
        assert isinstance(out, str) and 0 < len(out) <= max_length(it)
    elif it.type == "single":
        assert out in {o.value for o in it.options}
    elif it.type == "multi":
        assert set(out) <= {o.value for o in it.options}


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.integers(), st.floats()))
def test_parse_number_gives_a_finite_number_or_none(raw):
    out = parse_number(raw)
    assert out is None or (isinstance(out, (int, float)) and math.isfinite(out))


# -- panel import -----------------------------------------------------------------------------------

cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=260)
rows = st.lists(
    st.tuples(
        cell,
        st.one_of(cell, st.emails()),
        st.sampled_from(["skoleleder", "uh", "rektor", "x", ""]),
        st.sampled_from(["Oslo", "Vestland", "Møre og Romsdal", "Hordaland", ""]),
        cell,
    ),
    max_size=8,
)


def _csv(rows_, delimiter=";") -> str:
    def q(v: str) -> str:
        return '"' + v.replace('"', '""') + '"'

    lines = [delimiter.join(["navn", "e-post", "rolle", "fylke", "kompetansenettverk"])]
    lines += [delimiter.join(q(v) for v in r) for r in rows_]
    return "\r\n".join(lines) + "\r\n"


@settings(max_examples=80, deadline=None)
@given(rows, st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_panel_import_accounts_for_every_row(rows_, encoding):
    text = _csv(rows_)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    try:
        parsed = parse_panel("panel.csv", data)
    except PanelFileError as exc:
        assert "panel.csv" in str(exc)
        return
    lines = {r.line for r in parsed.rows} | {p.line for p in parsed.problems}
    assert len(parsed.rows) + len(parsed.problems) == len(lines)
    for row in parsed.rows:
        assert 0 < len(row.name) <= MAX_NAME and "\n" not in row.name and "\r" not in row.name
        assert row.network is None or len(row.network) <= MAX_NAME
        assert all(ord(c) >= 32 for c in row.name)
    for problem in parsed.problems:
        assert problem.line >= 2 and problem.message


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåÆØÅé -'", min_size=1, max_size=60).filter(
        str.strip
    )
)
def test_windows_1252_names_survive_the_import(name):
    parsed = parse_panel("p.csv", _csv([(name, "a@x.no", "uh", "Oslo", "")]).encode("cp1252"))
    assert [r.name for r in parsed.rows] == [" ".join(name.split())]


# -- redaction ----------------------------------------------------------------------------------------


def _reference(terms: list[str], text: str) -> str:
    """The redaction rule as one regular expression (how the exports did it before)."""
    import re

    from evaluation.export.redact import EMAIL_RE, PHONE_RE, REDACTED

    words = sorted({t.strip() for t in terms if t and len(t.strip()) >= 3}, key=len, reverse=True)
    out = EMAIL_RE.sub(REDACTED, text)
    if words:
        out = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
        ).sub(REDACTED, out)
    return PHONE_RE.sub(REDACTED, out)


letters = "abcæøåABCÆØÅ -.'_1@"
names = st.lists(st.text(alphabet=letters, min_size=1, max_size=8), max_size=6)


@settings(max_examples=400, deadline=None)
@given(
    names,
    st.lists(
        st.one_of(
            st.text(alphabet=letters, max_size=6), st.sampled_from(["Kari", "kari nordmann"])
        ),
        max_size=12,
    ),
)
def test_fast_redactor_matches_the_regular_expression(terms, pieces):
    from evaluation.export.redact import Redactor

    terms = terms + ["Kari Nordmann"]
    text = " ".join(pieces) + " KARI NORDMANN, kari nordmannsen og Kari."
    assert Redactor(terms)(text) == _reference(terms, text)
