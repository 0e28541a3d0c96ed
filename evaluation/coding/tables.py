"""Tables of coded answers: theme frequencies by group (e.g. role x wave) and theme co-occurrence."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["answered_mask", "cooccurrence", "theme_frequencies", "theme_frequencies_wide"]


def answered_mask(texts: pd.Series) -> pd.Series:
    """True where the respondent wrote anything (a letter or digit, not just spaces or emoji)."""
    return texts.fillna("").astype(str).str.contains(r"[^\W_]", regex=True)


def _themes_in(df: pd.DataFrame, themes: Sequence[str]) -> list[str]:
    missing = [t for t in themes if t not in df.columns]
    if missing:
        raise KeyError(f"no 0/1 columns for themes: {', '.join(missing)}")
    return list(themes)


def theme_frequencies(
    df: pd.DataFrame,
    themes: Sequence[str],
    by: Sequence[str] = ("role", "wave"),
    text_column: str | None = None,
    labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Count and share of answering respondents per theme, within each group.

    Parameters
    ----------
    df : DataFrame
        One row per respondent with one 0/1 column per theme (as from ``code_answers``).
    themes : sequence of str
        The theme columns.
    by : sequence of str
        Grouping columns, e.g. ``["role", "wave"]``; empty for the whole sample.
    text_column : str, optional
        The answers; when given, the share is of respondents who wrote anything, otherwise of
        every row.
    labels : dict, optional
        Theme code to label; adds a ``label`` column.

    Returns
    -------
    DataFrame
        Long format: the ``by`` columns, ``theme``, ``n_answered``, ``count`` and ``share``
        (count / n_answered; NaN for a group where nobody wrote anything).

    Examples
    --------
    >>> df = pd.DataFrame({"role": ["uh", "uh", "uh"], "svar": ["Tid", "Rektor", ""],
    ...                    "tid": [1, 0, 0]})
    >>> theme_frequencies(df, ["tid"], by=["role"], text_column="svar").to_dict("records")
    [{'role': 'uh', 'theme': 'tid', 'n_answered': 2, 'count': 1, 'share': 0.5}]
    """
    themes = _themes_in(df, themes)
    by = list(by)
    missing = [c for c in by if c not in df.columns]
    if missing:
        raise KeyError(f"no grouping columns: {', '.join(missing)}")
    data = df[by + themes].copy()
    data[themes] = data[themes].apply(pd.to_numeric, errors="coerce").fillna(0).astype(int)
    data["_answered"] = answered_mask(df[text_column]) if text_column else True
    data = data[data["_answered"]]
    if by:
        grouped = data.groupby(by, dropna=False, observed=True)
        counts = grouped[themes].sum()
        n = grouped.size()
        base = df[by].drop_duplicates().set_index(by).index
        counts = counts.reindex(base, fill_value=0).sort_index()
        n = n.reindex(counts.index, fill_value=0)
    else:
        counts = data[themes].sum().to_frame().T
        n = pd.Series([len(data)])
    long = counts.reset_index().melt(
        id_vars=by or ["index"], value_vars=themes, var_name="theme", value_name="count"
    )
    if not by:
        long = long.drop(columns="index")
    n_frame = n.rename("n_answered").reset_index()
    long = long.merge(n_frame, on=by, how="left") if by else long.assign(n_answered=int(n.iloc[0]))
    long["count"] = long["count"].astype(int)
    long["n_answered"] = long["n_answered"].astype(int)
    long["share"] = np.where(
        long["n_answered"] > 0,
        long["count"] / long["n_answered"].where(long["n_answered"] > 0),
        np.nan,
    )
    order = {t: i for i, t in enumerate(themes)}
    long = long.sort_values(
        by + ["theme"], key=lambda s: s.map(order) if s.name == "theme" else s, ignore_index=True
    )
    cols = by + ["theme"] + (["label"] if labels else []) + ["n_answered", "count", "share"]
    if labels:
        long["label"] = long["theme"].map(lambda t: labels.get(t, t))
    return long[cols]


def theme_frequencies_wide(
    freq: pd.DataFrame, by: Sequence[str] = ("role", "wave"), value: str = "share"
) -> pd.DataFrame:
    """Pivot :func:`theme_frequencies` to one row per theme and one column per group."""
    by = list(by)
    if not by:
        return freq.set_index("theme")[[value]]
    return freq.pivot_table(index="theme", columns=by, values=value, sort=False)


def cooccurrence(
    df: pd.DataFrame, themes: Sequence[str], normalise: str | None = None
) -> pd.DataFrame:
    """How often two themes are coded in the same answer.

    Parameters
    ----------
    df : DataFrame
        One 0/1 column per theme.
    themes : sequence of str
    normalise : {None, "jaccard"}
        None gives counts (the diagonal is each theme's own count); ``"jaccard"`` gives
        both / either, 1 on the diagonal.

    Returns
    -------
    DataFrame
        Square, themes x themes.

    Examples
    --------
    >>> df = pd.DataFrame({"tid": [1, 1, 0], "ledelse": [1, 0, 1]})
    >>> cooccurrence(df, ["tid", "ledelse"]).to_numpy().tolist()
    [[2, 1], [1, 2]]
    """
    themes = _themes_in(df, themes)
    x = df[themes].apply(pd.to_numeric, errors="coerce").fillna(0).astype(int).to_numpy()
    both = x.T @ x
    if normalise is None:
        return pd.DataFrame(both, index=themes, columns=themes)
    if normalise != "jaccard":
        raise ValueError(f"unknown normalise {normalise!r}; use None or 'jaccard'")
    own = np.diag(both)
    either = own[:, None] + own[None, :] - both
    with np.errstate(invalid="ignore", divide="ignore"):
        jac = np.where(either > 0, both / either, np.nan)
    return pd.DataFrame(jac, index=themes, columns=themes)
