"""Multiplicity correction of a family of p-values: Holm or Benjamini–Hochberg FDR.

The family is, by default, every consecutive wave step (2021→2023, 2023→2025) of one method,
across scales and groups. The first→last comparison (2021→2025) is implied by the steps it
spans, so it forms a family of its own instead of making the steps' correction stricter
(``steps="consecutive"``); ``steps="all"`` puts every wave pair into one family.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pingouin as pg

__all__ = ["adjust_p", "FAMILY_STEPS"]

FAMILY_STEPS = ("consecutive", "all")


def _step_kind(table: pd.DataFrame) -> pd.Series:
    """``"step"`` for consecutive wave pairs, ``"span"`` for pairs that skip a wave."""
    if not {"wave_from", "wave_to"} <= set(table.columns):
        return pd.Series("step", index=table.index)
    waves = sorted(set(table["wave_from"].dropna()) | set(table["wave_to"].dropna()))
    pos = {w: i for i, w in enumerate(waves)}
    gap = table["wave_to"].map(pos) - table["wave_from"].map(pos)
    return pd.Series(np.where(gap > 1, "span", "step"), index=table.index)


def adjust_p(
    table: pd.DataFrame,
    correction: str = "holm",
    family: Sequence[str] = ("method",),
    steps: str = "consecutive",
) -> pd.DataFrame:
    """Add ``p_adj`` and ``correction``: Holm or Benjamini–Hochberg FDR within each family.

    Parameters
    ----------
    table : pandas.DataFrame
        With a ``p`` column (and ``wave_from``, ``wave_to`` for the step rule).
    correction : {"holm", "fdr_bh", "none"}
    family : sequence of str
        Columns whose combinations form a family (by default one family per method).
    steps : {"consecutive", "all"}
        ``consecutive``: comparisons that span more than one wave step form a family of
        their own; ``all``: every wave pair in one family.
    """
    if correction not in ("holm", "fdr_bh", "none"):
        raise ValueError(f"correction must be holm, fdr_bh or none, not {correction!r}")
    if steps not in FAMILY_STEPS:
        raise ValueError(f"steps must be one of {', '.join(FAMILY_STEPS)}, not {steps!r}")
    out = table.copy()
    out["p_adj"] = np.nan
    out["correction"] = ""
    keys = [out[c] for c in family]
    kind = _step_kind(out) if steps == "consecutive" else pd.Series("all", index=out.index)
    keys.append(kind)
    for (*_, which), idx in out.groupby(keys, sort=False).groups.items():
        p = out.loc[idx, "p"].to_numpy(dtype=float)
        m = int(np.isfinite(p).sum())
        if correction == "none":
            adj = p
        elif m:
            _, adj = pg.multicomp(p, method=correction)
        else:
            adj = p
        out.loc[idx, "p_adj"] = adj
        what = {
            "step": " (consecutive wave steps)",
            "span": " (first to last wave)",
            "all": " (all wave pairs)",
        }[which]
        out.loc[idx, "correction"] = (
            f"{correction} across {m} tests{what}" if correction != "none" else "none"
        )
    return out
