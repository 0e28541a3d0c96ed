"""Shared by the writers: missing codes applied to the values, formula neutralising, labels."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..layouts import Column, ExportTable
from ..missing import ALL_KINDS, kinds, missing_codes
from .textgrid import Tokens, number_tokens, string_tokens

__all__ = [
    "coded_values",
    "table_tokens",
    "neutralise",
    "neutralise_series",
    "value_labels",
    "FORMULA_START",
    "truncate_bytes",
    "label_text",
]

#: a cell starting with one of these is read as a formula by spreadsheet programs; the full-width
#: forms (＝ ＋ － ＠) too, as Excel with an East Asian input method turns them into formulas.
#: The one rule for every writer (``starts_formula``).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def coded_values(table: ExportTable, col: Column) -> np.ndarray:
    """The column's float values with each missing status replaced by its numeric code."""
    values = table.frame[col.name].to_numpy(dtype=float)
    status = table.status.get(col.name)
    if status is None or col.base is None:
        return values
    codes = missing_codes(col.base, col.not_applicable)
    lookup = np.array([np.nan] + [codes.get(k.status, np.nan) for k in ALL_KINDS], dtype=float)
    return np.where(status > 0, lookup[status], values)


def table_tokens(
    table: ExportTable,
    number_cell: Callable[[str | None], bytes],
    string_cell: Callable[[str | None], bytes],
) -> list[Tokens]:
    """One token column per table column: coded numbers through ``number_cell``, text through ``string_cell``."""
    return [
        number_tokens(coded_values(table, col), number_cell)
        if col.kind == "numeric"
        else string_tokens(table.frame[col.name], string_cell)
        for col in table.columns
    ]


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula."""
    return text.startswith(FORMULA_START)


def neutralise(text: str | None) -> str | None:
    """Prefix ``'`` to a text that a spreadsheet would run as a formula (=, +, -, @, tab, CR, ＝ …)."""
    if text is None:
        return None
    return "'" + text if starts_formula(text) else text


def neutralise_series(values: pd.Series) -> pd.Series:
    """:func:`neutralise` on a string or categorical column (categories only, so it is cheap)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories.astype(str)
        fixed = [neutralise(c) for c in cats]
        if list(fixed) == list(cats):
            return values
        return values.cat.rename_categories(fixed)
    obj = values.astype(object)
    mask = obj.map(lambda v: isinstance(v, str) and starts_formula(v)).to_numpy(bool)
    if mask.any():
        obj = obj.copy()
        obj[mask] = "'" + obj[mask].astype(str)
    return obj


def label_text(col: Column, lang: str) -> str:
    """The column label in ``lang``, falling back to bokmål and then to the column name."""
    text = col.label.get(lang) or col.label.get("nb") or col.name
    return text


def value_labels(col: Column, lang: str, codes: bool = True) -> dict[float, str]:
    """Value labels of a numeric column, plus its missing-code labels when ``codes``."""
    out: dict[float, str] = {}
    for value, labels in (col.value_labels or {}).items():
        out[value] = labels.get(lang) or labels.get("nb") or str(value)
    if codes and col.base is not None:
        for kind in kinds(col.not_applicable):
            out[missing_codes(col.base, col.not_applicable)[kind.status]] = kind.label(lang)
    return out


def truncate_bytes(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` UTF-8 bytes without splitting a character."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", errors="ignore") + "…"
