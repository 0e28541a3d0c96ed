"""HTML for answer options, built in Python: a 17-row matrix page has over a hundred radios."""

from __future__ import annotations

from markupsafe import Markup, escape

from questionnaires import DONT_KNOW


def options_html(field, choices: list[tuple[str, str]], kind: str = "radio", scale: bool = False) -> Markup:
    """The inputs of one question or matrix row, each with its own visible label."""
    if kind == "checkbox":
        chosen = {str(v) for v in (field.data or [])}
    else:
        chosen = {"" if field.data is None else str(field.data)}
    invalid = ' aria-invalid="true"' if field.errors else ""
    name = escape(field.name)
    css = f"scale points-{len(choices)}" if scale else "options"
    parts = [f'<div class="{css}">']
    for i, (value, label) in enumerate(choices, start=1):
        oid = field.id if i == 1 else f"{field.id}-{i}"
        checked = " checked" if value in chosen else ""
        extra = " option-dk" if value == DONT_KNOW else ""
        parts.append(
            f'<div class="option{extra}"><input type="{kind}" id="{escape(oid)}" name="{name}" '
            f'value="{escape(value)}"{checked}{invalid}><label for="{escape(oid)}">{escape(label)}</label></div>'
        )
    parts.append("</div>")
    return Markup("".join(parts))
