"""The codebook of free-text themes (suksesskriterier og gode grep)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._yaml import LDict, LList, load_yaml
from .parse import _Ctx, coded_entries, parse_text
from .problems import InstrumentError, Problem, errors

THEME_KEYS = {
    "code",
    "label",
    "definition",
    "include",
    "exclude",
    "signals",
    "negative",
    "examples",
}


@dataclass(frozen=True)
class Theme:
    """One theme: labels, definition, include/exclude notes and the words that signal it."""

    code: str
    label: dict[str, str]
    definition: dict[str, str] | None = None
    include: dict[str, str] | None = None
    exclude: dict[str, str] | None = None
    signals: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Codebook:
    """A versioned set of themes for coding free-text items."""

    version: int
    items: tuple[str, ...]
    themes: tuple[Theme, ...] = field(default_factory=tuple)
    extra: dict[str, Any] = field(default_factory=dict)

    def theme_codes(self) -> list[str]:
        """Codes of the themes, in codebook order."""
        return [t.code for t in self.themes]


def _str_list(ctx: _Ctx, node: LDict, key: str, what: str) -> tuple[str, ...]:
    value = node.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        ctx.error(node, f"{what}: '{key}' must be a list of non-empty texts", key)
        return ()
    return tuple(v.strip() for v in value)


_GROUP = re.compile(r"\(([^()]*)\)")


def alternative_problem(signal: str) -> str | None:
    """Why ``signal``'s alternatives ``(a|b)`` cannot be read, or None when they can."""
    inner = _GROUP.sub(lambda m: "x", signal)
    if "(" in inner or ")" in inner:
        return "brackets must come in pairs and not nest, as in (rektor|leiinga) deltok"
    if "|" in inner:
        return "'|' separates alternatives inside brackets, as in (rektor|leiinga) deltok"
    for group in _GROUP.findall(signal):
        if any(not part.strip() for part in group.split("|")):
            return f"an empty alternative in ({group})"
    return None


def expand_alternatives(signal: str) -> list[str]:
    """Every phrase a signal with alternatives stands for: ``(a|b) c`` is ``a c`` and ``b c``."""
    match = _GROUP.search(signal)
    if not match:
        return [" ".join(signal.split())]
    head, tail = signal[: match.start()], signal[match.end() :]
    return [
        phrase
        for part in match.group(1).split("|")
        for phrase in expand_alternatives(head + part.strip() + tail)
    ]


def parse_codebook(path: Path | str) -> tuple[Codebook | None, list[Problem]]:
    """Parse a codebook file; returns (codebook or None, problems)."""
    ctx = _Ctx()
    raw = load_yaml(path, ctx.problems)
    if raw is None:
        return None, ctx.problems
    if not isinstance(raw, LDict) or not isinstance(raw.get("themes"), LList):
        ctx.error(raw, "a codebook must be a mapping with 'themes', a list of themes")
        return None, ctx.problems
    version = raw.get("version", 1)
    if not isinstance(version, int) or version < 1:
        ctx.error(raw, "'version' must be a whole number from 1", "version")
        version = 1
    items = raw.get("items") or []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        ctx.error(raw, "'items' must be a list of free-text item codes", "items")
        items = []
    themes: list[Theme] = []
    for node, code, what in coded_entries(
        ctx, raw["themes"], "theme", THEME_KEYS, "code, label and signals"
    ):
        signals = _str_list(ctx, node, "signals", what)
        negative = _str_list(ctx, node, "negative", what)
        for key, texts in (("signals", signals), ("negative", negative)):
            for signal in texts:
                problem = alternative_problem(signal)
                if problem:
                    ctx.error(node, f"{what}: signal '{signal}' in '{key}': {problem}", key)
        if not signals:
            ctx.warn(node, f"{what}: no signals; the auto-coder will never suggest it", "signals")
        themes.append(
            Theme(
                code=code,
                label=parse_text(ctx, node, "label", what) or {},
                definition=parse_text(ctx, node, "definition", what, False),
                include=parse_text(ctx, node, "include", what, False),
                exclude=parse_text(ctx, node, "exclude", what, False),
                signals=signals,
                negative=negative,
                examples=_str_list(ctx, node, "examples", what),
            )
        )
    extra = {k: v for k, v in raw.items() if k not in {"format", "version", "items", "themes"}}
    return Codebook(
        version=version, items=tuple(items), themes=tuple(themes), extra=extra
    ), ctx.problems


def load_codebook(path: Path | str) -> Codebook:
    """Load a codebook file, raising InstrumentError listing every problem."""
    book, problems = parse_codebook(path)
    if errors(problems) or book is None:
        raise InstrumentError(problems)
    return book
