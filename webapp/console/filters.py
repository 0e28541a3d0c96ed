"""Template filters for the console: Norwegian local time, the body of an HTML e-mail."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from . import bp

OSLO = ZoneInfo("Europe/Oslo")
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)


@bp.app_template_filter("localtime")
def localtime(value: datetime | None) -> str:
    """A UTC datetime as Norwegian wall-clock time, e.g. 2025-03-01 14:05."""
    if value is None:
        return ""
    return value.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("mail_body")
def mail_body(html: str) -> Markup:
    """The <body> of an e-mail we rendered ourselves (its values are escaped by the mail templates)."""
    match = _BODY.search(html)
    return Markup(match.group(1) if match else html)
