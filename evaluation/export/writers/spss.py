"""SPSS .sav: variable labels, value labels, and the named missing codes declared user-missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from ..layouts import ExportTable
from .common import coded_values, label_text, truncate_bytes, value_labels

__all__ = ["write_sav", "spss_frame"]

LABEL_BYTES = 255  # variable label
VALUE_LABEL_BYTES = 120  # SPSS cuts value labels at 120 bytes


def spss_frame(table: ExportTable, lang: str, *, stata: bool = False):
    """The frame and label dictionaries both .sav and .dta writers share.

    Categories become integer codes 1..n labelled with the category text; the pseudonymous
    panel id and free text stay strings.
    """
    data: dict[str, object] = {}
    var_labels: dict[str, str] = {}
    val_labels: dict[str, dict] = {}
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


def write_sav(table: ExportTable, path: Path, *, lang: str = "nb", **_: object) -> dict:
    """Write ``table`` as SPSS .sav (zlib-compressed rows)."""
    df, var_labels, val_labels = spss_frame(table, lang)
    var_labels = {k: truncate_bytes(v, LABEL_BYTES) for k, v in var_labels.items()}
    val_labels = {k: {code: truncate_bytes(text, VALUE_LABEL_BYTES) for code, text in v.items()}
                  for k, v in val_labels.items()}
    missing = {c.name: [{"lo": float(c.base - 5), "hi": float(c.base)}]
               for c in table.columns if c.name in table.status and c.base is not None}
    measure = {c.name: c.measure for c in table.columns if c.kind != "string"}
    formats = {}
    for c in table.columns:
        if c.kind == "numeric" and c.source in ("item", "theme", "flag", "meta"):
            integer = c.variable is None or c.variable.integer
            width = max(len(str(c.base or 9)) + 1, 8)
            formats[c.name] = f"F{width}.0" if integer else f"F{width}.2"
        elif c.kind == "numeric":
            formats[c.name] = "F8.3"
    pyreadstat.write_sav(df, str(path), file_label=f"dekom-eval {table.name}",
                         column_labels=var_labels, variable_value_labels=val_labels,
                         missing_ranges=missing, variable_measure=measure,
                         variable_format=formats, row_compress=True)
    return {"rows": len(df), "columns": df.shape[1]}
