"""Respondents' answers: open a response, save a page, submit once, close a wave's responses.

Answers are plain values keyed by item code: an int/float (likert, single, number), a str
(text, longtext), a list of ints (multi) or ``'dont_know'``. Items hidden by ``show_if`` (their
own or their page's) never keep an answer: every save prunes them. Saves are guarded by the
response's ``revision`` (compare-and-set), so two tabs cannot interleave half-written pages.
The caller owns the transaction (commit or rollback).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from questionnaires import DONT_KNOW, NOT_APPLICABLE, Item, Page, Questionnaire, evaluate_condition

from ..extensions import db
from ..models import Answer, Invitation, QuestionnaireVersion, Response, Wave, utcnow

TEXT_DEFAULT_MAX = {"text": 200, "longtext": 4000}


class StaleRevision(Exception):
    """The response was saved elsewhere (another tab or device) since this form was shown."""


class AlreadySubmitted(Exception):
    """The response is complete; nothing may change any more."""


class InvalidAnswer(ValueError):
    """A value that no form could have produced (unknown item, option outside the list...)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


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


# -- visibility ---------------------------------------------------------------------------------

def item_shown(item: Item, answers: Mapping[str, Any], parent: Item | None = None) -> bool:
    """True when ``item`` (and its matrix ``parent``, if any) passes its show_if."""
    if parent is not None and not evaluate_condition(parent.show_if, answers):
        return False
    return evaluate_condition(item.show_if, answers)


def visible_pages(q: Questionnaire, answers: Mapping[str, Any]) -> list[Page]:
    """The pages whose show_if holds for ``answers``, in order (pages without items are skipped)."""
    return [p for p in q.pages if p.items and evaluate_condition(p.show_if, answers)]


def leaf_items(page: Page) -> list[tuple[Item, Item | None]]:
    """Every answerable item of ``page`` as (item, parent matrix or None)."""
    out: list[tuple[Item, Item | None]] = []
    for item in page.items:
        if item.type == "matrix":
            out.extend((row, item) for row in item.rows)
        else:
            out.append((item, None))
    return out


def hidden_codes(q: Questionnaire, answers: Mapping[str, Any]) -> set[str]:
    """Codes of the answerable items that are hidden (by their page's or their own show_if)."""
    shown_pages = {p.id for p in visible_pages(q, answers)}
    hidden: set[str] = set()
    for page in q.pages:
        for item, parent in leaf_items(page):
            if page.id not in shown_pages or not item_shown(item, answers, parent):
                hidden.add(item.code)
    return hidden


def prune_hidden(q: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """``answers`` without the answers to hidden items (repeated until nothing more hides)."""
    current = {k: v for k, v in answers.items() if v is not None}
    while True:
        drop = hidden_codes(q, current) & set(current)
        if not drop:
            return current
        for code in drop:
            del current[code]


# -- values -------------------------------------------------------------------------------------

def max_length(item: Item) -> int:
    """The longest text accepted for a text item."""
    return item.max_length or TEXT_DEFAULT_MAX.get(item.type, 200)


def check_value(q: Questionnaire, item: Item, value: Any) -> Any:
    """Return ``value`` normalised for ``item``, or raise InvalidAnswer saying what is wrong."""
    if value is None or value == "" or value == []:
        return None
    code = item.code
    if item.type == "likert":
        if value == DONT_KNOW:
            if not item.dont_know:
                raise InvalidAnswer(code, "'vet ikke' is not offered for this item")
            return DONT_KNOW
        if value == NOT_APPLICABLE:
            if not item.not_applicable:
                raise InvalidAnswer(code, "'ikke relevant' is not offered for this item")
            return NOT_APPLICABLE
        scale = q.response_scales.get(item.scale or "")
        top = scale.max if scale else 5
        if not _is_int(value) or not 1 <= int(value) <= top:
            raise InvalidAnswer(code, f"{value!r} is not a point on the scale 1..{top}")
        return int(value)
    if item.type == "single":
        allowed = {o.value for o in item.options}
        if not _is_int(value) or int(value) not in allowed:
            raise InvalidAnswer(code, f"{value!r} is not one of the options {sorted(allowed)}")
        return int(value)
    if item.type == "multi":
        allowed = [o.value for o in item.options]
        if not isinstance(value, list) or not all(_is_int(v) and int(v) in allowed for v in value):
            raise InvalidAnswer(code, f"{value!r} is not a list of the options {allowed}")
        chosen = {int(v) for v in value}
        if len(chosen) != len(value):
            raise InvalidAnswer(code, "an option is chosen twice")
        return [v for v in allowed if v in chosen]
    if item.type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InvalidAnswer(code, f"{value!r} is not a number")
        if item.integer and not float(value).is_integer():
            raise InvalidAnswer(code, f"{value!r} is not a whole number")
        if (item.min is not None and value < item.min) or (item.max is not None and value > item.max):
            raise InvalidAnswer(code, f"{value!r} is outside {item.min}..{item.max}")
        return int(value) if item.integer else value
    if item.type in ("text", "longtext"):
        if not isinstance(value, str):
            raise InvalidAnswer(code, "is not a text")
        text = value.strip()
        if len(text) > max_length(item):
            raise InvalidAnswer(code, f"is {len(text)} characters long; the limit is {max_length(item)}")
        return text or None
    raise InvalidAnswer(code, f"items of type {item.type} take no answer")


def _is_int(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and float(value).is_integer()


def _store(answer: Answer, value: Any) -> None:
    answer.value_num = answer.value_text = answer.value_list = answer.missing_code = None
    if value in (DONT_KNOW, NOT_APPLICABLE):
        answer.missing_code = value
    elif isinstance(value, list):
        answer.value_list = list(value)
    elif isinstance(value, str):
        answer.value_text = value
    else:
        answer.value_num = float(value)


# -- reading ------------------------------------------------------------------------------------

def load_answers(response: Response) -> dict[str, Any]:
    """The stored answers of ``response`` as item code -> value."""
    rows = db.session.execute(
        sa.select(Answer.item_code, Answer.value_num, Answer.value_text, Answer.value_list,
                  Answer.missing_code).where(Answer.response_id == response.id)
    )
    return {code: _value(num, text, lst, missing) for code, num, text, lst, missing in rows}


def _value(num: float | None, text: str | None, lst: list | None, missing: str | None) -> Any:
    """The answer value from its columns (as Answer.value does)."""
    if missing:
        return missing
    if lst is not None:
        return lst
    if text is not None:
        return text
    if num is not None and float(num).is_integer():
        return int(num)
    return num


def missing_required(q: Questionnaire, answers: Mapping[str, Any]) -> list[tuple[Page, Item]]:
    """Required, visible items without an answer, as (page, item), in form order."""
    out = []
    for page in visible_pages(q, answers):
        for item, parent in leaf_items(page):
            if item.required and item_shown(item, answers, parent) and answers.get(item.code) is None:
                out.append((page, item))
    return out


# -- writing ------------------------------------------------------------------------------------

def start_response(invitation: Invitation) -> Response:
    """The invitation's response, created on first open with its role's questionnaire version."""
    now = utcnow()
    if invitation.opened_at is None:
        invitation.opened_at = now
    response = find_response(invitation.id)
    if response is not None:
        return response
    version = invitation.wave.version_for(invitation.person.role)
    if version is None:
        raise LookupError(f"wave {invitation.wave.name} has no questionnaire for role {invitation.person.role}")
    response = Response(
        invitation_id=invitation.id, wave_id=invitation.wave_id, person_id=invitation.person_id,
        questionnaire_version_id=version.id, status="in_progress", started_at=now, revision=0,
    )
    db.session.add(response)
    db.session.flush()
    return response


def _bump_revision(response: Response, revision: int | None) -> None:
    """Compare-and-set the revision: only one writer per revision wins."""
    if response.status == "complete":
        raise AlreadySubmitted()
    stmt = sa.update(Response).where(Response.id == response.id, Response.status != "complete")
    if revision is not None:
        stmt = stmt.where(Response.revision == revision)
    result = db.session.execute(
        stmt.values(revision=Response.revision + 1, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        raise StaleRevision()
    if revision is None:
        db.session.refresh(response, ["revision"])
    else:
        set_committed_value(response, "revision", revision + 1)


def _write(response: Response, q: Questionnaire, values: Mapping[str, Any]) -> dict[str, Any]:
    existing = {a.item_code: a for a in
                db.session.scalars(sa.select(Answer).where(Answer.response_id == response.id))}
    before = {code: a.value for code, a in existing.items()}
    merged = {**before, **values}
    final = prune_hidden(q, merged)
    for code, answer in existing.items():
        if code not in final:
            db.session.delete(answer)
    for code, value in final.items():
        answer = existing.get(code)
        if answer is None:
            answer = Answer(response_id=response.id, item_code=code)
            db.session.add(answer)
        elif code not in values or before[code] == value:
            continue  # unchanged answers are not rewritten (their updated_at stays)
        _store(answer, value)
    if response.status == "partial" and db.session.get(Wave, response.wave_id).is_open:
        response.status = "in_progress"
    db.session.flush()
    return final


def save_page(response: Response, page_id: str, values: Mapping[str, Any], *,
              revision: int | None) -> dict[str, Any]:
    """Store the answers given on one page (None clears one) and prune hidden items' answers.

    ``revision`` is the revision the form was shown with; a different stored revision raises
    StaleRevision (the caller rolls back), so a second tab never overwrites the first. Returns the
    answers after the save.
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
    _bump_revision(response, revision)
    return _write(response, q, clean)


def save_answers(response: Response, values: Mapping[str, Any]) -> dict[str, Any]:
    """Store answers to any items of the response's questionnaire (e.g. demo data loaders)."""
    q = questionnaire_of(response)
    clean: dict[str, Any] = {}
    for code, value in values.items():
        item = q.find_item(code)
        if item is None or not item.is_answerable:
            raise InvalidAnswer(code, "is not an answerable item in this questionnaire")
        clean[code] = check_value(q, item, value)
    _bump_revision(response, None)
    return _write(response, q, clean)


def submit(response: Response, *, revision: int | None) -> list[tuple[Page, Item]]:
    """Mark the response complete when every required visible item is answered.

    Returns the missing (page, item) pairs and changes nothing when some are missing. Raises
    AlreadySubmitted when it was submitted before, StaleRevision when another save came first.
    """
    if response.status == "complete":
        raise AlreadySubmitted()
    q = questionnaire_of(response)
    answers = load_answers(response)
    missing = missing_required(q, answers)
    if missing:
        return missing
    _bump_revision(response, revision)
    _write(response, q, {})
    now = utcnow()
    response.status = "complete"
    response.submitted_at = now
    response.current_page = None
    invitation = db.session.get(Invitation, response.invitation_id)
    invitation.submitted_at = now
    db.session.flush()
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

