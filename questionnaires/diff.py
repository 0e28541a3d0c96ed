"""What changed between two questionnaire versions, and which changes break comparability.

Pure Python. ``diff_questionnaires(old, new, scales=..., measured=...)`` compares item by item
(matched on item code, the same code meaning the same question in every wave) and returns a
``QuestionnaireDiff``. A change to an item that belongs to an analysis scale (``scales.yaml``)
measured in an earlier wave is flagged ``breaking``: scores before and after are no longer
comparable. ``comparability_report`` turns that into rows for a report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from .model import LANGUAGES, Item, Page, Questionnaire, ResponseScale

#: Change kinds, in the order they are listed.
KINDS = (
    "added",
    "removed",
    "reworded",
    "help_reworded",
    "type_changed",
    "options_changed",
    "response_scale_changed",
    "missing_options_changed",
    "moved_scale",
    "moved_matrix",
    "moved_page",
    "condition_changed",
    "required_changed",
    "range_changed",
)
#: Kinds that never affect what a respondent answers and so never break comparability.
#: ``missing_options_changed``: only the "vet ikke" / "ikke relevant" options changed (their labels,
#: or "ikke relevant" offered apart from "vet ikke"); the valid points are the same and every
#: missing option is missing in the analysis, so a scale's scores stay comparable.
HARMLESS = frozenset({"help_reworded", "required_changed", "moved_page", "missing_options_changed"})


@dataclass(frozen=True)
class Change:
    """One difference for one item code."""

    code: str
    kind: str
    #: language for ``reworded``/``help_reworded`` (nb, nn, en), else None
    language: str | None = None
    old: Any = None
    new: Any = None
    #: analysis scales (codes) the item belongs to, old and new
    scales: tuple[str, ...] = ()
    #: True when the item is in a scale measured in an earlier wave and the change matters
    breaking: bool = False

    def describe(self) -> str:
        """A one-line English description, e.g. ``samarb_plan: reworded (nn)``."""
        lang = f" ({self.language})" if self.language else ""
        detail = ""
        if self.kind in ("reworded", "help_reworded"):
            detail = f": {self.old!r} -> {self.new!r}"
        elif self.kind not in ("added", "removed") and (
            self.old is not None or self.new is not None
        ):
            detail = f": {_short(self.old)} -> {_short(self.new)}"
        flag = " [BREAKS COMPARABILITY of " + ", ".join(self.scales) + "]" if self.breaking else ""
        return f"{self.code}: {self.kind.replace('_', ' ')}{lang}{detail}{flag}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (for audit records and exports)."""
        data = asdict(self)
        data["scales"] = list(self.scales)
        return data


@dataclass
class QuestionnaireDiff:
    """Every change between two versions, in form order of the new version."""

    old_code: str
    new_code: str
    changes: list[Change] = field(default_factory=list)
    #: broken scales whose new definition uses only items measured before and unchanged: the
    #: analysis scores them again in the earlier waves, so their trend continues
    recomputable: list[str] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        """The changes that break comparability with an earlier wave."""
        return [c for c in self.changes if c.breaking]

    @property
    def is_empty(self) -> bool:
        """True when nothing changed."""
        return not self.changes

    def by_kind(self, kind: str) -> list[Change]:
        """The changes of one kind."""
        return [c for c in self.changes if c.kind == kind]

    def broken_scales(self) -> list[str]:
        """Codes of the analysis scales whose comparability a change breaks."""
        return sorted({s for c in self.breaking for s in c.scales})

    def lines(self) -> list[str]:
        """One description per change (what the CLI prints)."""
        return [c.describe() for c in self.changes]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return {
            "old": self.old_code,
            "new": self.new_code,
            "changes": [c.to_dict() for c in self.changes],
            "broken_scales": self.broken_scales(),
            "recomputable": list(self.recomputable),
        }


@dataclass(frozen=True)
class _Where:
    item: Item
    page: Page
    matrix: Item | None

    @property
    def condition(self) -> Any:
        """The conditions that decide whether the item is shown: page, matrix and own."""
        parts = [self.page.show_if, self.matrix.show_if if self.matrix else None, self.item.show_if]
        return [p for p in parts if p is not None] or None


def _index(q: Questionnaire) -> dict[str, _Where]:
    out: dict[str, _Where] = {}
    for page in q.pages:
        for item in page.items:
            out[item.code] = _Where(item, page, None)
            for row in item.rows:
                out[row.code] = _Where(row, page, item)
    return out


def _scale_points(q: Questionnaire, name: str | None) -> Any:
    """The valid points of a response scale (what a score is made of)."""
    scale: ResponseScale | None = q.response_scales.get(name) if name else None
    if scale is None:
        return None
    return {"points": scale.points}


def _missing_options(q: Questionnaire, item: Item) -> Any:
    """The missing options an item offers, with their labels ("vet ikke", "ikke relevant")."""
    scale: ResponseScale | None = q.response_scales.get(item.scale) if item.scale else None
    if scale is None:
        return None
    return {
        "dont_know": scale.dont_know if item.dont_know else None,
        "not_applicable": scale.not_applicable if item.not_applicable else None,
    }


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def scale_membership(scales: Iterable[Any]) -> dict[str, tuple[str, ...]]:
    """Item code -> codes of the analysis scales it belongs to (scales have .code and .items)."""
    out: dict[str, list[str]] = {}
    for scale in scales:
        for code in scale.items:
            out.setdefault(code, []).append(scale.code)
    return {k: tuple(v) for k, v in out.items()}


def _item_changes(
    code: str, old: _Where, new: _Where, oq: Questionnaire, nq: Questionnaire
) -> list[Change]:
    a, b = old.item, new.item
    out: list[Change] = []
    for lang in LANGUAGES:
        if (a.text or {}).get(lang) != (b.text or {}).get(lang):
            out.append(
                Change(code, "reworded", lang, (a.text or {}).get(lang), (b.text or {}).get(lang))
            )
    if old.matrix and new.matrix:
        for lang in LANGUAGES:
            if (old.matrix.text or {}).get(lang) != (new.matrix.text or {}).get(lang):
                out.append(
                    Change(
                        code,
                        "reworded",
                        lang,
                        f"[stem] {(old.matrix.text or {}).get(lang)}",
                        f"[stem] {(new.matrix.text or {}).get(lang)}",
                    )
                )
    for lang in LANGUAGES:
        if (a.help or {}).get(lang) != (b.help or {}).get(lang):
            out.append(
                Change(
                    code, "help_reworded", lang, (a.help or {}).get(lang), (b.help or {}).get(lang)
                )
            )
    if a.type != b.type:
        out.append(Change(code, "type_changed", None, a.type, b.type))
    old_opts = [(o.value, o.label) for o in a.options]
    new_opts = [(o.value, o.label) for o in b.options]
    if old_opts != new_opts:
        out.append(Change(code, "options_changed", None, old_opts, new_opts))
    if a.scale != b.scale:
        out.append(Change(code, "response_scale_changed", None, a.scale, b.scale))
    elif a.scale and _scale_points(oq, a.scale) != _scale_points(nq, b.scale):
        out.append(
            Change(
                code,
                "options_changed",
                None,
                _scale_points(oq, a.scale),
                _scale_points(nq, b.scale),
            )
        )
    if a.dont_know != b.dont_know and a.type in ("likert", "matrix"):
        out.append(
            Change(
                code,
                "options_changed",
                None,
                {"dont_know": a.dont_know},
                {"dont_know": b.dont_know},
            )
        )
    elif a.scale and b.scale and _missing_options(oq, a) != _missing_options(nq, b):
        out.append(
            Change(
                code,
                "missing_options_changed",
                None,
                _missing_options(oq, a),
                _missing_options(nq, b),
            )
        )
    if (old.matrix.code if old.matrix else None) != (new.matrix.code if new.matrix else None):
        out.append(
            Change(
                code,
                "moved_matrix",
                None,
                old.matrix.code if old.matrix else None,
                new.matrix.code if new.matrix else None,
            )
        )
    if old.page.id != new.page.id:
        out.append(Change(code, "moved_page", None, old.page.id, new.page.id))
    if old.condition != new.condition:
        out.append(Change(code, "condition_changed", None, old.condition, new.condition))
    if a.required != b.required:
        out.append(Change(code, "required_changed", None, a.required, b.required))
    old_range = (a.min, a.max, a.integer, a.min_choices, a.max_choices, a.max_length)
    new_range = (b.min, b.max, b.integer, b.min_choices, b.max_choices, b.max_length)
    if old_range != new_range:
        names = ("min", "max", "integer", "min_choices", "max_choices", "max_length")
        out.append(
            Change(
                code,
                "range_changed",
                None,
                {k: v for k, v, w in zip(names, old_range, new_range, strict=True) if v != w},
                {k: w for k, v, w in zip(names, old_range, new_range, strict=True) if v != w},
            )
        )
    return out


def diff_questionnaires(
    old: Questionnaire,
    new: Questionnaire,
    *,
    scales: Iterable[Any] = (),
    old_scales: Iterable[Any] | None = None,
    measured: Iterable[str] | None = None,
) -> QuestionnaireDiff:
    """Compare two versions item by item.

    ``scales`` are the analysis scales (``questionnaires.Scale`` or anything with ``.code`` and
    ``.items``) for the new version; ``old_scales`` those of the old one when they differ (an
    item that changes scale is ``moved_scale``). ``measured`` are the item codes answered in an
    earlier wave (default: every item of ``old``, i.e. the old version was used in a wave). A
    change to a measured item that belongs to a scale is marked ``breaking``.
    """
    scales = list(scales)
    new_member = scale_membership(scales)
    old_member = scale_membership(old_scales) if old_scales is not None else new_member
    oi, ni = _index(old), _index(new)
    measured_set = set(oi) if measured is None else set(measured)
    raw: list[Change] = []
    for code, where in ni.items():
        if code not in oi:
            raw.append(Change(code, "added", None, None, where.page.id))
        else:
            raw.extend(_item_changes(code, oi[code], where, old, new))
        if old_member.get(code, ()) != new_member.get(code, ()) and (
            code in oi or old_member.get(code)
        ):
            raw.append(
                Change(
                    code,
                    "moved_scale",
                    None,
                    list(old_member.get(code, ())),
                    list(new_member.get(code, ())),
                )
            )
    for code, where in oi.items():
        if code not in ni:
            raw.append(Change(code, "removed", None, where.page.id, None))
    out = []
    for change in raw:
        member = tuple(
            sorted(set(old_member.get(change.code, ())) | set(new_member.get(change.code, ())))
        )
        breaking = (
            bool(member)
            and change.kind not in HARMLESS
            and (change.code in measured_set or change.kind in ("added", "moved_scale"))
        )
        if change.kind == "added" and not member:
            breaking = False
        out.append(
            Change(
                change.code,
                change.kind,
                change.language,
                change.old,
                change.new,
                member,
                breaking and _scale_measured(member, old_member, measured_set),
            )
        )
    order = {k: i for i, k in enumerate(KINDS)}
    position = {code: i for i, code in enumerate([*ni, *(c for c in oi if c not in ni)])}
    out.sort(key=lambda c: (position.get(c.code, 0), order[c.kind], c.language or ""))
    broken = {s for c in out if c.breaking for s in c.scales}
    changed = {c.code for c in out if c.kind not in HARMLESS}
    recomputable = sorted(
        s.code
        for s in scales
        if s.code in broken
        and all(i in measured_set and i in oi and i not in changed for i in s.items)
    )
    return QuestionnaireDiff(old.code, new.code, out, recomputable)


def _scale_measured(
    scale_codes: tuple[str, ...], member: dict[str, tuple[str, ...]], measured: set[str]
) -> bool:
    """A scale counts as measured when any of its items was answered in an earlier wave."""
    return any(s in member.get(code, ()) for code in measured for s in scale_codes)


def comparability_report(diff: QuestionnaireDiff) -> list[dict[str, Any]]:
    """One row per analysis scale whose comparability a change breaks: scale, items, changes."""
    rows: dict[str, dict[str, Any]] = {}
    for change in diff.breaking:
        for scale in change.scales:
            row = rows.setdefault(scale, {"scale": scale, "items": [], "changes": []})
            if change.code not in row["items"]:
                row["items"].append(change.code)
            row["changes"].append(change.describe())
    return [rows[k] for k in sorted(rows)]
