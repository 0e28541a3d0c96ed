"""The variable catalogue: one variable per item code (and per option of a multi item) across waves.

Variables are addressed by item code, never by position: the same code in two questionnaire
versions is the same variable. The catalogue records in which waves, roles and versions each
variable appears and every change of its label or value labels between versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from questionnaires import Item, Questionnaire

from .missing import code_base

__all__ = ["VersionUse", "Variable", "Catalogue", "build_catalogue", "MEASURES"]

#: item type -> SPSS measurement level
MEASURES = {
    "likert": "ordinal",
    "single": "nominal",
    "multi_option": "nominal",
    "number": "scale",
    "text": "nominal",
    "longtext": "nominal",
}
TEXT_TYPES = ("text", "longtext")


@dataclass(frozen=True)
class VersionUse:
    """A questionnaire version answered by a role in a wave (from the responses that used it)."""

    wave: int
    role: str
    label: str
    questionnaire: Questionnaire = field(compare=False, hash=False)


@dataclass
class Variable:
    """An exported variable built from one item (or one option of a multi item)."""

    name: str
    item_code: str
    item_type: str  # likert, single, multi_option, number, text, longtext
    label: dict[str, str]
    question: dict[str, str] | None = None  # the matrix stem or multi question
    option: int | None = None  # the option value for a multi_option variable
    value_labels: dict[int, dict[str, str]] = field(default_factory=dict)
    response_scale: str | None = None
    valid_min: float | None = None
    valid_max: float | None = None
    integer: bool = True
    scales: list[str] = field(default_factory=list)
    reverse_in: list[str] = field(default_factory=list)
    waves: list[int] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    show_if: dict[str, dict[str, Any] | None] = field(
        default_factory=dict[str, Any]
    )  # version label -> condition
    wave_labels: dict[int, dict[str, str]] = field(default_factory=dict)  # wording per wave
    #: the item offers "ikke relevant" apart from "vet ikke" in some version (v2 on)
    not_applicable: bool = False

    @property
    def is_text(self) -> bool:
        """True for free-text variables (exported as strings)."""
        return self.item_type in TEXT_TYPES

    @property
    def measure(self) -> str:
        """SPSS measurement level: nominal, ordinal or scale."""
        return MEASURES.get(self.item_type, "nominal")

    @property
    def base(self) -> int:
        """Code base for the numeric missing codes (99, 999, ...)."""
        top = self.valid_max
        if self.value_labels:
            top = max([top or 0, *self.value_labels])
        return code_base(top, self.not_applicable)

    def text(self, lang: str = "nb") -> str:
        """The variable label in ``lang`` (falls back to bokmål)."""
        return self.label.get(lang) or self.label.get("nb") or self.name

    def label_in(self, wave: int | None) -> dict[str, str]:
        """The wording used in ``wave`` (the latest wording when None or unknown)."""
        return self.wave_labels.get(wave, self.label) if wave is not None else self.label

    def value_label(self, value: int, lang: str = "nb") -> str:
        """The label of one valid value in ``lang``."""
        labels = self.value_labels.get(value) or {}
        return labels.get(lang) or labels.get("nb") or str(value)


@dataclass
class Catalogue:
    """Every variable in questionnaire order, and the versions it was built from."""

    variables: list[Variable]
    uses: list[VersionUse]

    def __post_init__(self) -> None:
        self._by_name = {v.name: v for v in self.variables}

    def __getitem__(self, name: str) -> Variable:
        return self._by_name[name]

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def for_item(self, code: str) -> list[Variable]:
        """The variables of one item code (several for a multi item)."""
        return [v for v in self.variables if v.item_code == code]

    def names_in(self, label: str) -> set[str]:
        """Names of the variables present in questionnaire version ``label``."""
        return {v.name for v in self.variables if label in v.versions}

    def waves(self) -> list[int]:
        """The waves (years) the catalogue covers."""
        return sorted({u.wave for u in self.uses})


def _merge_order(order: list[str], codes: Sequence[str]) -> None:
    """Insert new codes after their predecessor in ``codes`` so the questionnaire order holds."""
    prev: str | None = None
    for code in codes:
        if code not in order:
            pos = order.index(prev) + 1 if prev is not None else 0
            if prev is None and order:
                pos = 0
            order.insert(pos, code)
        prev = code


def _item_variables(item: Item, parent: Item | None, q: Questionnaire) -> list[Variable]:
    """The variables one leaf item gives, labelled from this version."""
    question = parent.text if parent is not None else None
    scale_name = item.scale or (parent.scale if parent is not None else None)
    if item.type == "multi":
        return [
            Variable(
                name=f"{item.code}_{o.value}",
                item_code=item.code,
                item_type="multi_option",
                option=o.value,
                label={
                    lang: f"{item.text.get(lang, '')}: {o.label.get(lang, '')}".strip()
                    for lang in _langs(item.text, o.label)
                },
                question=item.text,
                value_labels={
                    0: {"nb": "Ikke valgt", "en": "Not selected"},
                    1: {"nb": "Valgt", "en": "Selected"},
                },
                valid_min=0,
                valid_max=1,
            )
            for o in item.options
        ]
    var = Variable(
        name=item.code, item_code=item.code, item_type=item.type, label=item.text, question=question
    )
    if item.type == "likert" and scale_name in q.response_scales:
        rs = q.response_scales[scale_name]
        var.response_scale = scale_name
        var.value_labels = {i + 1: dict(p) for i, p in enumerate(rs.points)}
        var.valid_min, var.valid_max = 1, rs.max
        var.not_applicable = bool(item.not_applicable)
    elif item.type == "single":
        var.value_labels = {int(o.value): dict(o.label) for o in item.options}
        if item.options:
            var.valid_min = min(o.value for o in item.options)
            var.valid_max = max(o.value for o in item.options)
    elif item.type == "number":
        var.valid_min, var.valid_max, var.integer = item.min, item.max, bool(item.integer)
    return [var]


def _langs(*texts: dict[str, str]) -> list[str]:
    return sorted({lang for t in texts for lang in (t or {})}) or ["nb"]


def _record_change(var: Variable, new: Variable, previous: Variable | None, version: str) -> None:
    """Note label changes against the same role's previous version; merge value labels."""
    if previous is not None and new.label != previous.label:
        var.changes.append(
            {
                "version": version,
                "field": "label",
                "before": previous.label.get("nb"),
                "after": new.label.get("nb"),
            }
        )
    if previous is not None and new.value_labels != previous.value_labels:
        var.changes.append(
            {
                "version": version,
                "field": "value_labels",
                "before": {k: v.get("nb") for k, v in previous.value_labels.items()},
                "after": {k: v.get("nb") for k, v in new.value_labels.items()},
            }
        )
    if new.value_labels != var.value_labels:
        merged = dict(var.value_labels)
        merged.update(new.value_labels)
        var.value_labels = dict(sorted(merged.items()))
    var.not_applicable = var.not_applicable or new.not_applicable
    for attr in ("valid_min", "valid_max"):
        old, cur = getattr(var, attr), getattr(new, attr)
        if cur is not None and old != cur:
            pick = min if attr == "valid_min" else max
            setattr(var, attr, cur if old is None else pick(old, cur))


def _final_label(history: list[tuple[int, dict[str, str]]]) -> dict[str, str]:
    """The wording of the latest wave; a wording new in that wave wins over an older one."""
    last = max(w for w, _ in history)
    earlier = [lab for w, lab in history if w < last]
    latest = [lab for w, lab in history if w == last]
    fresh = [lab for lab in latest if lab not in earlier]
    return (fresh or latest)[0]


def build_catalogue(uses: Iterable[VersionUse], scales: Sequence[Any] = ()) -> Catalogue:
    """Build the variable catalogue from the questionnaire versions the responses used.

    Parameters
    ----------
    uses : iterable of VersionUse
        (wave, role, version label, Questionnaire), in any order; they are read oldest wave
        first so the latest wording ends up as the label.
    scales : sequence of Scale
        Scale definitions (``questionnaires.load_scales``) for the scale membership column.

    Returns
    -------
    Catalogue
        Variables in questionnaire order (new items inserted after their predecessor).
    """
    uses = sorted(set(uses), key=lambda u: (u.wave, u.role, u.label))
    order: list[str] = []
    found: dict[str, Variable] = {}
    by_role: dict[tuple[str, str], Variable] = {}
    history: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for use in uses:
        q = use.questionnaire
        names = []
        page_cond = {}
        for page, item, parent in q.leaf_items():
            cond = [
                c for c in (page.show_if, parent.show_if if parent else None, item.show_if) if c
            ]
            page_cond[item.code] = cond[0] if len(cond) == 1 else ({"all": cond} if cond else None)
            for new in _item_variables(item, parent, q):
                names.append(new.name)
                var = found.get(new.name)
                if var is None:
                    var = found[new.name] = new
                else:
                    _record_change(var, new, by_role.get((new.name, use.role)), use.label)
                by_role[(new.name, use.role)] = new
                history.setdefault(new.name, []).append((use.wave, new.label))
                if use.wave not in var.waves:
                    var.waves.append(use.wave)
                if use.role not in var.roles:
                    var.roles.append(use.role)
                if use.label not in var.versions:
                    var.versions.append(use.label)
                var.show_if[use.label] = page_cond[item.code]
        _merge_order(order, names)
    for name, var in found.items():
        var.label = _final_label(history[name])
        for wave in var.waves:
            var.wave_labels[wave] = _final_label([h for h in history[name] if h[0] <= wave])
    for s in scales:
        for code in s.items:
            if code in found:
                found[code].scales.append(s.code)
                if code in s.reverse:
                    found[code].reverse_in.append(s.code)
    return Catalogue([found[n] for n in order], list(uses))
