"""Security headers on every response: a strict CSP without inline scripts, no referrer leaks."""

from __future__ import annotations

from flask import Flask, Request, Response, current_app
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

#: the largest id or page number a route accepts (PostgreSQL integer)
MAX_INT = 2**31 - 1

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'self'"
)


def set_security_headers(response: Response) -> Response:
    """Add CSP and related headers; personal links must never leak through Referer."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    max_age = current_app.config.get("HSTS_MAX_AGE", 0)
    if current_app.config.get("ENV_NAME") == "production" and max_age:
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={max_age}; includeSubDomains"
        )
    return response


def init_security(app: Flask) -> None:
    """Install the header hook on ``app``."""
    app.after_request(set_security_headers)
    app.url_map.converters["int"] = BoundedInt
    app.request_class = BoundedRequest


class BoundedInt(IntegerConverter):
    """``<int:...>`` in routes, limited to what an integer column holds: larger ids are a 404."""

    def __init__(
        self,
        url_map,
        fixed_digits: int = 0,
        min: int | None = None,  # noqa: A002
        max: int | None = None,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits, min, MAX_INT if max is None else max, signed)


class BoundedArgs(ImmutableMultiDict):
    """Query and form values: ``get(name, type=int)`` refuses numbers no id or page can be (400)."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        """As MultiDict.get; an int outside the 32-bit range is a 400 Bad Request."""
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not -MAX_INT <= value <= MAX_INT:
            raise BadRequest(f"{key}: the number is too large")
        return value


class BoundedRequest(Request):
    """The app's request class: query and form values are :class:`BoundedArgs`."""

    parameter_storage_class = BoundedArgs
