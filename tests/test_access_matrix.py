"""Every route, every role: the declared access rule is what a request actually gets.

The test walks ``app.url_map`` so routes added later by any blueprint are covered without
editing this file. A route without ``@public`` or ``@roles_required`` fails
``test_every_route_declares_an_access_rule``. Sensitive routes are also pinned in SENSITIVE, so
widening one of them (e.g. letting researchers see non-responders) fails here too.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter, Rule

from webapp.access import PUBLIC, access_rule
from webapp.extensions import db

ROLES = ("admin", "evaluator", "researcher")
#: endpoint -> the exact set of roles allowed; researchers never see names or e-mails
SENSITIVE = {
    "console.non_responders": {"admin", "evaluator"},
    "console.panel": {"admin", "evaluator"},
    "console.panel_upload": {"admin", "evaluator"},
    "console.panel_preview": {"admin", "evaluator"},
    "console.panel_confirm": {"admin", "evaluator"},
    "console.wave_invitations": {"admin", "evaluator"},
    "console.panel_download": {"admin", "evaluator"},
    "console.invitations_download": {"admin", "evaluator"},
    "console.non_responders_download": {"admin", "evaluator"},
    "console.outbox": {"admin", "evaluator"},
    "console.outbox_message": {"admin", "evaluator"},
    "console.mail_preview": {"admin", "evaluator"},
    "console.wave_send": {"admin", "evaluator"},
    "console.wave_remind": {"admin", "evaluator"},
    "console.users": {"admin"},
    "console.user_role": {"admin"},
    "console.user_active": {"admin"},
    "console.audit_log": {"admin"},
    "console.dashboard": {"admin", "evaluator", "researcher"},
    "console.person": {"admin", "evaluator"},
    "console.person_access": {"admin", "evaluator"},
    "console.person_erase": {"admin", "evaluator"},
}
DUMMY = {"int": 987654, "float": 1.5, "uuid": "00000000-0000-0000-0000-000000000000"}


def _endpoints(app) -> list[Rule]:
    return [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint != "static" and not r.endpoint.endswith(".static")
    ]


def _url(rule: Rule) -> str:
    values = {}
    for name in rule.arguments:
        if name in (rule.defaults or {}):
            values[name] = rule.defaults[name]
            continue
        converter = type(rule._converters[name]).__name__
        if isinstance(rule._converters[name], IntegerConverter):
            values[name] = DUMMY["int"]
        elif converter == "FloatConverter":
            values[name] = DUMMY["float"]
        elif converter == "UUIDConverter":
            values[name] = DUMMY["uuid"]
        else:
            values[name] = "x" * 43 if "token" in name else "xyz"
    return rule.build(values, append_unknown=False)[1]


def _client_as(app, user_id: int | None):
    client = app.test_client()
    if user_id is not None:
        with client.session_transaction() as session:
            session["_user_id"] = f"{user_id}:1"
            session["_fresh"] = True
    return client


def _methods(rule: Rule) -> list[str]:
    return sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))


def test_every_route_declares_an_access_rule(app):
    missing = [r.endpoint for r in _endpoints(app) if access_rule(app, r.endpoint) is None]
    assert missing == [], f"routes without @public or @roles_required: {missing}"


def test_sensitive_routes_keep_their_roles(app):
    for endpoint, roles in SENSITIVE.items():
        if endpoint not in app.view_functions:
            continue
        assert access_rule(app, endpoint) == frozenset(roles), endpoint


def _login_redirect(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers.get("Location", "")


@pytest.mark.parametrize("role", (None, *ROLES), ids=("anonymous", *ROLES))
def test_every_route_allows_and_denies_as_declared(app, users, role):
    from webapp.models import User

    with app.app_context():
        user_id = None if role is None else db.session.query(User).filter_by(role=role).one().id
    problems = []
    for rule in _endpoints(app):
        declared = access_rule(app, rule.endpoint)
        if declared is None:
            continue  # reported by test_every_route_declares_an_access_rule
        url = _url(rule)
        for method in _methods(rule):
            if rule.endpoint == "auth.logout":
                continue  # would end the session mid-walk; it is public anyway
            client = _client_as(app, user_id)
            try:
                response = client.open(url, method=method)
            except Exception as exc:  # noqa: BLE001 - a crash on dummy input is a finding too
                problems.append(
                    f"{method} {url} ({rule.endpoint}) as {role}: raised {type(exc).__name__}: {exc}"
                )
                continue
            status = response.status_code
            if declared == PUBLIC:
                ok = not _login_redirect(response) and status not in (401, 403)
                expected = "open"
            elif role is None:
                ok = _login_redirect(response) if method == "GET" else status == 401
                expected = "login redirect" if method == "GET" else "401"
            elif role in declared:
                ok = status not in (401, 403) and not _login_redirect(response) and status < 500
                expected = "allowed"
            else:
                ok = status == 403
                expected = "403"
            if not ok:
                problems.append(
                    f"{method} {url} ({rule.endpoint}) as {role}: got {status}, expected {expected}"
                )
    assert problems == [], "\n".join(problems)
