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


def frequency_table(per_wave: list[ExportTable], k: int = 5) -> pd.DataFrame:
    """Counts of each value (and named missing) per variable, wave and role, suppressed below k."""
    names = status_names()
    rows = []
    for t in per_wave:
        roles = t.frame["role"].astype(str).to_numpy()
        wave = int(t.frame["wave"].iloc[0]) if len(t.frame) else None
        for col in t.columns:
            if col.kind != "numeric" or col.source not in ("item", "theme") or col.name not in t.frame:
                continue
            values = t.frame[col.name].to_numpy(dtype=float)
            status = t.status.get(col.name, np.where(np.isnan(values), 3, VALID).astype(np.int8))
            labels = {kk: v.get("nb", "") for kk, v in (col.value_labels or {}).items()}
            key = np.where(status == VALID, values, -status.astype(float))
            frame = pd.DataFrame({"role": roles, "key": key})
            frame = frame[status != 4]  # not in the respondent's questionnaire: not a count
            grouped = frame.groupby(["role", "key"]).size()
            for (role, kv), n in grouped.items():
                if kv >= 0:
                    value, label = kv, labels.get(int(kv), "") if float(kv).is_integer() else ""
                else:
                    value, label = "", names[int(-kv)]
                rows.append({"variable": col.name, "wave": wave, "role": role,
                             "value": value, "label": label, "n": int(n)})
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
    df["value"] = df["value"].map(lambda v: "" if v == "" else (int(v) if float(v).is_integer() else v))
    return df.drop(columns="n").rename(columns={"shown": "n"})
