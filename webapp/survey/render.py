"""HTML for answer options, built in Python: a 17-row matrix page has over a hundred radios."""

from __future__ import annotations

from markupsafe import Markup, escape

from questionnaires import MISSING_ANSWERS

#: (field id, name, kind, choices) -> [(value, html before 'checked', html after)]; texts never
#: change for a questionnaire version, so the escaped pieces are built once
_PIECES: dict[tuple, list[tuple[str, str, str]]] = {}
_MAX_PIECES = 20_000


def _pieces(field_id: str, name: str, kind: str, choices: tuple) -> list[tuple[str, str, str]]:
    key = (field_id, name, kind, choices)
    pieces = _PIECES.get(key)
    if pieces is None:
        if len(_PIECES) > _MAX_PIECES:
            _PIECES.clear()
        pieces = []
        for i, (value, label) in enumerate(choices, start=1):
            oid = escape(field_id if i == 1 else f"{field_id}-{i}")
            extra = " option-dk" if value in MISSING_ANSWERS else ""
            pieces.append(
                (
                    value,
                    f'<div class="option{extra}"><input type="{kind}" id="{oid}" name="{escape(name)}" '
                    f'value="{escape(value)}"',
                    f'><label for="{oid}">{escape(label)}</label></div>',
                )
            )
        _PIECES[key] = pieces
    return pieces


def options_html(
    field, choices: list[tuple[str, str]], kind: str = "radio", scale: bool = False
) -> Markup:
    """The inputs of one question or matrix row, each with its own visible label."""
    if kind == "checkbox":
        chosen = {str(v) for v in (field.data or [])}
    else:
        chosen = {"" if field.data is None else str(field.data)}
    state = ' aria-invalid="true"' if field.errors else ""
    css = f"scale points-{len(choices)}" if scale else "options"
    parts = [f'<div class="{css}">']
    for value, head, tail in _pieces(field.id, field.name, kind, tuple(choices)):
        parts.append(head + (" checked" if value in chosen else "") + state + tail)
    parts.append("</div>")
    return Markup("".join(parts))
