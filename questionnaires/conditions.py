"""``show_if`` conditions: check their shape and evaluate them against answers given so far."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any

COMPARISONS = ("equals", "in", "not_in", "contains", "gt", "gte", "lt", "lte", "answered")
COMBINATORS = ("all", "any", "not")


def validate_condition(cond: Any) -> list[str]:
    """Return what is wrong with the shape of a condition (empty when it is well formed)."""
    if not isinstance(cond, dict) or not cond:
        return ["must be a mapping such as {item: code, equals: 1}"]
    keys = set(cond)
    if keys & set(COMBINATORS):
        if len(keys) != 1:
            return [f"combines {', '.join(sorted(keys))}; use one of all/any/not alone"]
        (key,) = keys
        inner = cond[key]
        if key == "not":
            return validate_condition(inner)
        if not isinstance(inner, list) or not inner:
            return [f"'{key}' needs a non-empty list of conditions"]
        return [m for sub in inner for m in validate_condition(sub)]
    if "item" not in cond or not isinstance(cond["item"], str):
        return ["needs 'item', the code of an earlier item"]
    ops = keys - {"item"}
    if len(ops) != 1 or not ops <= set(COMPARISONS):
        return [f"needs exactly one of {', '.join(COMPARISONS)} beside 'item', got {sorted(ops)}"]
    (op,) = ops
    arg = cond[op]
    if op in ("in", "not_in") and not (isinstance(arg, list) and arg):
        return [f"'{op}' needs a non-empty list of values"]
    if op in ("gt", "gte", "lt", "lte") and (
        isinstance(arg, bool) or not isinstance(arg, (int, float))
    ):
        return [f"'{op}' needs a number"]
    if op == "answered" and not isinstance(arg, bool):
        return ["'answered' needs true or false"]
    return []


def condition_items(cond: Any) -> list[str]:
    """Return the item codes a condition refers to."""
    if not isinstance(cond, dict):
        return []
    if "item" in cond and isinstance(cond["item"], str):
        return [cond["item"]]
    out: list[str] = []
    for key in COMBINATORS:
        inner = cond.get(key)
        if key == "not" and inner is not None:
            out.extend(condition_items(inner))
        elif isinstance(inner, list):
            for sub in inner:
                out.extend(condition_items(sub))
    return out


def _is_answered(value: Any) -> bool:
    return value is not None and value != "" and value != []


def evaluate(cond: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    """True when ``cond`` holds for ``answers`` (item code -> value; 'dont_know' counts as answered).

    A comparison on an unanswered item is false, so follow-up questions stay hidden until the
    question they depend on is answered.
    """
    if cond is None:
        return True
    if "all" in cond:
        return all(evaluate(c, answers) for c in cond["all"])
    if "any" in cond:
        return any(evaluate(c, answers) for c in cond["any"])
    if "not" in cond:
        return not evaluate(cond["not"], answers)
    value = answers.get(cond["item"])
    if "answered" in cond:
        return _is_answered(value) == cond["answered"]
    if not _is_answered(value):
        return False
    if "contains" in cond:
        return isinstance(value, list) and cond["contains"] in value
    if "equals" in cond:
        return value == cond["equals"]
    if "in" in cond:
        return value in cond["in"]
    if "not_in" in cond:
        return value not in cond["not_in"]
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    for op, test in _ORDER:
        if op in cond:
            return bool(test(value, cond[op]))  # operator.gt, not int.__gt__: 3 > 2.5 works
    return False


_ORDER = (("gt", operator.gt), ("gte", operator.ge), ("lt", operator.lt), ("lte", operator.le))
