"""Coded free-text themes in the analysis run: frequencies by role × wave and a figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["THEME_PREFIX", "theme_table"]

THEME_PREFIX = "theme_"


def theme_table(coded: pd.DataFrame, by: tuple[str, ...] = ("role", "wave")) -> pd.DataFrame:
    """Share of those who wrote anything that named each theme, per role and wave.

    Parameters
    ----------
    coded : pandas.DataFrame
        One row per coded free-text answer with the ``by`` columns and one 0/1 column
        ``theme_<code>`` per theme (as ``webapp.domain.coding.final_codes`` or
        ``evaluation.coding.code_answers(..., prefix="theme_")`` give).
    by : tuple of str
        Grouping columns.

    Returns
    -------
    pandas.DataFrame
        Long table: ``by`` columns, ``theme``, ``n_answered``, ``count``, ``share``.

    Examples
    --------
    >>> df = pd.DataFrame({"role": ["uh", "uh"], "wave": [2023, 2023],
    ...                    "theme_tid": [1, 0], "theme_ledelse": [1, 1]})
    >>> theme_table(df)[["theme", "count", "share"]].to_dict("records")
    [{'theme': 'tid', 'count': 1, 'share': 0.5}, {'theme': 'ledelse', 'count': 2, 'share': 1.0}]
    """
    from .coding.tables import theme_frequencies

    cols = [c for c in coded.columns if c.startswith(THEME_PREFIX)]
    if not cols:
        raise ValueError(f"no theme columns: expected columns named {THEME_PREFIX}<code>")
    missing = [c for c in by if c not in coded.columns]
    if missing:
        raise ValueError(f"coded themes lack the column(s) {', '.join(missing)}")
    frame = coded.rename(columns={c: c[len(THEME_PREFIX) :] for c in cols})
    return theme_frequencies(frame, [c[len(THEME_PREFIX) :] for c in cols], by=list(by))


def draw_theme_figure(freq: pd.DataFrame, stem: Path, codebook: Any = None) -> list[Path]:
    """Bar chart of theme shares per wave, one panel per role (PNG and SVG)."""
    from .coding.plots import plot_theme_shares
    from .plots import save_figure

    return save_figure(plot_theme_shares(freq, codebook), stem)
