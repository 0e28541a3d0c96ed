"""Frequency tables (variable × wave × role × value) with small cells suppressed.

Counts below ``k`` are shown as ``<k``. When a group (variable, wave, role) has exactly one
suppressed cell, the next smallest count is suppressed too, so the hidden count cannot be
recovered from the group total; such cells are shown as ``x``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .layouts import ExportTable
from .missing import VALID, status_names

__all__ = ["frequency_table", "suppress"]


def suppress(counts: pd.Series, k: int) -> pd.Series:
    """Counts as text with counts 1..k-1 shown as ``<k`` (and complementary suppression)."""
    shown = counts.astype("int64").astype(str).astype(object)
    small = (counts > 0) & (counts < k)
    shown[small] = f"<{k}"
    return shown


def _counts(t: ExportTable) -> list[dict]:
    """Counts of (variable, role, value or missing status) in one per-wave table, vectorised."""
    names = status_names()
    cols = [c for c in t.columns if c.kind == "numeric" and c.source in ("item", "theme")]
    if not cols or not len(t.frame):
        return []
    n = len(t.frame)
    wave = int(t.frame["wave"].iloc[0])
    role_codes, roles = pd.factorize(t.frame["role"].astype(str))
    values = np.column_stack([t.frame[c.name].to_numpy(dtype=float) for c in cols])
    status = np.column_stack([t.status.get(c.name, np.where(np.isnan(t.frame[c.name].to_numpy(
        dtype=float)), 3, VALID)).astype(np.int8) for c in cols])
    key = np.where(status == VALID, values, -status.astype(float))
    keep = (status != 4).ravel()  # not in the respondent's questionnaire: no count
    # one sortable number per cell: column, role, then the value (or -status)
    uniq_vals, val_code = np.unique(key.ravel()[keep], return_inverse=True)
    col_idx = np.tile(np.arange(len(cols)), n)[keep]
    role_idx = np.repeat(role_codes, len(cols))[keep]
    combined = (col_idx.astype(np.int64) * len(roles) + role_idx) * len(uniq_vals) + val_code.ravel()
    found, counts = np.unique(combined, return_counts=True)
    rows = []
    for key_, count in zip(found.tolist(), counts.tolist(), strict=True):
        rest, vi = divmod(key_, len(uniq_vals))
        ci, ri = divmod(rest, len(roles))
        kv = float(uniq_vals[vi])
        col = cols[ci]
        if kv >= 0:
            whole = kv.is_integer()
            labels = col.value_labels or {}
            value = int(kv) if whole else kv
            label = (labels.get(int(kv)) or {}).get("nb", "") if whole else ""
        else:
            value, label = "", names[int(-kv)]
        rows.append({"variable": col.name, "wave": wave, "role": roles[ri], "value": value,
                     "label": label, "n": int(count)})
    return rows


def frequency_table(per_wave: list[ExportTable], k: int = 5) -> pd.DataFrame:
    """Counts of each value (and named missing) per variable, wave and role, suppressed below k."""
    rows = [r for t in per_wave for r in _counts(t)]
    df = pd.DataFrame(rows, columns=["variable", "wave", "role", "value", "label", "n"])
    if df.empty:
        df["shown"] = []
        return df
    df["shown"] = suppress(df["n"], k)
    small = (df["n"] > 0) & (df["n"] < k)
    group = ["variable", "wave", "role"]
    once = df.assign(_s=small).groupby(group)["_s"].transform("sum") == 1
    candidates = df[once & ~small]
    if len(candidates):
        nxt = candidates.sort_values("n", kind="stable").groupby(group).head(1).index
        df.loc[nxt, "shown"] = "x"  # complementary suppression
    return df.drop(columns="n").rename(columns={"shown": "n"})
