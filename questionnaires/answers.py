"""Answers against a questionnaire: which items are shown, and the one rule for a valid answer.

Pure Python (no database, no Flask): the web form, the save and the demo loader all call
``check_value``, so an answer is valid by the same rule everywhere. Answers are plain values keyed
by item code: an int/float (likert, single, number), a str (text, longtext), a list of ints
(multi) or a named missing code (``'dont_know'``, ``'not_applicable'``). Items hidden by ``show_if`` (their own or their page's) never keep
an answer (``prune_hidden``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .conditions import evaluate as evaluate_condition
from .model import DONT_KNOW, NOT_APPLICABLE, Item, Page, Questionnaire

TEXT_DEFAULT_MAX = {"text": 200, "longtext": 4000}

#: reasons a person can cause by typing or ticking (shown as a field error); every other reason
#: is a value no form could have produced
MISTAKES = frozenset(
    {"not_whole", "out_of_range", "too_long", "too_few_choices", "too_many_choices"}
)


class InvalidAnswer(ValueError):
    """A value that breaks the item's rule; ``reason`` names which, ``params`` fill the message."""

    def __init__(self, code: str, message: str, reason: str = "impossible", **params: Any):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.reason = reason
        self.params = params

    @property
    def is_mistake(self) -> bool:
        """True when a person could have typed or ticked this (a field error, not tampering)."""
        return self.reason in MISTAKES


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


def missing_required(q: Questionnaire, answers: Mapping[str, Any]) -> list[tuple[Page, Item]]:
    """Required, visible items without an answer, as (page, item), in form order."""
    out = []
    for page in visible_pages(q, answers):
        for item, parent in leaf_items(page):
            if (
                item.required
                and item_shown(item, answers, parent)
                and answers.get(item.code) is None
            ):
                out.append((page, item))
    return out


# -- the rule for one value ---------------------------------------------------------------------


def max_length(item: Item) -> int:
    """The longest text accepted for a text item."""
    return item.max_length or TEXT_DEFAULT_MAX.get(item.type, 200)


def check_value(q: Questionnaire, item: Item, value: Any) -> Any:
    """Return ``value`` normalised for ``item``, or raise InvalidAnswer saying what is wrong.

    None, "" and [] mean no answer (None). Whether a missing answer is allowed (``required``)
    depends on what is shown, so it is ``missing_required``'s business, not this rule's.
    """
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
        return _check_choices(item, value)
    if item.type == "number":
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise InvalidAnswer(code, f"{value!r} is not a number")
        if item.integer and not float(value).is_integer():
            raise InvalidAnswer(code, f"{value!r} is not a whole number", "not_whole")
        if (item.min is not None and value < item.min) or (
            item.max is not None and value > item.max
        ):
            raise InvalidAnswer(
                code,
                f"{value!r} is outside {item.min}..{item.max}",
                "out_of_range",
                low=item.min,
                high=item.max,
            )
        return int(value) if item.integer else value
    if item.type in ("text", "longtext"):
        if not isinstance(value, str):
            raise InvalidAnswer(code, "is not a text")
        text = value.strip()
        limit = max_length(item)
        if len(text) > limit:
            raise InvalidAnswer(
                code,
                f"is {len(text)} characters long; the limit is {limit}",
                "too_long",
                over=len(text) - limit,
                limit=limit,
            )
        return text or None
    raise InvalidAnswer(code, f"items of type {item.type} take no answer")


def _check_choices(item: Item, value: Any) -> list[int]:
    code = item.code
    allowed = [o.value for o in item.options]
    if not isinstance(value, list) or not all(_is_int(v) and int(v) in allowed for v in value):
        raise InvalidAnswer(code, f"{value!r} is not a list of the options {allowed}")
    chosen = {int(v) for v in value}
    if len(chosen) != len(value):
        raise InvalidAnswer(code, "an option is chosen twice")
    if item.min_choices and len(chosen) < item.min_choices:
        raise InvalidAnswer(
            code,
            f"{len(chosen)} chosen; at least {item.min_choices} needed",
            "too_few_choices",
            n=item.min_choices,
        )
    if item.max_choices and len(chosen) > item.max_choices:
        raise InvalidAnswer(
            code,
            f"{len(chosen)} chosen; at most {item.max_choices} allowed",
            "too_many_choices",
            n=item.max_choices,
        )
    return [v for v in allowed if v in chosen]


def _is_int(value: Any) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and float(value).is_integer()
    )
