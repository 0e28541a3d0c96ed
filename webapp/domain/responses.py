"""Respondents' answers: open a response, save a page, submit once, close a wave's responses.

What an answer may be and which items are shown is questionnaires/answers.py (pure); this module
stores them. Every save prunes the answers of items that became hidden. Saves are guarded by the
response's ``revision`` (compare-and-set), so two tabs cannot interleave half-written pages. A
page save is at most three statements: the compare-and-set UPDATE of the response, one DELETE of
the answers that went away and one multi-row INSERT ... ON CONFLICT DO UPDATE of those that
changed (on PostgreSQL from unnest() of arrays, so the statement text never changes).
The caller owns the transaction (commit or rollback).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import joinedload, load_only
from sqlalchemy.orm.attributes import set_committed_value

from questionnaires import Item, Page, Questionnaire
from questionnaires.answers import (
    InvalidAnswer,
    check_value,
    leaf_items,
    missing_required,
    prune_hidden,
)

from ..extensions import db
from ..models import (
    Answer,
    Invitation,
    Person,
    QuestionnaireVersion,
    Response,
    Wave,
    WaveQuestionnaire,
    utcnow,
)
from ..models.response import ANSWER_VALUE_COLUMNS, answer_columns, answer_value
from ..models.types import UTCDateTime

__all__ = [
    "AlreadySubmitted",
    "InvalidAnswer",
    "PageChange",
    "StaleRevision",
    "apply_change",
    "find_response",
    "load_answers",
    "mark_partial_for_wave",
    "page_change",
    "questionnaire_of",
    "save_answers",
    "save_page",
    "start_response",
    "submit",
]


class StaleRevision(Exception):
    """The response was saved elsewhere (another tab or device) since this form was shown."""


class AlreadySubmitted(Exception):
    """The response is complete; nothing may change any more."""


_QUESTIONNAIRES: dict[str, Questionnaire] = {}


def questionnaire_of(response: Response) -> Questionnaire:
    """The questionnaire a response answers, parsed once per content hash (versions never change)."""
    version = response.version
    q = _QUESTIONNAIRES.get(version.content_hash)
    if q is None:
        q = _QUESTIONNAIRES[version.content_hash] = version.questionnaire
    return q


def find_response(invitation_id: int) -> Response | None:
    """The response of an invitation, with its version (but not the bulky definition) loaded."""
    return db.session.scalar(
        sa.select(Response)
        .options(joinedload(Response.version).defer(QuestionnaireVersion.definition))
        .where(Response.invitation_id == invitation_id)
    )


# -- reading ------------------------------------------------------------------------------------


def load_answers(response: Response) -> dict[str, Any]:
    """The stored answers of ``response`` as item code -> value."""
    rows = db.session.execute(
        sa.select(Answer.item_code, *[getattr(Answer, c) for c in ANSWER_VALUE_COLUMNS]).where(
            Answer.response_id == response.id
        )
    )
    return {code: answer_value(*values) for code, *values in rows}


# -- writing ------------------------------------------------------------------------------------


def start_response(invitation: Invitation) -> Response:
    """The invitation's response, created on first open with its role's questionnaire version."""
    now = utcnow()
    if invitation.opened_at is None:
        invitation.opened_at = now
    response = find_response(invitation.id)
    if response is not None:
        return response
    # one query for the version the person's role answers in the wave (without its definition)
    role = sa.select(Person.role).where(Person.id == invitation.person_id).scalar_subquery()
    version = db.session.scalar(
        sa.select(QuestionnaireVersion)
        .join(
            WaveQuestionnaire, WaveQuestionnaire.questionnaire_version_id == QuestionnaireVersion.id
        )
        .where(WaveQuestionnaire.wave_id == invitation.wave_id, WaveQuestionnaire.role == role)
        .options(load_only(QuestionnaireVersion.content_hash))
    )
    if version is None:
        raise LookupError(
            f"wave {invitation.wave.name} has no questionnaire for role {invitation.person.role}"
        )
    response = Response(
        invitation_id=invitation.id,
        wave_id=invitation.wave_id,
        person_id=invitation.person_id,
        questionnaire_version_id=version.id,
        status="in_progress",
        started_at=now,
        revision=0,
        version=version,
    )
    db.session.add(response)
    db.session.flush()
    return response


def _bump_revision(response: Response, revision: int | None, **values: Any) -> None:
    """Compare-and-set the revision (and set ``values``): only one writer per revision wins."""
    if response.status == "complete":
        raise AlreadySubmitted()
    t = Response.__table__
    stmt = sa.update(t).where(t.c.id == response.id, t.c.status != "complete")
    if revision is not None:
        stmt = stmt.where(t.c.revision == revision)
    if (
        "status" not in values
        and response.status == "partial"
        and db.session.get(Wave, response.wave_id).is_open
    ):
        values["status"] = "in_progress"  # a wave that closed and opened again
    result = db.session.execute(
        stmt.values(revision=t.c.revision + 1, updated_at=utcnow(), **values)
    )
    if result.rowcount != 1:
        raise StaleRevision()
    if revision is None:
        db.session.refresh(response, ["revision"])
    else:
        set_committed_value(response, "revision", revision + 1)
    for key, value in values.items():
        set_committed_value(response, key, value)


@dataclass
class PageChange:
    """A validated save, not yet written: what was posted, and all answers after it (pruned)."""

    values: dict[str, Any]
    before: dict[str, Any]
    final: dict[str, Any]


def page_change(
    response: Response,
    page_id: str,
    values: Mapping[str, Any],
    before: Mapping[str, Any] | None = None,
) -> PageChange:
    """Check the answers given on one page (None clears one) and prune what becomes hidden.

    ``before`` are the stored answers when the caller has them. Raises InvalidAnswer for an item
    that is not on the page or a value that breaks the item's rule. Writes nothing.
    """
    q = questionnaire_of(response)
    index = q.page_index(page_id)
    if index is None:
        raise InvalidAnswer(page_id, "no such page")
    allowed = {item.code: item for item, _ in leaf_items(q.pages[index])}
    clean: dict[str, Any] = {}
    for code, value in values.items():
        if code not in allowed:
            raise InvalidAnswer(code, f"is not an item on page '{page_id}'")
        clean[code] = check_value(q, allowed[code], value)
    before = dict(load_answers(response) if before is None else before)
    return PageChange(clean, before, prune_hidden(q, {**before, **clean}))


def apply_change(
    response: Response, change: PageChange, *, revision: int | None, **columns: Any
) -> dict[str, Any]:
    """Write ``change`` if the stored revision is still ``revision`` (else StaleRevision).

    ``columns`` are further response columns set in the same UPDATE (e.g. ``current_page``).
    Unchanged answers are not rewritten (their updated_at stays). Returns the answers after it.
    """
    _bump_revision(response, revision, **columns)
    _write(response.id, change.before, change.values, change.final)
    return change.final


def _write(
    response_id: int, before: Mapping[str, Any], values: Mapping[str, Any], final: Mapping[str, Any]
) -> None:
    gone = [code for code in before if code not in final]
    if gone:
        a = Answer.__table__
        db.session.execute(
            sa.delete(a).where(a.c.response_id == response_id, a.c.item_code.in_(gone))
        )
    now = utcnow()
    rows = [
        {"response_id": response_id, "item_code": code, "updated_at": now, **answer_columns(value)}
        for code, value in final.items()
        if code not in before or (code in values and before[code] != value)
    ]
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        # one INSERT ... SELECT FROM unnest(arrays) ON CONFLICT: a short, constant statement that
        # PostgreSQL prepares once per connection, whatever the number of rows
        columns = {c: [r[c] for r in rows] for c in ("item_code", *ANSWER_VALUE_COLUMNS)}
        columns["value_list"] = [
            None if v is None else json.dumps(v) for v in columns["value_list"]
        ]
        db.session.execute(
            _PG_UPSERT,
            {
                "response_id": response_id,
                "updated_at": now,
                **{f"{c}s": v for c, v in columns.items()},
            },
        )
    else:
        db.session.execute(_sqlite_upsert(), rows)


_PG_UPSERT = sa.text("""
INSERT INTO answer (response_id, item_code, value_num, value_text, value_list, missing_code, updated_at)
SELECT :response_id, u.item_code, u.value_num, u.value_text, CAST(u.value_list AS JSON), u.missing_code,
       :updated_at
FROM unnest(CAST(:item_codes AS VARCHAR[]), CAST(:value_nums AS DOUBLE PRECISION[]),
            CAST(:value_texts AS TEXT[]), CAST(:value_lists AS TEXT[]), CAST(:missing_codes AS VARCHAR[]))
     AS u(item_code, value_num, value_text, value_list, missing_code)
ON CONFLICT (response_id, item_code) DO UPDATE SET
    value_num = EXCLUDED.value_num, value_text = EXCLUDED.value_text,
    value_list = EXCLUDED.value_list, missing_code = EXCLUDED.missing_code,
    updated_at = EXCLUDED.updated_at
""").bindparams(sa.bindparam("updated_at", type_=UTCDateTime()))


@functools.cache
def _sqlite_upsert() -> Any:
    """INSERT ... ON CONFLICT (response_id, item_code) DO UPDATE, one row per parameter set."""
    a = Answer.__table__
    stmt = sqlite.insert(a)
    return stmt.on_conflict_do_update(
        index_elements=[a.c.response_id, a.c.item_code],
        set_={c: stmt.excluded[c] for c in (*ANSWER_VALUE_COLUMNS, "updated_at")},
    )


def save_page(
    response: Response, page_id: str, values: Mapping[str, Any], *, revision: int | None
) -> dict[str, Any]:
    """Store the answers given on one page (None clears one) and prune hidden items' answers.

    ``revision`` is the revision the form was shown with; a different stored revision raises
    StaleRevision (the caller rolls back), so a second tab never overwrites the first. Returns the
    answers after the save.
    """
    return apply_change(response, page_change(response, page_id, values), revision=revision)


def save_answers(response: Response, values: Mapping[str, Any]) -> dict[str, Any]:
    """Store answers to any items of the response's questionnaire (e.g. demo data loaders)."""
    q = questionnaire_of(response)
    clean: dict[str, Any] = {}
    for code, value in values.items():
        item = q.find_item(code)
        if item is None or not item.is_answerable:
            raise InvalidAnswer(code, "is not an answerable item in this questionnaire")
        clean[code] = check_value(q, item, value)
    before = load_answers(response)
    return apply_change(
        response, PageChange(clean, before, prune_hidden(q, {**before, **clean})), revision=None
    )


def submit(
    response: Response, *, revision: int | None, answers: Mapping[str, Any] | None = None
) -> list[tuple[Page, Item]]:
    """Mark the response complete when every required visible item is answered.

    Returns the missing (page, item) pairs and changes nothing when some are missing. Raises
    AlreadySubmitted when it was submitted before, StaleRevision when another save came first.
    ``answers`` are the stored answers when the caller has them.
    """
    if response.status == "complete":
        raise AlreadySubmitted()
    q = questionnaire_of(response)
    answers = dict(load_answers(response) if answers is None else answers)
    missing = missing_required(q, answers)
    if missing:
        return missing
    now = utcnow()
    final = prune_hidden(q, answers)
    _bump_revision(response, revision, status="complete", submitted_at=now, current_page=None)
    _write(response.id, answers, {}, final)
    inv = Invitation.__table__
    db.session.execute(
        sa.update(inv).where(inv.c.id == response.invitation_id).values(submitted_at=now)
    )
    invitation = db.session.identity_map.get(
        db.session.identity_key(Invitation, response.invitation_id)
    )
    if invitation is not None:
        set_committed_value(invitation, "submitted_at", now)
    return []


def mark_partial_for_wave(wave: Wave) -> int:
    """Mark every unfinished response of a closing wave as partial (answers kept); returns the count."""
    result = db.session.execute(
        sa.update(Response)
        .where(Response.wave_id == wave.id, Response.status == "in_progress")
        .values(status="partial", updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
    return result.rowcount or 0
