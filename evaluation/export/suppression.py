"""Frequency tables (variable × wave × role × value) with small cells suppressed.

Counts below ``k`` are shown as ``<k``. When a group (variable, wave, role) has exactly one
suppressed cell, the next smallest count is suppressed too, so the hidden count cannot be
recovered from the group total; such cells are shown as ``x``.
"""

from __future__ import annotations

from typing import Any

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


def _counts(t: ExportTable) -> list[dict[str, Any]]:
    """Counts of (variable, role, value or missing status) in one per-wave table, vectorised."""
    names = status_names(True)  # only statuses that occur are counted
    cols = [c for c in t.columns if c.kind == "numeric" and c.source in ("item", "theme")]
    if not cols or not len(t.frame):
        return []
    wave = int(t.frame["wave"].iloc[0])
    role_codes, roles = pd.factorize(t.frame["role"].astype(str))
    n_roles = len(roles)
    rows = []
    for col in cols:
        values = t.frame[col.name].to_numpy(dtype=float)
        st = t.status.get(col.name)
        if st is None:
            st = np.where(np.isnan(values), 3, VALID).astype(np.int8)
        keep = st != 4  # not in the respondent's questionnaire: no count
        key = np.where(st == VALID, values, -st.astype(float))[keep]
        role = role_codes[keep]
        if not len(key):
            continue
        if np.all(key == np.round(key)) and key.max() - key.min() < 100_000:
            lo = int(key.min())
            span = int(key.max()) - lo + 1
            counts = np.bincount(
                role.astype(np.int64) * span + (key - lo).astype(np.int64), minlength=n_roles * span
            )
            found = np.flatnonzero(counts)
            pairs = [(int(f // span), float(f % span + lo), int(counts[f])) for f in found]
        else:
            uniq, inverse = np.unique(key, return_inverse=True)
            counts = np.bincount(role.astype(np.int64) * len(uniq) + inverse.ravel())
            found = np.flatnonzero(counts)
            pairs = [
                (int(f // len(uniq)), float(uniq[f % len(uniq)]), int(counts[f])) for f in found
            ]
        labels = col.value_labels or {}
        for ri, kv, count in pairs:
            value: int | float | str
            if kv >= 0:
                whole = kv.is_integer()
                value = int(kv) if whole else kv
                label = (labels.get(int(kv)) or {}).get("nb", "") if whole else ""
            else:
                value, label = "", names[int(-kv)]
            rows.append(
                {
                    "variable": col.name,
                    "wave": wave,
                    "role": roles[ri],
                    "value": value,
                    "label": label,
                    "n": count,
                }
            )
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
