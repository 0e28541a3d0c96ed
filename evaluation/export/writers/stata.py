"""Stata .dta (format 118, Stata 14+): labels, value labels, extended missing .a-.f."""

from __future__ import annotations

import re
from pathlib import Path

import pyreadstat

from ..layouts import ExportTable
from ..missing import MISSING_KINDS
from .common import stata_values
from .spss import spss_frame

__all__ = ["write_dta", "stata_names"]

NAME_MAX = 32
LABEL_MAX = 80


def stata_names(names: list[str]) -> dict[str, str]:
    """Map column names to valid, unique Stata names (32 characters at most)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        clean = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not re.match(r"[A-Za-z_]", clean):
            clean = "v" + clean
        candidate = clean[:NAME_MAX]
        n = 1
        while candidate in used:
            suffix = f"_{n}"
            candidate = clean[: NAME_MAX - len(suffix)] + suffix
            n += 1
        used.add(candidate)
        out[name] = candidate
    return out


def write_dta(table: ExportTable, path: Path, *, lang: str = "nb", **_: object) -> dict:
    """Write ``table`` as Stata .dta; named missing values become .a, .b, ... (see docs)."""
    df, var_labels, val_labels = spss_frame(table, lang, stata=True)
    missing = {}
    for col in table.columns:
        if col.kind != "numeric" or col.name not in table.status:
            continue
        mixed = stata_values(table, col)
        if mixed is None:
            continue
        df[col.name] = mixed
        missing[col.name] = [k.stata for k in MISSING_KINDS]
        labels = dict(val_labels.get(col.name, {}))
        for k in MISSING_KINDS:
            labels[k.stata] = k.label(lang)
        val_labels[col.name] = labels
    for col in table.columns:  # Stata value labels are for whole numbers only
        if col.name in val_labels and col.name not in missing:
            val_labels[col.name] = {int(k) if isinstance(k, float) else k: v
                                    for k, v in val_labels[col.name].items()}
        elif col.name in missing:
            val_labels[col.name] = {int(k) if isinstance(k, float) else k: v
                                    for k, v in val_labels[col.name].items()}
    names = stata_names(list(df.columns))
    df = df.rename(columns=names)
    var_labels = {names[k]: (v if len(v) <= LABEL_MAX else v[: LABEL_MAX - 1] + "…")
                  for k, v in var_labels.items()}
    val_labels = {names[k]: v for k, v in val_labels.items()}
    missing = {names[k]: v for k, v in missing.items()}
    pyreadstat.write_dta(df, str(path), file_label=f"dekom-eval {table.name}"[:80],
                         column_labels=var_labels, variable_value_labels=val_labels,
                         missing_user_values=missing, version=15)
    return {"rows": len(df), "columns": df.shape[1],
            "renamed": {k: v for k, v in names.items() if k != v}}
