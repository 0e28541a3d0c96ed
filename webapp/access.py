"""Who may open which route: every view declares its rule, and a route without one is refused.

Deny by default: a view with no ``@public`` or ``@roles_required`` answers 403, so a new route
cannot be exposed by forgetting a decorator (tests/test_access_matrix.py walks every route).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

PUBLIC = "public"
#: endpoints Flask itself adds
BUILTIN_PUBLIC = {"static"}


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone (respondents, anonymous visitors)."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    """Mark a view as open to logged-in users with one of ``roles``."""
    if not roles:
        raise ValueError("roles_required needs at least one role")

    def mark(view: Callable) -> Callable:
        view.access_rule = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return mark


def access_rule(app: Flask, endpoint: str | None) -> Any:
    """The rule declared for ``endpoint``: PUBLIC, a frozenset of roles, or None (undeclared)."""
    if endpoint is None:
        return None
    if endpoint in BUILTIN_PUBLIC or endpoint.endswith(".static"):
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce_access() -> Any:
    """before_request hook: let the request through only if the endpoint's rule allows it."""
    if request.endpoint is None:  # 404 / 405 are handled by Flask
        return None
    rule = access_rule(current_app, request.endpoint)
    if rule == PUBLIC:
        return None
    if rule is None:
        current_app.logger.error("route %s has no access rule; refused", request.endpoint)
        abort(403)
    if not current_user.is_authenticated:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    if current_user.role not in rule:
        abort(403)
    return None


def init_access(app: Flask) -> None:
    """Install the access check on ``app``."""
    app.before_request(enforce_access)
