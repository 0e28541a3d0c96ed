"""Multiplicity correction of a family of p-values: Holm or Benjamini–Hochberg FDR."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pingouin as pg

__all__ = ["adjust_p"]


def adjust_p(table: pd.DataFrame, correction: str = "holm", family: Sequence[str] = ("method",),
             ) -> pd.DataFrame:
    """Add ``p_adj`` and ``correction``: Holm or Benjamini–Hochberg FDR within each family.

    Parameters
    ----------
    table : pandas.DataFrame
        With a ``p`` column.
    correction : {"holm", "fdr_bh", "none"}
    family : sequence of str
        Columns whose combinations form a family (by default one family per method).
    """
    if correction not in ("holm", "fdr_bh", "none"):
        raise ValueError(f"correction must be holm, fdr_bh or none, not {correction!r}")
    out = table.copy()
    out["p_adj"] = np.nan
    out["correction"] = ""
    for _, idx in out.groupby(list(family) if len(family) > 1 else family[0],
                              sort=False).groups.items():
        p = out.loc[idx, "p"].to_numpy(dtype=float)
        m = int(np.isfinite(p).sum())
        if correction == "none":
            adj = p
        elif m:
            _, adj = pg.multicomp(p, method=correction)
        else:
            adj = p
        out.loc[idx, "p_adj"] = adj
        out.loc[idx, "correction"] = f"{correction} across {m} tests" if correction != "none" \
            else "none"
    return out
