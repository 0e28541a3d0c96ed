"""The scales file: which items form each index, reverse keying and minimum answered items."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._yaml import LDict, LList, load_yaml
from .parse import _check_keys, _Ctx, coded_entries, parse_text
from .problems import InstrumentError, Problem, errors


@dataclass(frozen=True)
class Scale:
    """An index: the mean of its items after reverse-keying, given enough answered items."""

    code: str
    label: dict[str, str]
    items: tuple[str, ...]
    reverse: tuple[str, ...] = ()
    min_items: int = 1
    range: tuple[int, int] = (1, 5)
    description: dict[str, str] | None = None
    line: int = 0


SCALE_KEYS = {"code", "label", "description", "items", "reverse", "min_items", "range"}


def parse_scales(path: Path | str) -> tuple[list[Scale], list[Problem], dict[str, int]]:
    """Parse a scales file; returns (scales, problems, item code -> line where it is named)."""
    ctx = _Ctx()
    raw = load_yaml(path, ctx.problems)
    item_lines: dict[str, int] = {}
    if raw is None:
        return [], ctx.problems, item_lines
    if not isinstance(raw, LDict) or not isinstance(raw.get("scales"), LList):
        ctx.error(raw, "a scales file must be a mapping with 'scales', a list of scales")
        return [], ctx.problems, item_lines
    _check_keys(ctx, raw, {"format", "version", "scales"}, "scales file")
    scales: list[Scale] = []
    for node, code, what in coded_entries(
        ctx, raw["scales"], "scale", SCALE_KEYS, "code, label and items"
    ):
        items = node.get("items")
        if not isinstance(items, LList) or not all(isinstance(i, str) for i in items) or not items:
            ctx.error(node, f"{what}: 'items' must be a non-empty list of item codes", "items")
            continue
        dupes = sorted({i for i in items if list(items).count(i) > 1})
        if dupes:
            ctx.error(node, f"{what}: item(s) listed twice: {', '.join(dupes)}", "items")
        if len(items) == 1:
            ctx.warn(
                node, f"{what}: has one item; its reliability (alpha) cannot be computed", "items"
            )
        for i in items:
            item_lines.setdefault(i, node.line_of("items"))
        reverse = node.get("reverse") or []
        if not isinstance(reverse, list):
            ctx.error(node, f"{what}: 'reverse' must be a list of item codes", "reverse")
            reverse = []
        for r in reverse:
            if r not in items:
                ctx.error(
                    node,
                    f"{what}: reverse-keyed item '{r}' is not among the scale's items",
                    "reverse",
                )
        min_items = node.get("min_items", 1)
        if (
            not isinstance(min_items, int)
            or isinstance(min_items, bool)
            or not 1 <= min_items <= len(items)
        ):
            ctx.error(
                node,
                f"{what}: 'min_items' must be a whole number from 1 to {len(items)}",
                "min_items",
            )
            min_items = 1
        rng = node.get("range", [1, 5])
        if not (
            isinstance(rng, list)
            and len(rng) == 2
            and all(isinstance(v, int) for v in rng)
            and rng[0] < rng[1]
        ):
            ctx.error(
                node, f"{what}: 'range' must be [low, high] whole numbers, low < high", "range"
            )
            rng = [1, 5]
        scales.append(
            Scale(
                code=code,
                label=parse_text(ctx, node, "label", what) or {},
                items=tuple(items),
                reverse=tuple(r for r in reverse if r in items),
                min_items=min_items,
                range=(rng[0], rng[1]),
                description=parse_text(ctx, node, "description", what, False),
                line=node.line,
            )
        )
    return scales, ctx.problems, item_lines


def load_scales(path: Path | str) -> list[Scale]:
    """Load a scales file, raising InstrumentError listing every problem."""
    scales, problems, _ = parse_scales(path)
    if errors(problems):
        raise InstrumentError(problems)
    return scales
