"""The console menu: each feature blueprint adds its entries with the roles that see them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    """A menu entry: label (bokmål msgid), endpoint, roles that see it, order."""

    label: str
    endpoint: str
    roles: frozenset[str]
    order: int = 50


NAV: list[NavItem] = []


def add_nav(label: str, endpoint: str, roles: tuple[str, ...], order: int = 50) -> None:
    """Register a console menu entry (call at import time of a blueprint package)."""
    if any(item.endpoint == endpoint for item in NAV):
        return
    NAV.append(NavItem(label, endpoint, frozenset(roles), order))
    NAV.sort(key=lambda i: (i.order, i.label))


def visible_nav() -> list[NavItem]:
    """Menu entries the current user may see and that exist in this app."""
    if not current_user.is_authenticated:
        return []
    return [
        item
        for item in NAV
        if current_user.role in item.roles and item.endpoint in current_app.view_functions
    ]


def init_navigation(app: Flask) -> None:
    """Make ``nav_items`` and ``nav_active`` available in templates."""

    @app.context_processor
    def inject_nav() -> dict:
        endpoint = request.endpoint or ""
        return {"nav_items": visible_nav(), "nav_active": endpoint.split(".")[0]}
