"""Template filters for the console: the body of an HTML e-mail, audit changes, questionnaire
changes in words (times: webapp/formats)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from . import bp

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)


@bp.app_template_filter("mail_body")
def mail_body(html: str) -> Markup:
    """The <body> of an e-mail we rendered ourselves (its values are escaped by the mail templates)."""
    match = _BODY.search(html)
    return Markup(match.group(1) if match else html)


@bp.app_template_filter("audit_changes")
def audit_changes(event) -> list[tuple[str, object, object]]:
    """(field, before, after) for the fields an audit event changed (all fields when one side is empty)."""
    before, after = event.before or {}, event.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    if before and after:
        keys = [k for k in keys if before.get(k) != after.get(k)]
    return [(k, before.get(k), after.get(k)) for k in keys]


_LANGS = ("nb", "nn", "en")
_MISSING_NAMES = {"dont_know": _l("vet ikke"), "not_applicable": _l("ikke relevant")}


def _is_text(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= set(_LANGS)


def _in_lang(text: dict, lang: str) -> str:
    return str(text.get(lang) or text.get("nb") or next(iter(text.values()), ""))


def _options(value: Any) -> dict[Any, Any] | None:
    """value -> label for an options list [(value, text), ...] or a scale {"points": [text, ...]}."""
    if isinstance(value, dict) and set(value) == {"points"} and isinstance(value["points"], list):
        return {i: p for i, p in enumerate(value["points"], start=1)}
    if (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(o, (list, tuple)) and len(o) == 2 and _is_text(o[1]) for o in value)
    ):
        return {o[0]: o[1] for o in value}
    return None


def _words(value: Any, lang: str, keep: set | None = None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(_("ja") if value else _("nei"))
    if _is_text(value):
        return _in_lang(value, lang)
    options = _options(value)
    if options is not None:
        shown = [(v, t) for v, t in options.items() if keep is None or v in keep]
        return (
            "; ".join(f"{v} = {_in_lang(t, lang) if _is_text(t) else t}" for v, t in shown) or "–"
        )
    if isinstance(value, dict) and value and set(value) <= set(_MISSING_NAMES):
        return "; ".join(
            f"{_MISSING_NAMES[k]}: {_in_lang(t, lang) if _is_text(t) else '–'}"
            for k, t in value.items()
        )
    return json.dumps(value, ensure_ascii=False)


@bp.app_template_filter("change_sides")
def change_sides(change) -> tuple[str | None, str | None]:
    """A questionnaire change's before and after in words, in the page's language: texts as text,
    options as "value = label" (only the options that differ), "vet ikke" / "ikke relevant" named."""
    lang = str(get_locale() or "nb")
    lang = lang if lang in _LANGS else "nb"
    keep = None
    old_opts, new_opts = _options(change.old), _options(change.new)
    if old_opts is not None and new_opts is not None:
        keep = {v for v in {*old_opts, *new_opts} if old_opts.get(v) != new_opts.get(v)}
    return _words(change.old, lang, keep), _words(change.new, lang, keep)
