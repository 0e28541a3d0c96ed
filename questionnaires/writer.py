"""Write a Questionnaire back as a YAML file in the documented format (docs/questionnaire-format.md)."""

from __future__ import annotations

from typing import Any

import yaml

from .model import LANGUAGES, Item, Questionnaire


class _Flow(dict[str, Any]):
    """A mapping written on one line, e.g. ``{nb: Ja, nn: Ja, en: 'Yes'}``."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes texts in flow style and never uses aliases."""

    def ignore_aliases(self, data: Any) -> bool:  # yaml API
        return True


_Dumper.add_representer(
    _Flow,
    lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True),
)


def _text(text: dict[str, Any] | None) -> _Flow | None:
    if not text:
        return None
    return _Flow((lang, text[lang]) for lang in LANGUAGES if text.get(lang))


def _cond(value: Any) -> Any:
    """A condition as plain data, written on one line."""
    if isinstance(value, dict):
        return _Flow((k, _cond(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_cond(v) for v in value]
    return value


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != [] and value != {}:
        out[key] = value


def _item(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"code": item.code, "type": item.type}
    _put(out, "text", _text(item.text))
    _put(out, "help", _text(item.help))
    if item.required:
        out["required"] = True
    _put(out, "show_if", _cond(item.show_if))
    if item.type in ("likert", "matrix"):
        out["scale"] = item.scale
        if not item.dont_know:
            out["dont_know"] = False
    if item.type == "matrix":
        out["rows"] = []
        for row in item.rows:
            r: dict[str, Any] = {"code": row.code, "text": _text(row.text)}
            _put(r, "help", _text(row.help))
            out["rows"].append(r)
    if item.type in ("single", "multi"):
        out["options"] = [_Flow(value=o.value, label=_text(o.label)) for o in item.options]
        _put(out, "min_choices", item.min_choices)
        _put(out, "max_choices", item.max_choices)
    if item.type == "number":
        _put(out, "min", item.min)
        _put(out, "max", item.max)
        if item.integer:
            out["integer"] = True
        _put(out, "unit", _text(item.unit))
    if item.type in ("text", "longtext"):
        _put(out, "max_length", item.max_length)
    return out


def questionnaire_data(q: Questionnaire) -> dict[str, Any]:
    """The questionnaire as the plain data of a YAML file (includes resolved)."""
    out: dict[str, Any] = {"format": 1, "code": q.code, "role": q.role, "title": _text(q.title)}
    _put(out, "minutes", list(q.minutes) if q.minutes else None)
    _put(out, "intro", _text(q.intro))
    scales = {}
    for name, scale in q.response_scales.items():
        spec: dict[str, Any] = {"points": [_text(p) for p in scale.points]}
        _put(spec, "dont_know", _text(scale.dont_know))
        scales[name] = spec
    _put(out, "response_scales", scales)
    pages = []
    for page in q.pages:
        p: dict[str, Any] = {"id": page.id, "title": _text(page.title)}
        _put(p, "intro", _text(page.intro))
        _put(p, "show_if", _cond(page.show_if))
        p["items"] = [_item(i) for i in page.items]
        pages.append(p)
    out["pages"] = pages
    return out


def dump_yaml(q: Questionnaire) -> str:
    """The questionnaire as YAML text that ``parse_questionnaire`` reads back to the same content."""
    return yaml.dump(
        questionnaire_data(q), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
