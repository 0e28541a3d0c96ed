"""Scale scores: the mean of answered items after reverse-keying, given enough answered items."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .responses import ResponseIndex, index_responses

__all__ = ["load_scales", "check_scales", "scale_matrix", "score_scales", "ScaleWarning"]


class ScaleWarning(UserWarning):
    """A scale does not fit the answers (unknown items); the analysis goes on without them."""


def load_scales(path: str | Path) -> list[Any]:
    """Load ``scales.yaml`` with the instrument's own loader (``questionnaires.load_scales``).

    Parameters
    ----------
    path : str or Path
        The scales file.

    Returns
    -------
    list of questionnaires.Scale
        Objects with ``code, label, items, reverse, min_items, range``.
    """
    from questionnaires import load_scales as _load

    return list(_load(path))


def check_scales(answers: pd.DataFrame, scales: Sequence[Any]) -> list[str]:
    """List the problems between a scales file and the answers, one plain message each.

    Parameters
    ----------
    answers : pandas.DataFrame
        The answers table.
    scales : sequence of Scale
        The scales.

    Returns
    -------
    list of str
        E.g. ``"scale 'likeverd': item 'likev_9' has no answers"``. Empty when all is well.
    """
    item = answers["item"]
    if isinstance(item.dtype, pd.CategoricalDtype):
        # Observed categories via the codes: no string per row on large tables.
        used = np.unique(item.cat.codes.to_numpy())
        present = {str(item.cat.categories[c]) for c in used if c >= 0}
    else:
        present = set(item.astype(str).unique())
    problems = []
    for s in scales:
        unknown = [i for i in s.items if i not in present]
        if len(unknown) == len(s.items):
            problems.append(f"scale '{s.code}': none of its items has answers "
                            f"({', '.join(unknown)}); its scores are NA")
        elif unknown:
            problems.append(f"scale '{s.code}': item(s) {', '.join(repr(u) for u in unknown)} "
                            "have no answers; the score uses the other items")
        if len(s.items) == 1:
            problems.append(f"scale '{s.code}': has one item; alpha is NA")
    return problems


def scale_matrix(answers: pd.DataFrame, scale: Any, index: ResponseIndex | None = None,
                 *, reverse: bool = True) -> np.ndarray:
    """Wide matrix (responses × items of the scale) of reverse-keyed values, NaN when unanswered.

    Parameters
    ----------
    answers : pandas.DataFrame
        The answers table.
    scale : Scale
        The scale; its items give the columns, in order.
    index : ResponseIndex, optional
        Reuse a response index computed before.
    reverse : bool
        Reverse-key the items listed in ``scale.reverse`` (``low + high - value``).

    Returns
    -------
    numpy.ndarray
        Shape ``(index.n, len(scale.items))``.
    """
    index = index or index_responses(answers)
    item = answers["item"]
    cats = item.cat.categories if isinstance(item.dtype, pd.CategoricalDtype) else None
    if cats is None:
        item = item.astype("category")
        cats = item.cat.categories
    col_of = np.full(len(cats) + 1, -1, dtype=np.int64)
    lookup = {str(c): i for i, c in enumerate(cats)}
    for j, code in enumerate(scale.items):
        if code in lookup:
            col_of[lookup[code]] = j
    cols = col_of[item.cat.codes.to_numpy()]
    rows = np.flatnonzero(cols >= 0)
    out = np.full((index.n, len(scale.items)), np.nan)
    values = answers["value"].to_numpy()[rows]
    out[index.codes[rows], cols[rows]] = values
    if reverse and scale.reverse:
        low, high = scale.range
        for j, code in enumerate(scale.items):
            if code in scale.reverse:
                out[:, j] = low + high - out[:, j]
    return out


def score_scales(answers: pd.DataFrame, scales: Sequence[Any], *,
                 index: ResponseIndex | None = None) -> pd.DataFrame:
    """Score every scale for every response.

    Parameters
    ----------
    answers : pandas.DataFrame
        The (cleaned) answers table.
    scales : sequence of Scale
        Objects with ``code, items, reverse, min_items, range``.
    index : ResponseIndex, optional
        Reuse a response index computed before.

    Returns
    -------
    pandas.DataFrame
        One row per response × scale where at least one item is answered: the response columns
        (``respondent_id, wave, role, fylke``, ...), ``scale``, ``n_items`` (answered) and
        ``score`` (NaN when fewer than ``min_items`` are answered).

    Examples
    --------
    >>> from evaluation import score_scales
    >>> scores = score_scales(answers, scales)  # doctest: +SKIP
    """
    index = index or index_responses(answers)
    for problem in check_scales(answers, scales):
        warnings.warn(problem, ScaleWarning, stacklevel=2)
    parts = []
    for s in scales:
        m = scale_matrix(answers, s, index)
        n_items = np.sum(~np.isnan(m), axis=1)
        with np.errstate(invalid="ignore"):
            score = np.nansum(m, axis=1) / np.maximum(n_items, 1)
        score[n_items < s.min_items] = np.nan
        keep = np.flatnonzero(n_items > 0)
        part = index.responses.iloc[keep].copy()
        part["scale"] = s.code
        part["n_items"] = n_items[keep].astype(np.int32)
        part["score"] = score[keep]
        parts.append(part)
    if not parts:
        raise ValueError("no scales to score")
    out = pd.concat(parts, ignore_index=True)
    out["scale"] = pd.Categorical(out["scale"], categories=[s.code for s in scales])
    return out
