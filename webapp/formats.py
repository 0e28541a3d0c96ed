"""Numbers, percentages, dates and times for the user's language, by Babel, as Jinja filters.

Every number a person reads goes through here: decimal comma and a thin space between
thousands in bokmål and nynorsk, Norwegian wall-clock time (Europe/Oslo) for every stored
UTC time. The filters are registered on the app, so every blueprint's templates use them.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from flask import Flask
from flask_babel import get_locale

OSLO = ZoneInfo("Europe/Oslo")
DASH = "–"
#: date and time patterns per language; Norwegian readers expect 29.11.2026 12:29
DATETIME_PATTERNS = {
    "nb": "dd.MM.y 'kl.' HH:mm",
    "nn": "dd.MM.y 'kl.' HH:mm",
    "en": "d MMM y, HH:mm",
}
DATE_PATTERNS = {"nb": "dd.MM.y", "nn": "dd.MM.y", "en": "d MMM y"}


def current_language() -> str:
    """The request's language code (nb, nn or en); nb outside a request."""
    try:
        locale = get_locale()
    except (RuntimeError, AttributeError):
        locale = None
    lang = str(locale) if locale is not None else "nb"
    return lang if lang in DATETIME_PATTERNS else "nb"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, digits: int | None = None, lang: str | None = None) -> str:
    """``value`` with the locale's decimal sign; ``digits`` fixes the decimals (None: as needed)."""
    if _missing(value):
        return DASH
    lang = lang or current_language()
    if digits is None:
        return format_decimal(value, locale=lang)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=lang)


def percent(value, digits: int = 1, lang: str | None = None) -> str:
    """A share between 0 and 1 as a percentage, e.g. 0.393 → «39,3 %»."""
    if _missing(value):
        return DASH
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "\u00a0%"
    return format_percent(value, format=pattern, locale=lang or current_language())


def _aware(value: datetime) -> datetime:
    # stored times are UTC; a naive one (SQLite) is UTC too
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def local_datetime(value: datetime | None, lang: str | None = None) -> str:
    """A stored UTC time as Norwegian wall-clock time in the locale's pattern."""
    if value is None:
        return DASH
    lang = lang or current_language()
    return format_datetime(_aware(value), DATETIME_PATTERNS[lang], tzinfo=OSLO, locale=lang)


def local_date(value: date | datetime | None, lang: str | None = None) -> str:
    """A date (or the Oslo date of a UTC time) in the locale's pattern."""
    if value is None:
        return DASH
    lang = lang or current_language()
    if isinstance(value, datetime):
        value = _aware(value).astimezone(OSLO).date()
    return format_date(value, DATE_PATTERNS[lang], locale=lang)


def init_formats(app: Flask) -> None:
    """Register the filters: number, percent, localtime, localdate."""
    app.add_template_filter(number, "number")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(local_datetime, "localtime")
    app.add_template_filter(local_date, "localdate")
