"""What researchers see of a respondent: the exports' keyed pseudonym and redacted free text.

The coding screen, the disagreement list and the ``.qdpx`` project use the same rules as the
exports (evaluation/export): the person is shown as HMAC-SHA256(PSEUDONYM_KEY, panel id), never the
panel id an evaluator could look up, and free text has e-mail addresses, phone numbers and the
panel's own names and e-mail addresses replaced by ``[fjernet]``.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from flask import current_app

from evaluation.export.pseudonym import pseudonym
from evaluation.export.redact import Redactor

from ..extensions import db
from ..models import Contact

_LOCK = threading.Lock()
_CACHE: dict[tuple, Redactor] = {}


def respondent_key(panel_id: str) -> str:
    """The pseudonym researchers see for ``panel_id`` (the same as the exports' panel_id column)."""
    return pseudonym(current_app.config["PSEUDONYM_KEY"], panel_id)


def redactor() -> Redactor:
    """A Redactor with the panel's names and e-mail addresses, rebuilt when the contacts change."""
    state = tuple(
        db.session.execute(
            sa.select(sa.func.count(), sa.func.max(Contact.updated_at)).select_from(Contact)
        ).one()
    )
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], *state)
    with _LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    rows = db.session.execute(sa.select(Contact.name, Contact.email)).all()
    built = Redactor([t for row in rows for t in row if t and len(t.strip()) >= 3])
    with _LOCK:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = built
    return built


def redact(text: str | None) -> str | None:
    """``text`` with contact data replaced by ``[fjernet]``."""
    return redactor()(text)
