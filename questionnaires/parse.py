"""Read a questionnaire YAML file into a Questionnaire, collecting every problem with its line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._yaml import LDict, LList, display_path, load_yaml
from .conditions import condition_items, validate_condition
from .model import (
    ITEM_TYPES,
    LANGUAGES,
    ROLES,
    Item,
    Option,
    Page,
    Questionnaire,
    ResponseScale,
    Text,
)
from .problems import Problem

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
TOP_KEYS = {
    "format",
    "version",
    "code",
    "role",
    "title",
    "intro",
    "minutes",
    "response_scales",
    "pages",
}
PAGE_KEYS = {"id", "title", "intro", "show_if", "items"}
COMMON_ITEM_KEYS = {"code", "type", "text", "help", "required", "show_if"}
TYPE_KEYS = {
    "likert": {"scale", "dont_know", "not_applicable"},
    "matrix": {"scale", "dont_know", "not_applicable", "rows"},
    "single": {"options"},
    "multi": {"options", "min_choices", "max_choices"},
    "number": {"min", "max", "integer", "unit"},
    "text": {"max_length"},
    "longtext": {"max_length"},
}
DEFAULT_MAX_LENGTH = {"text": 200, "longtext": 4000}
MAX_INCLUDE_DEPTH = 5


class _Ctx:
    """Collects problems and remembers where each item code was first defined."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.item_where: dict[str, tuple[str, int]] = {}
        self.page_where: dict[str, tuple[str, int]] = {}
        self.scales: dict[str, ResponseScale] = {}
        self.scale_where: dict[str, tuple[str, int]] = {}
        self.item_nodes: dict[str, LDict] = {}

    def error(self, node: Any, message: str, key: str | None = None) -> None:
        """Record an error at ``node`` (or at its ``key``)."""
        self.problems.append(Problem(*_where(node, key), message))

    def warn(self, node: Any, message: str, key: str | None = None) -> None:
        """Record a warning at ``node``."""
        self.problems.append(Problem(*_where(node, key), message, "warning"))


def _where(node: Any, key: str | None = None) -> tuple[str, int]:
    source = getattr(node, "source", "?")
    if key is not None and isinstance(node, LDict):
        return source, node.line_of(key)
    return source, getattr(node, "line", 0)


def _parse_minutes(ctx: _Ctx, raw: LDict) -> list[int] | None:
    """``minutes: [10, 15]`` (or one number): how long answering takes."""
    value = raw.get("minutes")
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    ok = (
        1 <= len(values) <= 2
        and all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 600 for v in values)
        and values == sorted(values)
    )
    if not ok:
        ctx.error(
            raw,
            f"'minutes' must be a number of minutes or [fewest, most], e.g. [10, 15]; got {value!r}",
            "minutes",
        )
        return None
    return [int(v) for v in values]


def parse_text(ctx: _Ctx, parent: LDict, key: str, what: str, required: bool = True) -> Text | None:
    """Validate a nb/nn/en text under ``parent[key]``; warn on missing nn/en."""
    value = parent.get(key)
    if value is None:
        if required:
            ctx.error(parent, f"{what}: missing '{key}' text")
        return None
    if isinstance(value, str):
        ctx.error(
            parent, f"{what}: '{key}' must give languages, e.g. {{nb: ..., nn: ..., en: ...}}", key
        )
        return {"nb": value}
    if not isinstance(value, dict):
        ctx.error(parent, f"{what}: '{key}' must be a mapping of language to text", key)
        return None
    out: Text = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            ctx.error(value, f"{what}: unknown language '{lang}' in '{key}' (use nb, nn, en)", lang)
            continue
        if isinstance(text, bool):
            ctx.error(
                value,
                f"{what}: '{key}.{lang}' was read as {str(text).lower()} (YAML reads Yes/No/On/Off so); put the text in quotes",
                lang,
            )
            continue
        if isinstance(text, (int, float)):
            text = str(text)
        if not isinstance(text, str) or not text.strip():
            ctx.error(value, f"{what}: '{key}.{lang}' must be non-empty text", lang)
            continue
        out[lang] = text.strip()
    if "nb" not in value:
        ctx.error(value, f"{what}: missing nb (bokmål) text in '{key}'")
    for lang in ("nn", "en"):
        if lang not in value:
            ctx.warn(value, f"{what}: no {lang} text in '{key}'; nb is shown instead")
    return out


def _check_keys(ctx: _Ctx, node: LDict, allowed: set[str], what: str) -> None:
    for key in node:
        if key not in allowed:
            ctx.error(
                node, f"{what}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})", key
            )


def coded_entries(
    ctx: _Ctx, entries: LList, kind: str, allowed: set[str], needs: str
) -> Iterator[tuple[Any, str, str]]:
    """Yield (node, code, what) for each well-formed entry with a new code; report the others.

    Shared by the scales file and the codebook: every entry is a mapping with a ``code`` that
    matches CODE_RE and is unique in the list.
    """
    seen: dict[str, int] = {}
    for node in entries:
        if not isinstance(node, LDict):
            ctx.error(entries, f"each {kind} must be a mapping with {needs}")
            continue
        code = node.get("code")
        what = f"{kind} '{code}'"
        _check_keys(ctx, node, allowed, what)
        if not isinstance(code, str) or not CODE_RE.match(code):
            ctx.error(node, f"{kind} code {code!r} must match [a-z][a-z0-9_]*", "code")
            continue
        if code in seen:
            ctx.error(node, f"{what}: duplicate {kind} code (first at line {seen[code]})", "code")
            continue
        seen[code] = node.line
        yield node, code, what


def _parse_scales(ctx: _Ctx, raw: Any) -> None:
    if raw is None:
        return
    if not isinstance(raw, LDict):
        ctx.error(raw, "response_scales must be a mapping of name to scale")
        return
    for name, spec in raw.items():
        if name in ctx.scales:
            src, line = ctx.scale_where[name]
            ctx.error(raw, f"response scale '{name}' defined twice (first at {src}:{line})", name)
            continue
        if not isinstance(spec, LDict) or not isinstance(spec.get("points"), LList):
            ctx.error(
                raw, f"response scale '{name}': needs 'points', a list of labelled points", name
            )
            continue
        _check_keys(
            ctx, spec, {"points", "dont_know", "not_applicable"}, f"response scale '{name}'"
        )
        points: list[Text] = []
        for point in spec["points"]:
            if not isinstance(point, LDict):
                ctx.error(
                    spec["points"], f"response scale '{name}': each point must be a text mapping"
                )
                continue
            holder = LDict(label=point)
            holder.source, holder.line, holder.key_lines = point.source, point.line, {}
            points.append(parse_text(ctx, holder, "label", f"response scale '{name}' point") or {})
        if not 2 <= len(points) <= 11:
            ctx.error(
                spec, f"response scale '{name}': needs 2 to 11 points, has {len(points)}", "points"
            )
        dont_know = parse_text(ctx, spec, "dont_know", f"response scale '{name}'", required=False)
        not_applicable = parse_text(
            ctx, spec, "not_applicable", f"response scale '{name}'", required=False
        )
        ctx.scales[name] = ResponseScale(
            name=name, points=points, dont_know=dont_know, not_applicable=not_applicable
        )
        ctx.scale_where[name] = (raw.source, raw.line_of(name))


def _parse_options(ctx: _Ctx, node: LDict, what: str) -> list[Option]:
    raw = node.get("options")
    if not isinstance(raw, LList) or not raw:
        ctx.error(node, f"{what}: needs 'options', a non-empty list of {{value, label}}", "options")
        return []
    options: list[Option] = []
    seen: set[int] = set()
    for opt in raw:
        if not isinstance(opt, LDict):
            ctx.error(raw, f"{what}: each option must be a mapping with value and label")
            continue
        _check_keys(ctx, opt, {"value", "label"}, f"{what} option")
        value = opt.get("value")
        if not isinstance(value, int) or isinstance(value, bool):
            ctx.error(opt, f"{what}: option value must be a whole number, got {value!r}", "value")
            continue
        if value in seen:
            ctx.error(opt, f"{what}: duplicate option value {value}", "value")
        seen.add(value)
        label = parse_text(ctx, opt, "label", f"{what} option {value}") or {}
        options.append(Option(value=value, label=label))
    return options


def _number(ctx: _Ctx, node: LDict, key: str, what: str) -> float | None:
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        ctx.error(node, f"{what}: '{key}' must be a number, got {value!r}", key)
        return None
    return value


def _register_code(ctx: _Ctx, node: LDict, code: Any, what: str) -> str | None:
    if not isinstance(code, str) or not CODE_RE.match(code):
        ctx.error(
            node,
            f"{what}: item code {code!r} must match [a-z][a-z0-9_]* and be at most 32 characters",
            "code",
        )
        return None
    if code in ctx.item_where:
        src, line = ctx.item_where[code]
        ctx.error(
            node, f"item '{code}': duplicate item code (first defined at {src}:{line})", "code"
        )
        return None
    ctx.item_where[code] = (node.source, node.line_of("code"))
    ctx.item_nodes[code] = node
    return code


def _parse_item(
    ctx: _Ctx, node: Any, is_row: bool = False, parent: Item | None = None
) -> Item | None:
    if not isinstance(node, LDict):
        ctx.error(node, "an item must be a mapping with code, type and text")
        return None
    code = node.get("code")
    what = f"item '{code}'" if isinstance(code, str) else "item"
    code = _register_code(ctx, node, code, what)
    if is_row:
        _check_keys(ctx, node, {"code", "text", "help"}, f"{what} (matrix row)")
        text = parse_text(ctx, node, "text", what) or {}
        assert parent is not None
        return Item(
            code=code or "",
            type="likert",
            text=text,
            help=parse_text(ctx, node, "help", what, False),
            required=parent.required,
            scale=parent.scale,
            dont_know=parent.dont_know,
            not_applicable=parent.not_applicable,
        )
    item_type = node.get("type")
    if item_type not in ITEM_TYPES:
        ctx.error(
            node, f"{what}: unknown item type {item_type!r} (use {', '.join(ITEM_TYPES)})", "type"
        )
        return None
    _check_keys(ctx, node, COMMON_ITEM_KEYS | TYPE_KEYS[item_type], f"{what} ({item_type})")
    required = node.get("required", False)
    if not isinstance(required, bool):
        ctx.error(node, f"{what}: 'required' must be true or false", "required")
        required = False
    item = Item(
        code=code or "",
        type=item_type,
        text=parse_text(ctx, node, "text", what) or {},
        help=parse_text(ctx, node, "help", what, False),
        required=required,
        show_if=node.get("show_if"),
    )
    if item_type in ("likert", "matrix"):
        item.scale = node.get("scale")
        if item.scale not in ctx.scales:
            known = ", ".join(sorted(ctx.scales)) or "none defined"
            ctx.error(
                node, f"{what}: unknown response scale {item.scale!r} (known: {known})", "scale"
            )
        item.dont_know = bool(node.get("dont_know", True))
        if "not_applicable" in node:
            if not isinstance(node["not_applicable"], bool):
                ctx.error(node, f"{what}: 'not_applicable' must be true or false", "not_applicable")
            elif node["not_applicable"]:
                item.not_applicable = True
                scale = ctx.scales.get(item.scale or "")
                if scale is not None and not scale.not_applicable:
                    ctx.error(
                        node,
                        f"{what}: offers 'ikke relevant' but response scale "
                        f"'{item.scale}' has no 'not_applicable' label",
                        "not_applicable",
                    )
    if item_type == "matrix":
        rows = node.get("rows")
        if not isinstance(rows, LList) or not rows:
            ctx.error(
                node, f"{what}: a matrix needs 'rows', a non-empty list of {{code, text}}", "rows"
            )
        else:
            item.rows = [r for r in (_parse_item(ctx, row, True, item) for row in rows) if r]
    elif item_type in ("single", "multi"):
        item.options = _parse_options(ctx, node, what)
        if item_type == "multi":
            item.min_choices = node.get("min_choices")
            item.max_choices = node.get("max_choices")
            for key in ("min_choices", "max_choices"):
                v = node.get(key)
                if v is not None and (not isinstance(v, int) or not 0 <= v <= len(item.options)):
                    ctx.error(
                        node,
                        f"{what}: '{key}' must be a whole number from 0 to {len(item.options)}",
                        key,
                    )
    elif item_type == "number":
        item.min, item.max = _number(ctx, node, "min", what), _number(ctx, node, "max", what)
        if item.min is not None and item.max is not None and item.min > item.max:
            ctx.error(node, f"{what}: min {item.min} is greater than max {item.max}", "min")
        item.integer = bool(node.get("integer", False))
        item.unit = parse_text(ctx, node, "unit", what, False)
    elif item_type in ("text", "longtext"):
        ml = node.get("max_length", DEFAULT_MAX_LENGTH[item_type])
        if not isinstance(ml, int) or isinstance(ml, bool) or not 1 <= ml <= 100_000:
            ctx.error(
                node, f"{what}: 'max_length' must be a whole number from 1 to 100000", "max_length"
            )
            ml = DEFAULT_MAX_LENGTH[item_type]
        item.max_length = ml
    return item


def _parse_page(ctx: _Ctx, node: LDict) -> Page | None:
    _check_keys(ctx, node, PAGE_KEYS, f"page '{node.get('id')}'")
    pid = node.get("id")
    if not isinstance(pid, str) or not CODE_RE.match(pid):
        ctx.error(node, f"page id {pid!r} must match [a-z][a-z0-9_]*", "id")
        pid = f"page_{node.line}"
    elif pid in ctx.page_where:
        src, line = ctx.page_where[pid]
        ctx.error(node, f"page '{pid}': duplicate page id (first at {src}:{line})", "id")
    ctx.page_where.setdefault(pid, (node.source, node.line))
    items_raw = node.get("items")
    if not isinstance(items_raw, LList) or not items_raw:
        ctx.error(node, f"page '{pid}': needs 'items', a non-empty list", "items")
        items_raw = []
    items = [i for i in (_parse_item(ctx, raw) for raw in items_raw) if i]
    return Page(
        id=pid,
        title=parse_text(ctx, node, "title", f"page '{pid}'") or {},
        items=items,
        intro=parse_text(ctx, node, "intro", f"page '{pid}'", False),
        show_if=node.get("show_if"),
    )


def _expand_pages(
    ctx: _Ctx, raw: Any, base: Path, depth: int, stack: tuple[Path, ...]
) -> list[LDict]:
    """Resolve ``include:`` entries into page mappings, depth-first."""
    if isinstance(raw, LDict):
        raw_list: list[Any] = [raw]
    elif isinstance(raw, LList):
        raw_list = list(raw)
    else:
        ctx.error(raw, "pages must be a list of pages or includes")
        return []
    pages: list[LDict] = []
    for entry in raw_list:
        if not isinstance(entry, LDict):
            ctx.error(raw, "each page must be a mapping (a page or {include: file})")
            continue
        if "include" not in entry:
            pages.append(entry)
            continue
        target = (base / str(entry["include"])).resolve()
        if target in stack or depth >= MAX_INCLUDE_DEPTH:
            ctx.error(
                entry, f"include '{entry['include']}' loops back or nests too deep", "include"
            )
            continue
        if not target.is_file():
            ctx.error(
                entry,
                f"include '{entry['include']}': no such file ({display_path(target)})",
                "include",
            )
            continue
        included = load_yaml(target, ctx.problems)
        if included is None:
            continue
        if isinstance(included, LDict) and "pages" in included:
            _parse_scales(ctx, included.get("response_scales"))
            included = included["pages"]
        elif isinstance(included, LDict) and "response_scales" in included and "id" not in included:
            _parse_scales(ctx, included.get("response_scales"))
            continue
        pages.extend(_expand_pages(ctx, included, target.parent, depth + 1, stack + (target,)))
    return pages


def _check_conditions(ctx: _Ctx, pages: list[Page], raw_pages: list[LDict]) -> None:
    """Conditions must name items that exist and come earlier in the form."""
    order: dict[str, int] = {}
    for page in pages:
        for item in page.items:
            order[item.code] = len(order)
            for row in item.rows:
                order[row.code] = order[item.code]
    for page, raw_page in zip(pages, raw_pages, strict=False):
        first = order.get(page.items[0].code, 0) if page.items else 0
        _check_one(ctx, raw_page, page.show_if, f"page '{page.id}'", first, order)
        for item in page.items:
            node = ctx.item_nodes.get(item.code, raw_page)
            _check_one(
                ctx, node, item.show_if, f"item '{item.code}'", order.get(item.code, 0), order
            )


def _check_one(
    ctx: _Ctx, node: Any, cond: Any, what: str, here: int, order: dict[str, int]
) -> None:
    if cond is None:
        return
    for message in validate_condition(cond):
        ctx.error(node, f"{what}: show_if {message}", "show_if")
    for code in condition_items(cond):
        if code not in order:
            ctx.error(node, f"{what}: show_if names unknown item '{code}'", "show_if")
        elif order[code] >= here:
            ctx.error(
                node,
                f"{what}: show_if names item '{code}', which does not come before it",
                "show_if",
            )


def parse_questionnaire(path: Path | str) -> tuple[Questionnaire | None, list[Problem]]:
    """Parse and validate a questionnaire file; returns (questionnaire or None, problems)."""
    path = Path(path)
    ctx = _Ctx()
    raw = load_yaml(path, ctx.problems)
    if raw is None:
        return None, ctx.problems
    if not isinstance(raw, LDict):
        ctx.error(raw, "a questionnaire file must be a mapping with code, role, title and pages")
        return None, ctx.problems
    _check_keys(ctx, raw, TOP_KEYS, "questionnaire")
    if raw.get("format", 1) != 1:
        ctx.error(
            raw, f"unsupported format {raw.get('format')!r} (this version reads format 1)", "format"
        )
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        ctx.error(raw, f"questionnaire code {code!r} must match [a-z][a-z0-9_]*", "code")
    role = raw.get("role")
    if role not in ROLES:
        ctx.error(raw, f"unknown role {role!r} (use {', '.join(ROLES)})", "role")
    _parse_scales(ctx, raw.get("response_scales"))
    raw_pages = (
        _expand_pages(ctx, raw.get("pages"), path.parent, 0, (path.resolve(),))
        if "pages" in raw
        else []
    )
    if "pages" not in raw:
        ctx.error(raw, "questionnaire has no 'pages'")
    pages = [p for p in (_parse_page(ctx, rp) for rp in raw_pages) if p]
    _check_conditions(ctx, pages, raw_pages)
    title = parse_text(ctx, raw, "title", "questionnaire") or {}
    version = raw.get("version")
    if version is not None and (
        not isinstance(version, int) or isinstance(version, bool) or version < 1
    ):
        ctx.error(raw, f"'version' must be a whole number from 1, not {version!r}", "version")
        version = None
    q = Questionnaire(
        code=str(code),
        role=str(role),
        title=title,
        pages=pages,
        response_scales=ctx.scales,
        intro=parse_text(ctx, raw, "intro", "questionnaire", False),
        version=version,
        minutes=_parse_minutes(ctx, raw),
    )
    q.item_lines = {code: where for code, where in ctx.item_where.items()}  # type: ignore[attr-defined]
    return q, ctx.problems
