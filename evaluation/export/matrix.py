"""Per-wave response × variable matrices: values, missing status and free text.

Answers are placed by item code into the column of their variable, so a questionnaire that
changes between waves never shifts a column. Cells start as "not answered" (or "not in this
questionnaire version"); answers fill them; cells whose item was hidden by routing (``show_if``)
become "not asked".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .catalogue import Catalogue, Variable
from .missing import DONT_KNOW, NOT_ANSWERED, NOT_APPLICABLE, NOT_ASKED, NOT_IN_QUESTIONNAIRE, VALID
from .source import ExportSource

__all__ = ["WaveData", "build_wave_data"]


@dataclass
class WaveData:
    """One wave: responses (sorted by panel id), variables present and their cell matrices."""

    wave: int
    responses: pd.DataFrame
    variables: list[Variable]
    values: np.ndarray  # float64, NaN unless status is VALID
    status: np.ndarray  # int8 status codes (see missing.py)
    texts: dict[str, np.ndarray] = field(default_factory=dict)  # text variable -> object array
    extra: dict[str, pd.Series] = field(default_factory=dict)  # derived columns (scores, themes)
    notes: list[str] = field(default_factory=list)

    def col(self, name: str) -> int:
        """Column position of variable ``name``."""
        return self._cols[name]

    def __post_init__(self) -> None:
        self._cols = {v.name: j for j, v in enumerate(self.variables)}

    def has(self, name: str) -> bool:
        """True when variable ``name`` is in this wave."""
        return name in self._cols

    def keep_rows(self, mask: np.ndarray) -> None:
        """Keep only the responses where ``mask`` is True (after cleaning)."""
        self.responses = self.responses.loc[mask].reset_index(drop=True)
        self.values = self.values[mask]
        self.status = self.status[mask]
        self.texts = {k: v[mask] for k, v in self.texts.items()}
        self.extra = {k: v.loc[mask].reset_index(drop=True) for k, v in self.extra.items()}


def _init_status(wd: WaveData, catalogue: Catalogue) -> None:
    labels = wd.responses["questionnaire_version"].to_numpy()
    wd.status[:] = NOT_IN_QUESTIONNAIRE
    for label in pd.unique(labels):
        rows = np.flatnonzero(labels == label)
        cols = np.array(
            [j for j, v in enumerate(wd.variables) if label in v.versions], dtype=np.intp
        )
        wd.status[np.ix_(rows, cols)] = NOT_ANSWERED


def _item_codes(answers: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Integer code per answer row and the item code of each integer (categorical when possible)."""
    item = answers["item"]
    if not isinstance(item.dtype, pd.CategoricalDtype):
        item = item.astype("category")
    return item.cat.codes.to_numpy().astype(np.int64), [str(c) for c in item.cat.categories]


def _fill_answers(wd: WaveData, answers: pd.DataFrame, rows: np.ndarray) -> None:
    """Place the answers (already restricted to this wave; ``rows`` their row positions)."""
    codes, cats = _item_codes(answers)
    missing = answers["missing_code"]
    if isinstance(missing.dtype, pd.CategoricalDtype):
        mcats = list(missing.cat.categories)
        mcodes = missing.cat.codes.to_numpy()
        is_dk = mcodes == (mcats.index("dont_know") if "dont_know" in mcats else -2)
        is_na = mcodes == (mcats.index("not_applicable") if "not_applicable" in mcats else -2)
        other_missing = (mcodes >= 0) & ~is_dk & ~is_na
    else:
        mv = missing.to_numpy(dtype=object)
        is_dk = mv == "dont_know"
        is_na = mv == "not_applicable"
        other_missing = pd.notna(mv) & ~is_dk & ~is_na
    if other_missing.any():
        bad = sorted(set(missing.astype(object)[other_missing].tolist()))
        wd.notes.append(
            f"wave {wd.wave}: {int(other_missing.sum())} answer(s) with unknown "
            f"missing code(s) {', '.join(map(str, bad))} exported as not answered"
        )
    scalar = {v.name: j for j, v in enumerate(wd.variables) if v.item_type != "multi_option"}
    multi = {v.item_code for v in wd.variables if v.item_type == "multi_option"}
    lookup = np.array([scalar.get(c, -1) for c in cats] + [-1], dtype=np.int64)
    cols = lookup[np.where(codes < 0, len(cats), codes)]
    unknown = [
        c for c in cats if c not in scalar and c not in multi and np.any(codes == cats.index(c))
    ]
    if unknown:
        wd.notes.append(
            f"wave {wd.wave}: answers to item(s) not in any questionnaire version "
            f"left out: {', '.join(sorted(unknown)[:10])}"
        )
    known = cols >= 0
    r, c = rows[known], cols[known]
    value = answers["value_num"].to_numpy(dtype="float64")[known]
    dk = is_dk[known]
    na = is_na[known]
    numeric = ~np.isnan(value) & ~dk & ~na
    wd.values[r[numeric], c[numeric]] = value[numeric]
    wd.status[r[numeric], c[numeric]] = VALID
    wd.status[r[dk], c[dk]] = DONT_KNOW
    wd.status[r[na], c[na]] = NOT_APPLICABLE
    text_cols = {wd.col(v.name): v.name for v in wd.variables if v.is_text}
    if text_cols:
        is_text = np.isin(c, list(text_cols)) & ~dk
        idx = np.flatnonzero(known)[is_text]
        texts = answers["value_text"].to_numpy(dtype=object)[idx]
        tr, tc = r[is_text], c[is_text]
        ok = np.fromiter(
            (isinstance(t, str) and t.strip() != "" for t in texts), dtype=bool, count=len(texts)
        )
        for j, name in text_cols.items():
            sel = ok & (tc == j)
            wd.texts[name][tr[sel]] = texts[sel]
            wd.status[tr[sel], j] = VALID
    if multi:
        _fill_multi(wd, answers, rows, is_dk, codes, cats)


def _fill_multi(
    wd: WaveData,
    answers: pd.DataFrame,
    rows: np.ndarray,
    is_dk: np.ndarray,
    codes: np.ndarray,
    cats: list[str],
) -> None:
    """One 0/1 column per option; "vet ikke" marks every option column of the item."""
    options: dict[str, dict[int, int]] = {}
    for j, v in enumerate(wd.variables):
        if v.item_type == "multi_option":
            options.setdefault(v.item_code, {})[int(v.option or 0)] = j
    unknown: set[str] = set()
    for code, opt_cols in options.items():
        if code not in cats:
            continue
        sel = np.flatnonzero(codes == cats.index(code))
        cols = np.fromiter(opt_cols.values(), dtype=np.int64)
        dk_rows = rows[sel[is_dk[sel]]]
        wd.status[np.ix_(dk_rows, cols)] = DONT_KNOW
        lists = answers["value_list"].iloc[sel[~is_dk[sel]]]
        lists = lists[lists.map(lambda x: isinstance(x, (list, tuple)) and len(x) > 0)]
        if lists.empty:
            continue
        pos = answers.index.get_indexer(lists.index)
        answered = rows[pos]
        wd.values[np.ix_(answered, cols)] = 0.0
        wd.status[np.ix_(answered, cols)] = VALID
        exploded = lists.explode()
        chosen_rows = rows[answers.index.get_indexer(exploded.index)]
        chosen = pd.to_numeric(exploded, errors="coerce").to_numpy(dtype=float)
        keys = np.array(list(opt_cols), dtype=float)
        where = pd.Index(keys).get_indexer(chosen)
        bad = where < 0
        if bad.any():
            unknown.update(f"{code}={v}" for v in pd.unique(exploded[bad].astype(str))[:10])
        wd.values[chosen_rows[~bad], cols[where[~bad]]] = 1.0
    if unknown:
        wd.notes.append(
            f"wave {wd.wave}: chosen option(s) not in the questionnaire left out: "
            f"{', '.join(sorted(unknown)[:10])}"
        )


class _Cells:
    """Read access for condition evaluation: answered/value masks by item code."""

    def __init__(self, wd: WaveData, rows: np.ndarray) -> None:
        self.wd, self.rows = wd, rows

    def _cols(self, code: str) -> list[int]:
        return [j for j, v in enumerate(self.wd.variables) if v.item_code == code]

    def answered(self, code: str) -> np.ndarray:
        cols = self._cols(code)
        if not cols:
            return np.zeros(len(self.rows), dtype=bool)
        s = self.wd.status[np.ix_(self.rows, np.asarray(cols, dtype=np.intp))]
        return np.any((s == VALID) | (s == DONT_KNOW), axis=1)

    def value(self, code: str) -> tuple[np.ndarray, np.ndarray]:
        """(numeric value, usable) where usable = answered with a number (not "vet ikke")."""
        if not self.wd.has(code):
            n = len(self.rows)
            return np.full(n, np.nan), np.zeros(n, dtype=bool)
        j = self.wd.col(code)
        return self.wd.values[self.rows, j], self.wd.status[self.rows, j] == VALID

    def dont_know(self, code: str) -> np.ndarray:
        """True where the item was answered "vet ikke"."""
        if not self.wd.has(code):
            return np.zeros(len(self.rows), dtype=bool)
        return self.wd.status[self.rows, self.wd.col(code)] == DONT_KNOW

    def text_is(self, code: str, text: str) -> np.ndarray:
        """True where the free-text answer is exactly ``text``."""
        texts = self.wd.texts.get(code)
        if texts is None:
            return np.zeros(len(self.rows), dtype=bool)
        return np.fromiter((t == text for t in texts[self.rows]), dtype=bool, count=len(self.rows))

    def contains(self, code: str, option: object) -> np.ndarray:
        name = f"{code}_{option}"
        if not self.wd.has(name):
            return np.zeros(len(self.rows), dtype=bool)
        j = self.wd.col(name)
        return (self.wd.status[self.rows, j] == VALID) & (self.wd.values[self.rows, j] == 1)


def _holds(cond: dict[str, Any], cells: _Cells) -> np.ndarray:
    """Vectorised questionnaires.evaluate_condition over the rows of ``cells``."""
    if "all" in cond:
        return np.logical_and.reduce([_holds(c, cells) for c in cond["all"]])
    if "any" in cond:
        return np.logical_or.reduce([_holds(c, cells) for c in cond["any"]])
    if "not" in cond:
        return ~_holds(cond["not"], cells)
    code = cond["item"]
    answered = cells.answered(code)
    if "answered" in cond:
        return answered == bool(cond["answered"])
    if "contains" in cond:
        return cells.contains(code, cond["contains"])
    value, usable = cells.value(code)

    def equal(target: object) -> np.ndarray:
        if target == "dont_know":
            return cells.dont_know(code)
        if isinstance(target, str):
            return cells.text_is(code, target)
        with np.errstate(invalid="ignore"):
            return usable & (value == target)

    def among(targets: list[Any]) -> np.ndarray:
        return (
            np.logical_or.reduce([equal(t) for t in targets]) if targets else ~answered & answered
        )

    if "equals" in cond:
        return equal(cond["equals"])
    if "in" in cond:
        return among(cond["in"])
    if "not_in" in cond:
        return answered & ~among(cond["not_in"])
    with np.errstate(invalid="ignore"):
        for op, fn in (
            ("gt", np.greater),
            ("gte", np.greater_equal),
            ("lt", np.less),
            ("lte", np.less_equal),
        ):
            if op in cond:
                return usable & fn(value, cond[op])
    return np.zeros(len(cells.rows), dtype=bool)


def _apply_routing(wd: WaveData) -> None:
    """Unanswered cells whose item the respondent never saw (show_if false) become not asked."""
    labels = wd.responses["questionnaire_version"].to_numpy()
    for label in pd.unique(labels):
        rows = np.flatnonzero(labels == label)
        cells = _Cells(wd, rows)
        for j, v in enumerate(wd.variables):
            cond = v.show_if.get(label)
            if not cond:
                continue
            hidden = ~_holds(cond, cells)
            target = rows[hidden]
            unanswered = wd.status[target, j] == NOT_ANSWERED
            wd.status[target[unanswered], j] = NOT_ASKED


def build_wave_data(
    source: ExportSource, catalogue: Catalogue, responses: pd.DataFrame
) -> list[WaveData]:
    """Build one WaveData per wave from pseudonymised, sorted ``responses`` and the answers.

    ``responses`` must have ``panel_id`` and ``questionnaire_version`` and be sorted by wave
    and panel id; the source's answers are matched to it by ``response_id``.
    """
    out = []
    answers = source.answers
    index = pd.Index(responses["response_id"].to_numpy())
    pos = index.get_indexer(answers["response_id"].to_numpy())
    keep = pos >= 0
    answers = answers.loc[keep]
    pos = pos[keep]
    wave_of_row = responses["wave"].to_numpy()
    for wave in sorted(pd.unique(wave_of_row)):
        rows = np.flatnonzero(wave_of_row == wave)
        resp = responses.iloc[rows].reset_index(drop=True)
        variables = [v for v in catalogue.variables if int(wave) in v.waves]
        n, k = len(resp), len(variables)
        wd = WaveData(
            int(wave), resp, variables, np.full((n, k), np.nan), np.zeros((n, k), dtype=np.int8)
        )
        wd.texts = {v.name: np.full(n, None, dtype=object) for v in variables if v.is_text}
        _init_status(wd, catalogue)
        in_wave = (pos >= rows[0]) & (pos <= rows[-1]) if n else np.zeros(len(pos), bool)
        _fill_answers(wd, answers.loc[in_wave].reset_index(drop=True), pos[in_wave] - rows[0])
        _apply_routing(wd)
        out.append(wd)
    return out
