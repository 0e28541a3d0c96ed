"""SPSS .sav: variable labels, value labels, and the named missing codes declared user-missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from ..layouts import ExportTable
from .common import coded_values, label_text, truncate_bytes, value_labels
from .savfile import MAX_SHORT_STRING, SavVariable, write_system_file

__all__ = ["write_sav", "spss_frame"]

LABEL_BYTES = 255  # variable label
VALUE_LABEL_BYTES = 120  # SPSS cuts value labels at 120 bytes


def spss_frame(
    table: ExportTable, lang: str, *, stata: bool = False
) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[float, str]]]:
    """The frame and label dictionaries both .sav and .dta writers share.

    Categories become integer codes 1..n labelled with the category text; the pseudonymous
    panel id and free text stay strings.
    """
    data: dict[str, object] = {}
    var_labels: dict[str, str] = {}
    val_labels: dict[str, dict[float, str]] = {}
    for col in table.columns:
        s = table.frame[col.name]
        var_labels[col.name] = label_text(col, lang)
        if col.kind == "numeric":
            data[col.name] = s.to_numpy(dtype=float) if stata else coded_values(table, col)
            labels = value_labels(col, lang, codes=not stata)
            if labels:
                val_labels[col.name] = labels
        elif col.kind == "category":
            cat = s if hasattr(s, "cat") else s.astype("category")
            codes = cat.cat.codes.to_numpy().astype(float) + 1
            codes[codes == 0] = np.nan
            data[col.name] = codes
            val_labels[col.name] = {float(i + 1): str(c) for i, c in enumerate(cat.cat.categories)}
        else:
            obj = s.astype(object).to_numpy()
            data[col.name] = np.where(pd.isna(obj), "", obj).astype(object) if len(obj) else obj
    return pd.DataFrame(data), var_labels, val_labels


def _formats(table: ExportTable) -> dict[str, tuple[int, int]]:
    out = {}
    for c in table.columns:
        if c.kind == "numeric" and c.source in ("item", "theme", "flag", "meta"):
            integer = c.variable is None or c.variable.integer
            width = max(len(str(c.base or 9)) + 1, 8)
            out[c.name] = (width, 0 if integer else 2)
        elif c.kind == "numeric":
            out[c.name] = (8, 3)
        elif c.kind == "category":
            out[c.name] = (8, 0)
    return out


def _string_bytes(values: object) -> np.ndarray:
    """Strings as UTF-8 bytes (categories are encoded once and taken by code)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.array([str(c).encode("utf-8") for c in s.cat.categories] + [b""], dtype=object)
        codes = s.cat.codes.to_numpy()
        return cats[np.where(codes < 0, len(cats) - 1, codes)]
    return np.array(
        [v.encode("utf-8") if isinstance(v, str) else b"" for v in s.tolist()], dtype=object
    )


def write_sav(table: ExportTable, path: Path, *, lang: str = "nb", **_: object) -> dict[str, Any]:
    """Write ``table`` as SPSS .sav (bytecode-compressed), via the vectorised writer.

    Numeric item columns carry their named missing codes, declared as the user-missing range
    ``base-5`` … ``base`` (94-99 for a 1-5 scale; from ``base-6`` where "ikke relevant" is offered); categories are labelled integer codes.
    """
    formats = _formats(table)
    variables: list[SavVariable] = []
    for col in table.columns:
        s = table.frame[col.name]
        label = truncate_bytes(label_text(col, lang), LABEL_BYTES)
        if col.kind == "numeric":
            labels = {
                float(k): truncate_bytes(v, VALUE_LABEL_BYTES)
                for k, v in value_labels(col, lang).items()
            }
            rng = (
                (float(col.base - (6 if col.not_applicable else 5)), float(col.base))
                if col.name in table.status and col.base is not None
                else None
            )
            variables.append(
                SavVariable(
                    col.name,
                    coded_values(table, col),
                    0,
                    label,
                    labels,
                    rng,
                    formats[col.name],
                    col.measure,
                )
            )
        elif col.kind == "category":
            cat = s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("category")
            codes = cat.cat.codes.to_numpy().astype(float) + 1
            codes[codes == 0] = np.nan
            labels = {
                float(i + 1): truncate_bytes(str(c), VALUE_LABEL_BYTES)
                for i, c in enumerate(cat.cat.categories)
            }
            variables.append(
                SavVariable(col.name, codes, 0, label, labels, None, (8, 0), "nominal")
            )
        else:
            raw = _string_bytes(s)
            width = max([1] + [len(b) for b in raw])
            if width > MAX_SHORT_STRING:
                return _write_sav_pyreadstat(table, path, lang)
            variables.append(
                SavVariable(col.name, raw, width, label, {}, None, (width, 0), "nominal")
            )
    write_system_file(variables, len(table.frame), Path(path), f"dekom-eval {table.name}")
    return {"rows": len(table.frame), "columns": len(variables)}


def _write_sav_pyreadstat(table: ExportTable, path: Path, lang: str) -> dict[str, Any]:
    """pyreadstat path for tables with strings over 255 bytes (free text): slower, complete."""
    df, var_labels, val_labels = spss_frame(table, lang)
    labels: dict[str, str | None] = {
        k: truncate_bytes(v, LABEL_BYTES) for k, v in var_labels.items()
    }
    val_labels = {
        k: {code: truncate_bytes(text, VALUE_LABEL_BYTES) for code, text in v.items()}
        for k, v in val_labels.items()
    }
    missing: dict[str, list[Any]] = {
        c.name: [{"lo": float(c.base - (6 if c.not_applicable else 5)), "hi": float(c.base)}]
        for c in table.columns
        if c.name in table.status and c.base is not None and c.kind == "numeric"
    }
    measure = {c.name: c.measure for c in table.columns if c.kind != "string"}
    formats = {k: f"F{w}.{d}" for k, (w, d) in _formats(table).items()}
    pyreadstat.write_sav(
        df,
        str(path),
        file_label=f"dekom-eval {table.name}",
        column_labels=labels,
        variable_value_labels=val_labels,
        missing_ranges=missing,
        variable_measure=measure,
        variable_format=formats,
        row_compress=True,
    )
    return {"rows": len(df), "columns": df.shape[1]}
