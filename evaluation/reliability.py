"""Reliability per scale × wave × role: Cronbach's alpha with CI, item-rest correlations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pingouin as pg

from .responses import ResponseIndex, index_responses
from .scoring import all_items, item_matrix, scale_matrix

if TYPE_CHECKING:
    from .versions import VersionedScales

__all__ = ["scale_reliability", "RELIABILITY_COLUMNS", "ITEM_COLUMNS"]

RELIABILITY_COLUMNS = [
    "scale",
    "wave",
    "role",
    "n",
    "k",
    "alpha",
    "ci_low",
    "ci_high",
    "floor",
    "ceiling",
    "note",
]
ITEM_COLUMNS = ["scale", "wave", "role", "item", "reversed", "n", "mean", "sd", "item_rest_r"]


def _item_rest(m: np.ndarray) -> np.ndarray:
    """Correlation of each item with the mean of the other answered items (pairwise)."""
    k = m.shape[1]
    out = np.full(k, np.nan)
    answered = ~np.isnan(m)
    total = np.nansum(m, axis=1)
    count = answered.sum(axis=1)
    for j in range(k):
        n_rest = count - answered[:, j]
        rest = (total - np.where(answered[:, j], m[:, j], 0.0)) / np.where(n_rest > 0, n_rest, 1)
        ok = answered[:, j] & (n_rest > 0)
        if ok.sum() > 2:
            x, y = m[ok, j], rest[ok]
            if x.std() > 0 and y.std() > 0:
                out[j] = np.corrcoef(x, y)[0, 1]
    return out


def _alpha(m: np.ndarray) -> tuple[float, float, float]:
    if m.shape[1] < 2 or m.shape[0] < 2:
        return np.nan, np.nan, np.nan
    frame = pd.DataFrame(m)
    if (frame.count() < 2).any() or (frame.var() == 0).all():
        return np.nan, np.nan, np.nan
    a, (lo, hi) = pg.cronbach_alpha(data=frame, nan_policy="pairwise")
    return float(a), float(lo), float(hi)


def scale_reliability(
    answers: pd.DataFrame,
    scales: Sequence[Any] | VersionedScales,
    by: Sequence[str] = ("wave", "role"),
    *,
    index: ResponseIndex | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cronbach's alpha (95 % CI, :func:`pingouin.cronbach_alpha`), floor/ceiling and items.

    Parameters
    ----------
    answers : pandas.DataFrame
        The (cleaned) answers table.
    scales : sequence of Scale
        Items, reverse keying, ``min_items`` and ``range``.
    by : sequence of str
        Groups; ``("wave", "role")`` by default.
    index : ResponseIndex, optional
        Reuse a response index.

    Returns
    -------
    scales_table : pandas.DataFrame
        ``scale, wave, role, n, k, alpha, ci_low, ci_high, floor, ceiling, note``: ``n``
        responses with a score (at least ``min_items`` answered), which are the rows alpha is
        computed on (pairwise covariances, as ``psych::alpha(use="pairwise")``); ``floor`` and
        ``ceiling`` are the shares of scores at the scale's minimum and maximum. Alpha is NA
        with a note for a one-item scale or fewer than two scored responses.
    items_table : pandas.DataFrame
        ``scale, wave, role, item, reversed, n, mean, sd, item_rest_r`` after reverse-keying;
        the rest score is the mean of the other answered items.

    Examples
    --------
    >>> from evaluation import scale_reliability
    >>> rel, items = scale_reliability(answers, scales)  # doctest: +SKIP

    With VersionedScales each instrument version is scored with its own definitions and both
    tables gain a ``definition`` column after ``scale``.
    """
    from .versions import VersionedScales, split_by_version

    if isinstance(scales, VersionedScales):
        rels, itemss = [], []
        for version, sub, version_scales in split_by_version(answers, scales):
            r, i = scale_reliability(sub, version_scales, by)
            for t in (r, i):
                t.insert(
                    1, "definition", t["scale"].map(lambda c, v=version: scales.label_for(v, c))
                )
            rels.append(r)
            itemss.append(i)
        return pd.concat(rels, ignore_index=True), pd.concat(itemss, ignore_index=True)
    index = index or index_responses(answers)
    grouped = index.responses.groupby(list(by), observed=True, sort=True)
    gcodes = grouped.ngroup().to_numpy()
    # size() lists the groups in the same order as ngroup() numbers them.
    keys = grouped.size().index.to_frame(index=False)
    rows, item_rows = [], []
    matrix = item_matrix(answers, all_items(scales), index)
    for s in scales:
        m = scale_matrix(answers, s, index, matrix=matrix)
        n_items = np.sum(~np.isnan(m), axis=1)
        scored = n_items >= s.min_items
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.nansum(m, axis=1) / n_items
        low, high = s.range
        for g, key in keys.iterrows():
            sel = scored & (gcodes == g)
            sub = m[sel]
            label = {c: key[c] for c in by}
            n = int(sel.sum())
            note = ""
            if len(s.items) < 2:
                note = "one item: alpha is not defined"
            elif n < 2:
                note = "fewer than 2 scored responses"
            a, lo, hi = _alpha(sub) if not note else (np.nan, np.nan, np.nan)
            if not note and np.isnan(a):
                note = "no variance"
            sc = score[sel]
            rows.append(
                dict(
                    scale=s.code,
                    **label,
                    n=n,
                    k=len(s.items),
                    alpha=a,
                    ci_low=lo,
                    ci_high=hi,
                    floor=float(np.mean(sc == low)) if n else np.nan,
                    ceiling=float(np.mean(sc == high)) if n else np.nan,
                    note=note,
                )
            )
            r = _item_rest(sub) if n > 2 and len(s.items) > 1 else np.full(len(s.items), np.nan)
            for j, item in enumerate(s.items):
                col = sub[:, j]
                col = col[~np.isnan(col)]
                item_rows.append(
                    dict(
                        scale=s.code,
                        **label,
                        item=item,
                        reversed=item in s.reverse,
                        n=len(col),
                        mean=col.mean() if len(col) else np.nan,
                        sd=col.std(ddof=1) if len(col) > 1 else np.nan,
                        item_rest_r=r[j],
                    )
                )
    cols = ["scale", *by] + RELIABILITY_COLUMNS[3:]
    icols = ["scale", *by] + ITEM_COLUMNS[3:]
    return (
        pd.DataFrame(rows).reindex(columns=cols),
        pd.DataFrame(item_rows).reindex(columns=icols),
    )
