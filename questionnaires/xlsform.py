"""XLSForm in and out: read a workbook with pyxform into a Questionnaire, write one pyxform accepts.

Pure Python (no Flask). pyxform (the XLSForm reference implementation) reads the sheets
(``pyxform.xls2json_backends.get_xlsform``: survey, choices and settings rows with their row
numbers) and converts the whole workbook once (``pyxform.xls2xform.convert``) so that every error
pyxform itself finds is reported too. The rows are then mapped to our format:

- top-level groups are pages; a nested group is flattened into its page;
- ``label::Norsk bokmål (nb)`` style columns give the nb, nn and en texts (other languages are
  reported); ``hint`` is the help text;
- ``select_one`` rows in a row sharing one list form a matrix (a note just before them is the
  stem); ``select_one`` with appearance ``likert`` is a likert item; other ``select_one`` rows
  are single choice, ``select_multiple`` multi choice;
- ``text`` (appearance ``multiline``: long text), ``integer``, ``decimal``; a ``constraint`` on
  a number becomes its range, on a text its maximum length, on a multi its minimum/maximum
  choices; notes at the start of a page are its intro;
- ``relevant`` becomes ``show_if`` when written with ``${item}`` compared to a value,
  ``selected()``, ``and``, ``or``, ``not()``.

Everything else (repeats, calculate, external selects, other types and columns) is a problem
located as ``FILE:SHEET:ROW``.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import LANGUAGES, ROLES, Item, Option, Page, Questionnaire, ResponseScale
from .parse import CODE_RE
from .problems import Problem, errors

LANGUAGE_NAMES = {"nb": "Norsk bokmål (nb)", "nn": "Norsk nynorsk (nn)", "en": "English (en)"}
_LANG_WORDS = {
    "nb": (
        "nb",
        "no",
        "nob",
        "bokmål",
        "bokmal",
        "norsk",
        "norsk bokmål",
        "norwegian",
        "norwegian bokmål",
        "norwegian bokmal",
    ),
    "nn": ("nn", "nno", "nynorsk", "norsk nynorsk", "norwegian nynorsk"),
    "en": ("en", "eng", "english", "engelsk"),
}
TRANSLATABLE = {"label", "hint", "constraint_message", "required_message", "unit"}
SURVEY_COLUMNS = {
    "type",
    "name",
    "label",
    "hint",
    "unit",
    "relevant",
    "required",
    "constraint",
    "constraint_message",
    "required_message",
    "appearance",
}
CHOICES_COLUMNS = {"list_name", "name", "label"}
SETTINGS_COLUMNS = {
    "form_title",
    "form_id",
    "version",
    "default_language",
    "role",
    "style",
    "instance_name",
    "title_nn",
    "title_en",
    "minutes",
}
COLUMN_ALIASES = {
    "relevance": "relevant",
    "caption": "label",
    "constraining_message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "requiredmsg": "required_message",
    "jr:requiredmsg": "required_message",
    "list name": "list_name",
    "value": "name",
    "set_form_title": "form_title",
    "set_form_id": "form_id",
    "id_string": "form_id",
    "title": "form_title",
}
HARMLESS_SETTINGS = {
    "clean_text_values",
    "omit_instanceid",
    "allow_choice_duplicates",
    "namespaces",
    "submission_url",
    "public_key",
    "auto_send",
    "auto_delete",
    "name",
    "flat",
}
METADATA_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "imei",
    "username",
    "simserial",
    "subscriberid",
    "phonenumber",
    "audit",
    "email",
    "start-geopoint",
    "uri:deviceid",
    "uri:username",
    "uri:email",
    "uri:phonenumber",
    "uri:subscriberid",
    "uri:simserial",
}
TYPE_ALIASES = {
    "int": "integer",
    "string": "text",
    "select1": "select_one",
    "select one": "select_one",
    "select_one": "select_one",
    "select one from": "select_one",
    "select_multiple": "select_multiple",
    "select all that apply": "select_multiple",
    "select all that apply from": "select_multiple",
    "begin group": "begin_group",
    "end group": "end_group",
    "begin repeat": "begin_repeat",
    "end repeat": "end_repeat",
    "begin_group": "begin_group",
    "end_group": "end_group",
    "begin_repeat": "begin_repeat",
    "end_repeat": "end_repeat",
    "begin loop": "begin_loop",
    "end loop": "end_loop",
}
UNMAPPABLE_TYPES = {
    "calculate": "calculations are not supported; compute derived values in the analysis instead",
    "begin_repeat": "repeats are not supported; a questionnaire asks each question once",
    "begin_loop": "loops are not supported",
    "select_one_external": "external selects are not supported; put the choices on the choices sheet",
    "select_one_from_file": "selects from a file are not supported; put the choices on the choices sheet",
    "select_multiple_from_file": "selects from a file are not supported; put the choices on the choices sheet",
    "rank": "rank questions are not supported",
    "range": "range questions are not supported; use integer with a constraint",
}
IGNORED_APPEARANCES = {
    "field-list",
    "minimal",
    "horizontal",
    "horizontal-compact",
    "compact",
    "quick",
    "list",
    "columns",
    "columns-pack",
    "vertical",
    "table-list",
    "label",
    "list-nolabel",
}
REQUIRED_WORDS = {
    "yes": True,
    "true": True,
    "true()": True,
    "1": True,
    "no": False,
    "false": False,
    "false()": False,
    "0": False,
}


@dataclass
class _Row:
    """One survey-sheet row, with its columns split into plain values and texts per language."""

    number: int
    type: str
    arg: str
    name: str
    values: dict[str, str]
    texts: dict[str, dict[str, str]]


@dataclass
class _Choice:
    name: str
    label: dict[str, str]
    row: int


@dataclass
class _Reader:
    """State while mapping one workbook: where to report, choice lists, languages."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    lists: dict[str, list[_Choice]] = field(default_factory=dict)
    list_rows: dict[str, int] = field(default_factory=dict)
    languages: dict[str, str | None] = field(default_factory=dict)
    values: dict[str, dict[str, int]] = field(default_factory=dict)  # item -> choice name -> value
    item_lists: dict[str, str] = field(default_factory=dict)
    item_types: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # XLSForm name -> our code
    order: dict[str, int] = field(default_factory=dict)
    mapped: set[int] = field(
        default_factory=set
    )  # survey rows that became part of the questionnaire
    skipped: dict[int, int] = field(
        default_factory=dict
    )  # rows left out with a reported repeat -> its row

    def error(self, sheet: str, row: int, message: str) -> None:
        """Record a problem at FILE:SHEET:ROW."""
        self.problems.append(Problem(f"{self.file}:{sheet}", row, message))

    def warn(self, sheet: str, row: int, message: str) -> None:
        """Record a warning at FILE:SHEET:ROW."""
        self.problems.append(Problem(f"{self.file}:{sheet}", row, message, "warning"))


def language_code(name: str | None) -> str | None:
    """nb/nn/en for a language column suffix such as ``Norsk bokmål (nb)``, ``English`` or ``nn``."""
    if name is None:
        return None
    text = name.strip().lower()
    m = re.search(r"\(([a-z]{2,3}(?:-[a-z]+)?)\)\s*$", text)
    if m:
        code = m.group(1).split("-")[0]
        code = {"no": "nb", "nob": "nb", "nno": "nn", "eng": "en"}.get(code, code)
        return code if code in LANGUAGES else None
    for code, words in _LANG_WORDS.items():
        if text in words:
            return code
    return None


def _split_column(header: str) -> tuple[str, str | None]:
    """``label::English (en)`` -> (label, English (en)); ``bind:relevant`` -> (relevant, None)."""
    key = header.strip()
    low = key.lower()
    for prefix in ("bind::", "bind:", "control::", "control:", "media::", "media:"):
        if low.startswith(prefix):
            key, low = key[len(prefix) :], low[len(prefix) :]
    if "::" in key:
        base, lang = key.split("::", 1)
    elif ":" in key and low.split(":", 1)[0] in TRANSLATABLE | {
        "image",
        "audio",
        "video",
        "big-image",
    }:
        base, lang = key.split(":", 1)
    else:
        base, lang = key, None
    base = base.strip().lower()
    return COLUMN_ALIASES.get(base, base), (lang.strip() if lang else None)


# ---------------------------------------------------------------------------- reading


def _read_workbook(path: Path, reader: _Reader) -> Any:
    """The workbook's sheets as pyxform reads them, or None with a problem."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import definition_to_dict, get_definition_data, get_xlsform

    try:
        return get_xlsform(str(path))
    except PyXFormError as exc:
        try:
            data = definition_to_dict(get_definition_data(str(path)), file_type=None)
        except Exception:  # noqa: BLE001 - report whatever pyxform could not read
            reader.error("workbook", 0, f"pyxform cannot read this file: {exc}")
            return None
        reader.warn(
            "workbook",
            0,
            f"the file content does not match its extension {path.suffix}; read it anyway",
        )
        return data
    except Exception as exc:  # noqa: BLE001 - a corrupt upload must become a message, not a crash
        reader.error("workbook", 0, f"pyxform cannot read this file: {exc}")
        return None


def _pyxform_problems(data: Any, reader: _Reader) -> None:
    """Convert with pyxform itself; its errors are problems (with the row when it names one)."""
    import copy
    from dataclasses import fields

    from pyxform.xls2xform import convert

    try:
        sheets = copy.deepcopy({f.name: getattr(data, f.name) for f in fields(data)})
        convert(xlsform=sheets, validate=False)
    except Exception as exc:  # noqa: BLE001 - pyxform raises several error types
        text = str(exc).strip()
        m = re.search(r"\[row\s*:\s*(\d+)\]", text)
        sheet = "survey"
        if "choices" in text.lower() and "sheet" in text.lower():
            sheet = "choices"
        row = int(m.group(1)) if m else 0
        named = re.search(r"named '([^']+)'", text)
        if not row and named:
            row = next(
                (
                    i
                    for i, r in enumerate(data.survey or [], start=2)
                    if r and r.get("name") == named.group(1)
                ),
                0,
            )
        typed = re.search(r"question type '([^']+)'", text)
        if not row and typed:
            row = next(
                (
                    i
                    for i, r in enumerate(data.survey or [], start=2)
                    if r and str(r.get("type", "")).strip().split(" ")[0] == typed.group(1)
                ),
                0,
            )
        reader.error(sheet, row, f"pyxform rejects the form: {text}")


def _languages(headers: list[str], sheet: str, reader: _Reader) -> None:
    for header in headers:
        base, lang = _split_column(header)
        if lang is None or lang in reader.languages:
            continue
        code = language_code(lang)
        reader.languages[lang] = code
        if code is None:
            reader.error(
                sheet,
                1,
                f"column '{header}': language '{lang}' is not nb, nn or en; "
                "name it e.g. label::Norsk bokmål (nb), or remove the column",
            )


def _texts(
    raw: dict[str, str], default_lang: str | None
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Split a row into plain values and translatable texts keyed by language code."""
    values: dict[str, str] = {}
    texts: dict[str, dict[str, str]] = {}
    for header, value in raw.items():
        if value is None or str(value).strip() == "":
            continue
        base, lang = _split_column(header)
        value = str(value).strip()
        if base in TRANSLATABLE:
            code = language_code(lang) if lang else (default_lang or "nb")
            if code is None:
                continue  # reported once for the column
            texts.setdefault(base, {})
            if lang is None and code in texts[base]:
                continue  # an explicit language column wins over the untranslated one
            texts[base][code] = value
        else:
            values[base] = value
    return values, texts


def _read_choices(data: Any, reader: _Reader, default_lang: str | None) -> None:
    for i, raw in enumerate(data.choices or [], start=2):
        if not raw:
            continue
        values, texts = _texts(raw, default_lang)
        for key in values:
            if key not in CHOICES_COLUMNS:
                reader.error(
                    "choices",
                    i,
                    f"column '{key}' cannot be mapped (choice filters, images and extra "
                    "columns are not supported); remove it",
                )
        list_name, name = values.get("list_name"), values.get("name")
        if not list_name or name is None:
            reader.error("choices", i, "a choice needs list_name and name")
            continue
        label = texts.get("label", {})
        if not label:
            reader.error("choices", i, f"choice '{name}' in list '{list_name}' has no label")
        reader.lists.setdefault(list_name, []).append(_Choice(name, label, i))
        reader.list_rows.setdefault(list_name, i)


def _settings(data: Any, reader: _Reader) -> dict[str, str]:
    rows = [r for r in (data.settings or []) if r]
    if not rows:
        return {}
    out: dict[str, str] = {}
    for header, value in rows[0].items():
        if value is None or str(value).strip() == "":
            continue
        base, lang = _split_column(header)
        if base == "form_title" and lang:
            code = language_code(lang)
            if code is None:
                reader.error(
                    "settings", 2, f"column '{header}': language '{lang}' is not nb, nn or en"
                )
                continue
            out[f"title_{code}"] = str(value).strip()
            continue
        if base in HARMLESS_SETTINGS or (base == "label" and lang):
            reader.warn("settings", 2, f"setting '{header}' is not used")
            continue
        if base not in SETTINGS_COLUMNS:
            reader.error("settings", 2, f"setting '{header}' cannot be mapped; remove it")
            continue
        out[base] = str(value).strip()
    return out


def _minutes(value: str | None, reader: _Reader) -> list[int] | None:
    """The settings column ``minutes``: «10-15» or «12», how long answering takes."""
    if not value:
        return None
    parts = [p.strip() for p in str(value).replace("\u2013", "-").split("-")]
    if 1 <= len(parts) <= 2 and all(p.isdigit() and 0 < int(p) < 600 for p in parts):
        numbers = [int(p) for p in parts]
        if numbers == sorted(numbers):
            return numbers
    reader.error(
        "settings", 2, f"minutes {value!r} must be a number of minutes or fewest-most, e.g. 10-15"
    )
    return None


def _code(name: str, reader: _Reader, sheet: str, row: int, what: str) -> str | None:
    """Our item code for an XLSForm name: lower-cased, '-' and '.' as '_' (warned), else an error."""
    if CODE_RE.match(name):
        return name
    fixed = re.sub(r"[-.\s]", "_", name.strip()).lower()
    if CODE_RE.match(fixed):
        reader.warn(sheet, row, f"{what} name '{name}' becomes the code '{fixed}'")
        return fixed
    reader.error(
        sheet,
        row,
        f"{what} name '{name}' cannot be a code: use a-z, 0-9 and _, start with a "
        "letter, at most 32 characters",
    )
    return None


def _split_type(raw: str) -> tuple[str, str]:
    text = re.sub(r"\s+", " ", raw.strip())
    low = text.lower()
    for alias in sorted(TYPE_ALIASES, key=len, reverse=True):
        if low == alias or low.startswith(alias + " "):
            rest = text[len(alias) :].strip()
            kind = TYPE_ALIASES[alias]
            for tail in (" or_other", " or specify other"):
                if kind in ("select_one", "select_multiple") and rest.lower().endswith(tail):
                    return kind + "+or_other", rest[: -len(tail)].strip()
            return kind, rest
    first, _, rest = text.partition(" ")
    return first.lower(), rest.strip()


def _survey_rows(data: Any, reader: _Reader, default_lang: str | None) -> list[_Row]:
    out = []
    for i, raw in enumerate(data.survey or [], start=2):
        if not raw:
            continue
        values, texts = _texts(raw, default_lang)
        kind, arg = _split_type(values.get("type", ""))
        if not kind:
            if values or texts:
                reader.error("survey", i, "row has no type")
            continue
        out.append(_Row(i, kind, arg, values.get("name", ""), values, texts))
    return out


# ---------------------------------------------------------------------------- conditions

_TOKEN = re.compile(
    r"""\s*(?:(\$\{[^}]+\})|('[^']*'|"[^"]*")|(-?\d+(?:\.\d+)?)|(!=|>=|<=|=|>|<)|(\(|\)|,)|([A-Za-z_][\w:.-]*))"""
)


class _CondError(ValueError):
    pass


def _tokens(expr: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise _CondError(f"cannot read '{expr[pos : pos + 20]}'")
        kinds = ("ref", "str", "num", "op", "punct", "word")
        for kind, value in zip(kinds, m.groups(), strict=True):
            if value is not None:
                out.append((kind, value))
        pos = m.end()
    return out


class _CondParser:
    """Recursive descent over the small XPath subset that maps onto show_if."""

    def __init__(self, expr: str, reader: _Reader):
        self.tokens = _tokens(expr)
        self.i = 0
        self.reader = reader

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise _CondError(f"expected '{value}'" if value else "unexpected end")
        self.i += 1
        return tok

    def parse(self) -> dict[str, Any]:
        cond = self.or_()
        rest = self.peek()
        if rest is not None:
            raise _CondError(f"unexpected '{rest[1]}'")
        return cond

    def or_(self) -> dict[str, Any]:
        parts = [self.and_()]
        while self.peek() == ("word", "or"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else {"any": parts}

    def and_(self) -> dict[str, Any]:
        parts = [self.atom()]
        while self.peek() == ("word", "and"):
            self.take()
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else {"all": parts}

    def atom(self) -> dict[str, Any]:
        tok = self.peek()
        if tok is None:
            raise _CondError("unexpected end")
        if tok == ("punct", "("):
            self.take()
            inner = self.or_()
            self.take(")")
            return inner
        if tok == ("word", "not"):
            self.take()
            self.take("(")
            inner = self.or_()
            self.take(")")
            return {"not": inner}
        if tok == ("word", "selected"):
            self.take()
            self.take("(")
            code, xls = self.ref()
            self.take(",")
            value = self.value(xls, self.literal())
            self.take(")")
            if self.reader.item_types.get(code) == "multi":
                return {"item": code, "contains": value}
            return {"item": code, "equals": value}
        if tok == ("word", "string-length"):
            self.take()
            self.take("(")
            code, _ = self.ref()
            self.take(")")
            op = self.take()[1]
            num = self.literal()
            if (op, num) in ((">", "0"), ("!=", "0"), (">=", "1")):
                return {"item": code, "answered": True}
            if (op, num) in (("=", "0"), ("<", "1")):
                return {"item": code, "answered": False}
            raise _CondError("string-length() only maps as > 0 or = 0")
        code, xls = self.ref()
        comparison = self.take()
        if comparison[0] != "op":
            raise _CondError(f"expected a comparison after ${{{xls}}}")
        raw = self.literal()
        if raw == "":
            if comparison[1] == "!=":
                return {"item": code, "answered": True}
            if comparison[1] == "=":
                return {"item": code, "answered": False}
            raise _CondError("only = '' and != '' compare with an empty value")
        value = self.value(xls, raw)
        mapping = {"=": "equals", ">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
        if comparison[1] == "!=":
            return {"item": code, "not_in": [value]}
        if comparison[1] != "=" and (
            isinstance(value, bool) or not isinstance(value, (int, float))
        ):
            raise _CondError(f"{comparison[1]} needs a number")
        if comparison[1] == "=" and self.reader.item_types.get(code) == "multi":
            raise _CondError(f"use selected(${{{xls}}}, ...) for a select_multiple")
        return {"item": code, mapping[comparison[1]]: value}

    def ref(self) -> tuple[str, str]:
        kind, value = self.take()
        if kind != "ref":
            raise _CondError(f"expected ${{name}}, got '{value}'")
        xls = value[2:-1].strip()
        code = self.reader.names.get(xls)
        if code is None:
            raise _CondError(f"${{{xls}}} is not a question that comes before")
        return code, xls

    def literal(self) -> str:
        kind, value = self.take()
        if kind == "str":
            return value[1:-1]
        if kind == "num":
            return value
        raise _CondError(f"expected a value, got '{value}'")

    def value(self, xls: str, raw: str) -> Any:
        code = self.reader.names[xls]
        if code in self.reader.values:
            mapped = self.reader.values[code].get(raw)
            if mapped is None:
                raise _CondError(f"'{raw}' is not a choice of ${{{xls}}}")
            return mapped
        try:
            number = float(raw)
        except ValueError as exc:
            raise _CondError(f"'{raw}' is not a number") from exc
        return int(number) if number.is_integer() else number


def _condition(expr: str | None, reader: _Reader, row: int) -> dict[str, Any] | None:
    if not expr:
        return None
    try:
        return _CondParser(expr, reader).parse()
    except _CondError as exc:
        reader.error(
            "survey",
            row,
            f"relevant '{expr}' cannot be mapped to show_if ({exc}); write it with "
            "${item} = value, != '', > < >= <= numbers, selected(${item}, 'value'), and, or, not()",
        )
        return None


def _combine(*conds: dict[str, Any] | None) -> dict[str, Any] | None:
    parts = [c for c in conds if c]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"all": parts}


# ---------------------------------------------------------------------------- constraints

_BOUND = re.compile(r"^\s*\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
_LENGTH = re.compile(r"^\s*string-length\(\s*\.\s*\)\s*(<=|<)\s*(\d+)\s*$")
_COUNT = re.compile(r"^\s*count-selected\(\s*\.\s*\)\s*(>=|<=|>|<|=)\s*(\d+)\s*$")


def _constraint(item: Item, expr: str, reader: _Reader, row: int) -> None:
    parts = re.split(r"\s+and\s+", expr.strip())
    bad = False
    for raw in parts:
        part = raw.strip()
        if part.count("(") != part.count(")") or (part.startswith("(") and part.endswith(")")):
            part = part.lstrip("(").rstrip(")").strip()  # (. >= 1) and (. <= 9)
        if item.type == "number" and (m := _BOUND.match(part)):
            op, num = m.group(1), float(m.group(2))
            if op in (">", "<"):
                if not item.integer or not num.is_integer():
                    bad = True
                    continue
                num = num + 1 if op == ">" else num - 1
            value: float | int = int(num) if num.is_integer() else num
            if op.startswith(">"):
                item.min = value
            else:
                item.max = value
        elif item.type in ("text", "longtext") and (m := _LENGTH.match(part)):
            item.max_length = int(m.group(2)) - (1 if m.group(1) == "<" else 0)
        elif item.type == "multi" and (m := _COUNT.match(part)):
            op, num = m.group(1), int(m.group(2))
            if op in (">=", "=", ">"):
                item.min_choices = num + (1 if op == ">" else 0)
            if op in ("<=", "=", "<"):
                item.max_choices = num - (1 if op == "<" else 0)
        else:
            bad = True
    if bad:
        reader.error(
            "survey",
            row,
            f"constraint '{expr}' cannot be mapped; on numbers use . >= min and . <= max, "
            "on text string-length(.) <= n, on select_multiple count-selected(.) <= n",
        )


# ---------------------------------------------------------------------------- mapping


def _required(row: _Row, reader: _Reader) -> bool:
    raw = row.values.get("required")
    if raw is None:
        return False
    word = REQUIRED_WORDS.get(raw.strip().lower())
    if word is None:
        reader.error("survey", row.number, f"required '{raw}' cannot be mapped; use yes or no")
        return False
    return word


def _check_columns(row: _Row, reader: _Reader) -> None:
    for key in row.values:
        if key not in SURVEY_COLUMNS:
            reader.error(
                "survey",
                row.number,
                f"column '{key}' cannot be mapped ({row.values[key][:40]!r}); remove it",
            )
    for key in row.texts:
        if key == "required_message":
            reader.warn(
                "survey",
                row.number,
                "required_message is not used; the survey shows its own message",
            )
        if key == "constraint_message":
            reader.warn(
                "survey",
                row.number,
                "constraint_message is not used; the survey shows its own message",
            )


def _list_values(list_name: str, reader: _Reader, row: int) -> list[_Choice] | None:
    choices = reader.lists.get(list_name)
    if choices is None:
        reader.error("survey", row, f"choice list '{list_name}' is not on the choices sheet")
    return choices


def _option_values(choices: list[_Choice], reader: _Reader, list_name: str) -> dict[str, int]:
    """Choice name -> whole-number value; names that are not whole numbers are numbered 1..n (warned)."""
    names = [c.name for c in choices if c.name != "dont_know"]
    if all(re.fullmatch(r"-?\d+", n) for n in names) and len(set(names)) == len(names):
        return {n: int(n) for n in names}
    reader.warn(
        "choices",
        reader.list_rows.get(list_name, 0),
        f"list '{list_name}': choice names {', '.join(names[:6])} are not whole numbers; stored as 1..{len(names)}",
    )
    return {n: i for i, n in enumerate(names, start=1)}


@dataclass
class _Page:
    id: str
    title: dict[str, str]
    show_if: dict[str, Any] | None
    row: int
    intro: list[dict[str, str]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


def _scale_for(
    list_name: str, reader: _Reader, scales: dict[str, ResponseScale], row: int
) -> tuple[str, bool] | None:
    """The response scale for a likert list: its choices must be 1..n, optionally plus dont_know."""
    choices = _list_values(list_name, reader, row)
    if choices is None:
        return None
    points = [c for c in choices if c.name != "dont_know"]
    dont_know = next((c for c in choices if c.name == "dont_know"), None)
    if [c.name for c in points] != [str(i) for i in range(1, len(points) + 1)]:
        reader.warn(
            "choices",
            reader.list_rows.get(list_name, row),
            f"list '{list_name}': likert points are stored as 1..{len(points)} in the order listed",
        )
    name = (
        _code(list_name, reader, "choices", reader.list_rows.get(list_name, row), "list") or "scale"
    )
    if name.endswith("_nodk") and dont_know is None:
        name = name[:-5]  # the same scale without "vet ikke" (written so by write_xlsform)
    labels = [c.label for c in points]
    existing = scales.get(name)
    if existing is not None and existing.points == labels:
        if dont_know is not None and existing.dont_know is None:
            existing.dont_know = dont_know.label
        return name, dont_know is not None
    if existing is not None:
        reader.error(
            "choices",
            reader.list_rows.get(list_name, row),
            f"list '{list_name}': a different scale named '{name}' exists already",
        )
        return None
    scales[name] = ResponseScale(
        name=name, points=labels, dont_know=dont_know.label if dont_know else None
    )
    return name, dont_know is not None


def _question(
    row: _Row, reader: _Reader, scales: dict[str, ResponseScale], page_cond: dict[str, Any] | None
) -> Item | None:
    kind = row.type
    appearance = row.values.get("appearance", "").strip().lower()
    code = _code(row.name, reader, "survey", row.number, "question") if row.name else None
    if not row.name:
        reader.error("survey", row.number, f"a {kind} question needs a name")
    text = row.texts.get("label", {})
    if not text:
        reader.error("survey", row.number, f"question '{row.name}' has no label")
    if code is None:
        return None
    item = Item(
        code=code,
        type="text",
        text=text,
        help=row.texts.get("hint") or None,
        required=_required(row, reader),
    )
    if kind == "text":
        item.type = "longtext" if appearance == "multiline" else "text"
        item.max_length = 4000 if item.type == "longtext" else 200
    elif kind in ("integer", "decimal"):
        item.type, item.integer = "number", kind == "integer"
        item.unit = row.texts.get("unit") or None
    elif kind == "select_one" and appearance == "likert":
        found = _scale_for(row.arg, reader, scales, row.number)
        if found is None:
            return None
        item.type, (item.scale, item.dont_know) = "likert", found
        points = [c.name for c in reader.lists.get(row.arg, []) if c.name != "dont_know"]
        reader.values[code] = {name: i for i, name in enumerate(points, start=1)}
        reader.values[code]["dont_know"] = "dont_know"  # type: ignore[assignment]
    elif kind in ("select_one", "select_multiple"):
        choices = _list_values(row.arg, reader, row.number)
        if choices is None:
            return None
        values = _option_values(choices, reader, row.arg)
        item.type = "single" if kind == "select_one" else "multi"
        item.options = [
            Option(value=values[c.name], label=c.label) for c in choices if c.name in values
        ]
        reader.values[code] = values
        if any(c.name == "dont_know" for c in choices):
            reader.error(
                "choices",
                reader.list_rows.get(row.arg, 0),
                f"list '{row.arg}': 'dont_know' is only for likert lists (appearance likert or a matrix)",
            )
    if (
        appearance
        and appearance not in ("likert", "multiline")
        and appearance not in IGNORED_APPEARANCES
    ):
        reader.warn("survey", row.number, f"appearance '{appearance}' is not used")
    if row.values.get("constraint"):
        _constraint(item, row.values["constraint"], reader, row.number)
    item.show_if = _condition(row.values.get("relevant"), reader, row.number)
    return item


def _register(item: Item, row: _Row, reader: _Reader) -> None:
    if item.code in reader.order:
        reader.error(
            "survey", row.number, f"name '{row.name}' is used twice (codes must be unique)"
        )
    reader.names[row.name] = item.code
    reader.order[item.code] = len(reader.order)
    reader.item_types[item.code] = item.type
    for r in item.rows:
        reader.order[r.code] = reader.order[item.code]
        reader.item_types[r.code] = "likert"


def _matrix_run(rows: list[_Row], start: int) -> int:
    """How many select_one rows from ``start`` share one list, relevant and required (no likert appearance)."""
    first = rows[start]
    n = 0
    for row in rows[start:]:
        if (
            row.type != "select_one"
            or row.arg != first.arg
            or row.values.get("appearance", "").lower() in ("likert",)
            or row.values.get("relevant") != first.values.get("relevant")
            or row.values.get("required") != first.values.get("required")
            or row.values.get("constraint")
        ):
            break
        n += 1
    return n


def _matrix(
    stem: _Row | None,
    run: list[_Row],
    reader: _Reader,
    scales: dict[str, ResponseScale],
    page: _Page,
    group_row: _Row | None,
) -> Item | None:
    found = _scale_for(run[0].arg, reader, scales, run[0].number)
    if found is None:
        return None
    scale, dont_know = found
    if stem is not None:
        code = _code(stem.name, reader, "survey", stem.number, "note") if stem.name else None
        text = stem.texts.get("label", {})
    elif group_row is not None:
        code = _code(group_row.name, reader, "survey", group_row.number, "group")
        text = group_row.texts.get("label", {}) or page.title
    else:
        code = f"{run[0].name}_grid"[:32]
        text = page.title
    if not code:
        code = f"{run[0].name}_grid"[:32]
    first = run[0]
    rows = []
    for row in run:
        _check_columns(row, reader)
        rcode = _code(row.name, reader, "survey", row.number, "question") if row.name else None
        if rcode is None:
            reader.error(
                "survey", row.number, "a matrix row needs a name"
            ) if not row.name else None
            continue
        if not row.texts.get("label"):
            reader.error("survey", row.number, f"question '{row.name}' has no label")
        rows.append(
            Item(
                code=rcode,
                type="likert",
                text=row.texts.get("label", {}),
                help=row.texts.get("hint") or None,
                required=_required(first, reader),
                scale=scale,
                dont_know=dont_know,
            )
        )
    matrix = Item(
        code=code,
        type="matrix",
        text=text,
        required=_required(first, reader),
        scale=scale,
        dont_know=dont_know,
        rows=rows,
        show_if=_condition(first.values.get("relevant"), reader, first.number),
    )
    if matrix.code in reader.order:
        reader.error(
            "survey",
            (stem or first).number,
            f"name '{matrix.code}' is used twice (codes must be unique)",
        )
    reader.order[matrix.code] = len(reader.order)
    points = [c.name for c in reader.lists.get(run[0].arg, []) if c.name != "dont_know"]
    for row, r in zip(run, rows, strict=False):
        if r.code in reader.order:
            reader.error(
                "survey", row.number, f"name '{row.name}' is used twice (codes must be unique)"
            )
        reader.names[row.name] = r.code
        reader.order[r.code] = reader.order[matrix.code]
        reader.item_types[r.code] = "likert"
        reader.values[r.code] = {name: i for i, name in enumerate(points, start=1)}
        reader.values[r.code]["dont_know"] = "dont_know"  # type: ignore[assignment]
        reader.mapped.add(row.number)
    if stem is not None:
        reader.mapped.add(stem.number)
    return matrix


def _map_survey(
    rows: list[_Row], reader: _Reader, title: dict[str, str]
) -> tuple[list[_Page], list[dict[str, str]], dict[str, ResponseScale]]:
    pages: list[_Page] = []
    intro: list[dict[str, str]] = []
    scales: dict[str, ResponseScale] = {}
    stack: list[tuple[_Row, dict[str, Any] | None]] = []  # open groups: row, their own condition
    page: _Page | None = None
    i = 0
    while i < len(rows):
        row = rows[i]
        kind = row.type
        if kind in ("begin_group",):
            cond = _condition(row.values.get("relevant"), reader, row.number)
            for key in row.values:
                if key not in SURVEY_COLUMNS:
                    reader.error(
                        "survey",
                        row.number,
                        f"column '{key}' cannot be mapped on a group; remove it",
                    )
            if not stack:
                pid = _code(row.name, reader, "survey", row.number, "group") if row.name else None
                if not row.name:
                    reader.error("survey", row.number, "a group needs a name")
                label = row.texts.get("label", {})
                if not label:
                    reader.error(
                        "survey",
                        row.number,
                        f"group '{row.name}' needs a label (it is the page title)",
                    )
                page = _Page(pid or f"page_{row.number}", label, cond, row.number)
                pages.append(page)
                reader.mapped.add(row.number)
            else:
                reader.warn(
                    "survey",
                    row.number,
                    f"group '{row.name}' inside a group is merged into its page",
                )
                # a table-list style nested group whose rows form a matrix keeps its label as the stem
                j = i + 1
                run = _matrix_run(rows, j) if j < len(rows) else 0
                if (
                    run >= 2
                    and j + run < len(rows)
                    and rows[j + run].type == "end_group"
                    and page is not None
                ):
                    matrix = _matrix(None, rows[j : j + run], reader, scales, page, row)
                    if matrix is not None:
                        matrix.show_if = _combine(*[c for _, c in stack[1:]], cond, matrix.show_if)
                        page.items.append(matrix)
                        page.rows.append(row.number)
                    i = j + run + 1
                    continue
            stack.append((row, cond))
            i += 1
            continue
        if kind == "end_group":
            if not stack:
                reader.error("survey", row.number, "end group without begin group")
            else:
                stack.pop()
                if not stack:
                    page = None
            i += 1
            continue
        if kind in ("begin_repeat", "begin_loop"):
            reader.error(
                "survey", row.number, f"type '{row.values.get('type')}': {UNMAPPABLE_TYPES[kind]}"
            )
            depth, j = 0, i
            while j < len(rows):
                if rows[j].type in ("begin_repeat", "begin_loop", "begin_group"):
                    depth += 1
                elif rows[j].type in ("end_repeat", "end_loop", "end_group"):
                    depth -= 1
                j += 1
                if depth == 0:
                    break
            if depth:  # never closed (pyxform says so too): leave out this row only
                j = i + 1
            for skipped in rows[i:j]:
                reader.skipped[skipped.number] = row.number
            i = j
            continue
        if (
            kind in UNMAPPABLE_TYPES
            or kind.startswith("select_one_from")
            or kind.endswith("+or_other")
            or kind in ("end_repeat", "end_loop")
        ):
            if kind.endswith("+or_other"):
                reader.error(
                    "survey",
                    row.number,
                    f"'{row.values.get('type')}': or_other is not supported; add an "
                    "'other' choice and a text question shown when it is selected",
                )
            elif kind in UNMAPPABLE_TYPES:
                reader.error(
                    "survey",
                    row.number,
                    f"type '{row.values.get('type')}': {UNMAPPABLE_TYPES[kind]}",
                )
            i += 1
            continue
        if kind in METADATA_TYPES:
            reader.warn(
                "survey",
                row.number,
                f"type '{kind}' is device metadata, not a question; it is left out",
            )
            i += 1
            continue
        if kind not in ("note", "text", "integer", "decimal", "select_one", "select_multiple"):
            reader.error(
                "survey",
                row.number,
                f"type '{row.values.get('type')}' cannot be mapped (use text, integer, "
                "decimal, select_one, select_multiple, note or groups)",
            )
            i += 1
            continue
        if page is None:
            if kind == "note" and not pages:
                _check_columns(row, reader)
                if row.texts.get("label"):
                    intro.append(row.texts["label"])
                    reader.mapped.add(row.number)
                else:
                    reader.error("survey", row.number, "note has no text in nb, nn or en")
                i += 1
                continue
            reader.warn(
                "survey", row.number, "question outside any group: put on a page of its own"
            )
            page = _Page(f"page_{row.number}", dict(title), None, row.number)
            pages.append(page)  # runs until the next group begins
        nested = _combine(*[c for _, c in stack[1:]])
        if kind == "note":
            run = _matrix_run(rows, i + 1) if i + 1 < len(rows) else 0
            if run >= 2 or (
                run == 1
                and row.name
                and rows[i + 1].arg
                and row.values.get("relevant") == rows[i + 1].values.get("relevant")
                and _is_scale_list(rows[i + 1].arg, reader)
            ):
                _check_columns(row, reader)
                matrix = _matrix(row, rows[i + 1 : i + 1 + run], reader, scales, page, None)
                if matrix is not None:
                    matrix.show_if = _combine(nested, matrix.show_if)
                    page.items.append(matrix)
                    page.rows.append(row.number)
                i += 1 + run
            else:
                _check_columns(row, reader)
                if page.items or row.values.get("relevant"):
                    reader.error(
                        "survey",
                        row.number,
                        "a note can only open a page (its intro) or a matrix (its stem); "
                        "move it to the start of its group",
                    )
                elif row.texts.get("label"):
                    page.intro.append(row.texts["label"])
                    reader.mapped.add(row.number)
                else:
                    reader.error("survey", row.number, "note has no text in nb, nn or en")
                i += 1
        elif kind == "select_one" and _matrix_run(rows, i) >= 2:
            run = _matrix_run(rows, i)
            matrix = _matrix(None, rows[i : i + run], reader, scales, page, None)
            if matrix is not None:
                matrix.show_if = _combine(nested, matrix.show_if)
                page.items.append(matrix)
                page.rows.append(row.number)
            i += run
        else:
            _check_columns(row, reader)
            item = _question(row, reader, scales, nested)
            if item is not None:
                item.show_if = _combine(nested, item.show_if)
                _register(item, row, reader)
                reader.mapped.add(row.number)
                page.items.append(item)
                page.rows.append(row.number)
            i += 1
    for open_row, _ in stack:
        if open_row.type == "begin_group":
            reader.error(
                "survey",
                open_row.number,
                f"group '{open_row.name}' is never closed (end group missing)",
            )
    return pages, intro, scales


def _is_scale_list(list_name: str, reader: _Reader) -> bool:
    return any(c.name == "dont_know" for c in reader.lists.get(list_name, []))


def _join(texts: list[dict[str, str]]) -> dict[str, str] | None:
    if not texts:
        return None
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        parts = [t.get(lang) or t.get("nb") or "" for t in texts]
        if any(t.get(lang) for t in texts):
            out[lang] = "\n\n".join(p for p in parts if p)
    return out


def _check_texts(
    q: Questionnaire, reader: _Reader, where: dict[str, int], languages: set[str]
) -> None:
    """Every text needs nb; missing nn/en are warned once for the whole form."""
    if "nb" not in languages:
        reader.error(
            "survey",
            1,
            "no nb (bokmål) label column: name one label::Norsk bokmål (nb) "
            "(an untranslated 'label' column is read as nb)",
        )
        return
    for page in q.pages:
        if page.title and not page.title.get("nb"):
            reader.error(
                "survey",
                where.get(f"page:{page.id}", 0),
                f"group '{page.id}': no nb (bokmål) label",
            )
        for item in page.items:
            for it in [item, *item.rows]:
                if it.text and not it.text.get("nb"):
                    reader.error(
                        "survey", where.get(it.code, 0), f"'{it.code}': no nb (bokmål) label"
                    )
                for opt in it.options:
                    if not opt.label.get("nb"):
                        reader.error(
                            "survey",
                            where.get(it.code, 0),
                            f"'{it.code}': option {opt.value} has no nb (bokmål) label",
                        )
                for text in (it.text, it.help):
                    if text and any("${" in v for v in text.values()):
                        reader.error(
                            "survey",
                            where.get(it.code, 0),
                            f"'{it.code}': answers inside texts (${{...}}) "
                            "are not supported; write the text without them",
                        )
    for lang in ("nn", "en"):
        if lang not in languages:
            reader.warn("survey", 1, f"no {LANGUAGE_NAMES[lang]} columns; nb is shown instead")


@dataclass
class XLSFormResult:
    """What reading a workbook gave: the questionnaire (None on errors), problems, and coverage."""

    questionnaire: Questionnaire | None
    problems: list[Problem]
    #: the questionnaire as far as it could be mapped, also when there are errors
    partial: Questionnaire | None = None
    #: survey-sheet rows that became part of the questionnaire
    mapped_rows: set[int] = field(default_factory=set)
    #: rows left out because the repeat around them is reported (row -> the repeat's row)
    skipped_rows: dict[int, int] = field(default_factory=dict)


def read_xlsform(
    path: Path | str, role: str | None = None, name: str | None = None
) -> tuple[Questionnaire | None, list[Problem]]:
    """Read an XLSForm workbook into a Questionnaire; returns (questionnaire or None, problems).

    ``role`` overrides the ``role`` setting; ``name`` is the file name used in messages.
    Problems are located as FILE:SHEET:ROW. The questionnaire is None when there are errors.
    """
    result = map_xlsform(path, role, name)
    return result.questionnaire, result.problems


def map_xlsform(
    path: Path | str, role: str | None = None, name: str | None = None
) -> XLSFormResult:
    """Map a workbook row by row; see ``read_xlsform``. Never raises for a bad workbook."""
    path = Path(path)
    reader = _Reader(name or path.name)
    try:
        return _map(path, role, reader)
    except Exception as exc:  # noqa: BLE001 - last line of defence: an upload must never crash the caller
        reader.error("workbook", 0, f"cannot be read ({type(exc).__name__}: {exc})")
        return XLSFormResult(None, _sorted(reader.problems))


def _map(path: Path, role: str | None, reader: _Reader) -> XLSFormResult:
    data = _read_workbook(path, reader)
    if data is None:
        return XLSFormResult(None, reader.problems)
    if not data.survey:
        reader.error("survey", 0, "the workbook has no survey sheet (or it is empty)")
        return XLSFormResult(None, reader.problems)
    for sheet in data.sheet_names or []:
        if sheet.lower() in ("external_choices", "entities", "osm"):
            reader.error(sheet, 0, f"the {sheet} sheet cannot be mapped; remove it")
    _pyxform_problems(data, reader)
    headers = [h for row in (data.survey_header or []) for h in row] + [
        h for row in (data.choices_header or []) for h in row
    ]
    _languages(headers, "survey", reader)
    settings = _settings(data, reader)
    default_lang = (
        language_code(settings.get("default_language"))
        if settings.get("default_language")
        else None
    )
    _read_choices(data, reader, default_lang)
    rows = _survey_rows(data, reader, default_lang)
    title = {"nb": settings.get("form_title") or settings.get("form_id") or path.stem}
    for lang in ("nn", "en"):
        if settings.get(f"title_{lang}"):
            title[lang] = settings[f"title_{lang}"]
    if settings.get("title_nb"):
        title["nb"] = settings["title_nb"]
    raw_code = settings.get("form_id") or path.stem
    code = _code(raw_code, reader, "settings", 2, "form_id")
    role = role or settings.get("role")
    if role not in ROLES:
        reader.error(
            "settings",
            2,
            f"role {role!r} is not one of {', '.join(ROLES)}; add a 'role' column to the "
            "settings sheet (or choose the role when uploading)",
        )
    pages, intro, scales = _map_survey(rows, reader, title)
    while pages and not pages[0].items and pages[0].intro and pages[0].show_if is None:
        reader.warn(
            "survey",
            pages[0].row,
            f"group '{pages[0].id}' holds only notes: they become the questionnaire's intro",
        )
        intro.extend(pages.pop(0).intro)
    if not pages:
        reader.error("survey", 0, "no questions that can be mapped")
    q = Questionnaire(
        code=code or "form",
        role=str(role),
        title=title,
        pages=[
            Page(id=p.id, title=p.title, items=p.items, intro=_join(p.intro), show_if=p.show_if)
            for p in pages
        ],
        response_scales=scales,
        intro=_join(intro),
        minutes=_minutes(settings.get("minutes"), reader),
    )
    where = {f"page:{p.id}": p.row for p in pages}
    for p in pages:
        for item, number in zip(p.items, p.rows, strict=False):
            where[item.code] = number
            for r in item.rows:
                where[r.code] = number
    langs = {language_code(lang) for lang in reader.languages} | (
        {"nb"} if _has_untranslated(data) else set()
    )
    _check_texts(q, reader, where, {x for x in langs if x})
    _check_conditions_order(q, reader, where)
    for p in pages:
        if not p.items:
            reader.error("survey", p.row, f"group '{p.id}' has no questions that can be mapped")
    if errors(reader.problems):
        return XLSFormResult(None, _sorted(reader.problems), q, reader.mapped, reader.skipped)
    reader.problems.extend(_round_check(q, reader.file))
    if errors(reader.problems):
        return XLSFormResult(None, _sorted(reader.problems), q, reader.mapped, reader.skipped)
    return XLSFormResult(q, _sorted(reader.problems), q, reader.mapped, reader.skipped)


def _has_untranslated(data: Any) -> bool:
    """True when the survey sheet has a plain ``label`` column (read as nb)."""
    return any(
        _split_column(h) == ("label", None) for row in (data.survey_header or []) for h in row
    )


def _sorted(problems: list[Problem]) -> list[Problem]:
    sheet_order = {"workbook": 0, "settings": 1, "survey": 2, "choices": 3}
    return sorted(
        set(problems),
        key=lambda p: (sheet_order.get(p.file.rsplit(":", 1)[-1], 9), p.line, p.message),
    )


def _check_conditions_order(q: Questionnaire, reader: _Reader, where: dict[str, int]) -> None:
    from .conditions import condition_items

    order = reader.order
    for page in q.pages:
        first = order.get(page.items[0].code, 0) if page.items else 0
        for code in condition_items(page.show_if):
            if order.get(code, 10**9) >= first:
                reader.error(
                    "survey",
                    where.get(f"page:{page.id}", 0),
                    f"group '{page.id}': relevant names '{code}', "
                    "which does not come before the group",
                )
        for item in page.items:
            for code in condition_items(item.show_if):
                if order.get(code, 10**9) >= order.get(item.code, 0):
                    reader.error(
                        "survey",
                        where.get(item.code, 0),
                        f"'{item.code}': relevant names '{code}', which does not come before it",
                    )


def _round_check(q: Questionnaire, file: str) -> list[Problem]:
    """Write the result as YAML and read it with the YAML validator: anything it finds is reported."""
    from .parse import parse_questionnaire
    from .writer import dump_yaml

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "form.yaml"
        target.write_text(dump_yaml(q), encoding="utf-8")
        _, problems = parse_questionnaire(target)
    return [Problem(file, 0, f"after conversion: {p.message}") for p in errors(problems)]


# ---------------------------------------------------------------------------- writing


def _xpath_value(value: Any) -> str:
    return (
        f"'{value}'"
        if not isinstance(value, (int, float)) or isinstance(value, bool)
        else _num(value)
    )


def _num(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def relevant_expression(cond: dict[str, Any] | None, kinds: dict[str, str]) -> str:
    """A show_if condition as an XLSForm ``relevant`` expression."""
    if cond is None:
        return ""
    if "all" in cond:
        return " and ".join(_wrap(relevant_expression(c, kinds)) for c in cond["all"])
    if "any" in cond:
        return " or ".join(_wrap(relevant_expression(c, kinds)) for c in cond["any"])
    if "not" in cond:
        return f"not({relevant_expression(cond['not'], kinds)})"
    ref = "${" + cond["item"] + "}"
    select = kinds.get(cond["item"]) in ("single", "likert", "multi")

    def val(v: Any) -> str:
        return f"'{v}'" if select else _xpath_value(v)

    if "answered" in cond:
        return f"{ref} != ''" if cond["answered"] else f"{ref} = ''"
    if "contains" in cond:
        return f"selected({ref}, '{cond['contains']}')"
    if "equals" in cond:
        return f"{ref} = {val(cond['equals'])}"
    if "in" in cond:
        return (
            "(" + " or ".join(f"{ref} = {val(v)}" for v in cond["in"]) + ")"
            if len(cond["in"]) > 1
            else f"{ref} = {val(cond['in'][0])}"
        )
    if "not_in" in cond:
        return " and ".join(f"{ref} != {val(v)}" for v in cond["not_in"])
    for op, sym in (("gt", ">"), ("gte", ">="), ("lt", "<"), ("lte", "<=")):
        if op in cond:
            return f"{ref} {sym} {_num(cond[op])}"
    raise ValueError(f"unknown condition {cond!r}")


def _wrap(expr: str) -> str:
    return (
        f"({expr})"
        if (" and " in expr or " or " in expr) and not (expr.startswith("(") and expr.endswith(")"))
        else expr
    )


def _constraint_for(item: Item) -> str:
    parts = []
    if item.type == "number":
        if item.min is not None:
            parts.append(f". >= {_num(item.min)}")
        if item.max is not None:
            parts.append(f". <= {_num(item.max)}")
    elif item.type in ("text", "longtext") and item.max_length:
        parts.append(f"string-length(.) <= {item.max_length}")
    elif item.type == "multi":
        if item.min_choices is not None:
            parts.append(f"count-selected(.) >= {item.min_choices}")
        if item.max_choices is not None:
            parts.append(f"count-selected(.) <= {item.max_choices}")
    return " and ".join(parts)


def xlsform_sheets(q: Questionnaire) -> dict[str, list[list[Any]]]:
    """The questionnaire as XLSForm sheets (survey, choices, settings): header row then rows."""
    kinds = {}
    for page in q.pages:
        for item in page.items:
            kinds[item.code] = item.type
            for r in item.rows:
                kinds[r.code] = "likert"
    lang_cols = [LANGUAGE_NAMES[lang] for lang in LANGUAGES]
    survey_head = [
        "type",
        "name",
        *[f"label::{n}" for n in lang_cols],
        *[f"hint::{n}" for n in lang_cols],
        "required",
        "relevant",
        "constraint",
        "appearance",
        *[f"unit::{n}" for n in lang_cols],
    ]
    survey: list[list[Any]] = [survey_head]
    choices: list[list[Any]] = [["list_name", "name", *[f"label::{n}" for n in lang_cols]]]
    lists_written: set[str] = set()

    def texts(t: dict[str, Any] | None) -> list[str]:
        return [(t or {}).get(lang, "") for lang in LANGUAGES]

    def add(
        kind: str,
        name: str,
        label: dict[str, Any] | None,
        hint: dict[str, Any] | None = None,
        required: bool = False,
        cond: dict[str, Any] | None = None,
        constraint: str = "",
        appearance: str = "",
        unit: dict[str, Any] | None = None,
    ) -> None:
        survey.append(
            [
                kind,
                name,
                *texts(label),
                *texts(hint),
                "yes" if required else "",
                relevant_expression(cond, kinds),
                constraint,
                appearance,
                *texts(unit),
            ]
        )

    def scale_list(name: str, with_dk: bool) -> str:
        scale = q.response_scales[name]
        list_name = name if with_dk or scale.dont_know is None else f"{name}_nodk"
        if list_name not in lists_written:
            lists_written.add(list_name)
            for i, point in enumerate(scale.points, start=1):
                choices.append([list_name, str(i), *texts(point)])
            if with_dk and scale.dont_know is not None:
                choices.append([list_name, "dont_know", *texts(scale.dont_know)])
        return list_name

    if q.intro:
        add("note", "intro", q.intro)
    for page in q.pages:
        add("begin_group", page.id, page.title, cond=page.show_if, appearance="field-list")
        if page.intro:
            add("note", f"{page.id}_intro"[:32], page.intro)
        for item in page.items:
            if item.type == "matrix":
                list_name = scale_list(item.scale or "", item.dont_know)
                add("note", item.code, item.text, item.help, cond=item.show_if)
                for row in item.rows:
                    add(
                        f"select_one {list_name}",
                        row.code,
                        row.text,
                        row.help,
                        item.required,
                        item.show_if,
                    )
            elif item.type == "likert":
                list_name = scale_list(item.scale or "", item.dont_know)
                add(
                    f"select_one {list_name}",
                    item.code,
                    item.text,
                    item.help,
                    item.required,
                    item.show_if,
                    appearance="likert",
                )
            elif item.type in ("single", "multi"):
                list_name = item.code
                for opt in item.options:
                    choices.append([list_name, str(opt.value), *texts(opt.label)])
                kind = "select_one" if item.type == "single" else "select_multiple"
                add(
                    f"{kind} {list_name}",
                    item.code,
                    item.text,
                    item.help,
                    item.required,
                    item.show_if,
                    _constraint_for(item),
                )
            elif item.type == "number":
                add(
                    "integer" if item.integer else "decimal",
                    item.code,
                    item.text,
                    item.help,
                    item.required,
                    item.show_if,
                    _constraint_for(item),
                    unit=item.unit,
                )
            else:
                add(
                    "text",
                    item.code,
                    item.text,
                    item.help,
                    item.required,
                    item.show_if,
                    _constraint_for(item),
                    "multiline" if item.type == "longtext" else "",
                )
        add("end_group", "", None)
    title = q.title or {}
    minutes = "-".join(str(m) for m in q.minutes) if q.minutes else ""
    settings = [
        ["form_title", "form_id", "role", "default_language", "title_nn", "title_en", "minutes"],
        [
            title.get("nb", q.code),
            q.code,
            q.role,
            LANGUAGE_NAMES["nb"],
            title.get("nn", ""),
            title.get("en", ""),
            minutes,
        ],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


def write_xlsform(q: Questionnaire, path: Any) -> None:
    """Write the questionnaire as an .xlsx XLSForm workbook to a path or a binary file object."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in xlsform_sheets(q).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([v if v != "" else None for v in row])
    wb.save(str(path) if isinstance(path, (str, Path)) else path)
