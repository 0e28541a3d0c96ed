"""Template filters for the console: the body of an HTML e-mail, audit changes (times: webapp/formats)."""

from __future__ import annotations

import re

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
