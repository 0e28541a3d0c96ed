"""Scale scores: the mean of answered items after reverse-keying, given enough answered items."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .responses import ResponseIndex, index_responses

if TYPE_CHECKING:
    from .versions import VersionedScales

__all__ = [
    "load_scales",
    "check_scales",
    "item_matrix",
    "scale_matrix",
    "score_scales",
    "ItemMatrix",
    "ScaleWarning",
    "all_items",
]


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
            problems.append(
                f"scale '{s.code}': none of its items has answers "
                f"({', '.join(unknown)}); its scores are NA"
            )
        elif unknown:
            problems.append(
                f"scale '{s.code}': item(s) {', '.join(repr(u) for u in unknown)} "
                "have no answers; the score uses the other items"
            )
        if len(s.items) == 1:
            problems.append(f"scale '{s.code}': has one item; alpha is NA")
    return problems


@dataclass
class ItemMatrix:
    """Answers as a wide matrix: one row per response, one column per item (NaN unanswered)."""

    values: np.ndarray
    columns: dict[str, int]

    def take(self, items: Sequence[str]) -> np.ndarray:
        """Columns for ``items`` (a NaN column for an item without answers)."""
        out = np.full((self.values.shape[0], len(items)), np.nan)
        for j, code in enumerate(items):
            if code in self.columns:
                out[:, j] = self.values[:, self.columns[code]]
        return out


def item_matrix(
    answers: pd.DataFrame, items: Sequence[str], index: ResponseIndex | None = None
) -> ItemMatrix:
    """Pivot the answers to ``items`` into a wide matrix in one pass over the rows.

    Parameters
    ----------
    answers : pandas.DataFrame
        The answers table.
    items : sequence of str
        Item codes (columns, in order; duplicates are ignored).
    index : ResponseIndex, optional
        Reuse a response index computed before.

    Returns
    -------
    ItemMatrix
        ``values`` of shape ``(index.n, len(unique items))``; the last answer wins when an
        item occurs twice in a response.
    """
    index = index or index_responses(answers)
    items = list(dict.fromkeys(items))
    item = answers["item"]
    if not isinstance(item.dtype, pd.CategoricalDtype):
        item = item.astype("category")
    lookup = {str(c): i for i, c in enumerate(item.cat.categories)}
    col_of = np.full(len(item.cat.categories) + 1, -1, dtype=np.int64)  # last: code -1
    for j, code in enumerate(items):
        if code in lookup:
            col_of[lookup[code]] = j
    cols = col_of[item.cat.codes.to_numpy()]
    rows = np.flatnonzero(cols >= 0)
    out = np.full((index.n, len(items)), np.nan)
    out[index.codes[rows], cols[rows]] = answers["value"].to_numpy()[rows]
    return ItemMatrix(values=out, columns={c: j for j, c in enumerate(items)})


def scale_matrix(
    answers: pd.DataFrame,
    scale: Any,
    index: ResponseIndex | None = None,
    *,
    reverse: bool = True,
    matrix: ItemMatrix | None = None,
) -> np.ndarray:
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
    matrix : ItemMatrix, optional
        Take the columns from a matrix built before (:func:`item_matrix`, same index).

    Returns
    -------
    numpy.ndarray
        Shape ``(index.n, len(scale.items))``.
    """
    if matrix is None:
        matrix = item_matrix(answers, scale.items, index)
    out = matrix.take(scale.items)
    if reverse and scale.reverse:
        low, high = scale.range
        for j, code in enumerate(scale.items):
            if code in scale.reverse:
                out[:, j] = low + high - out[:, j]
    return out


def all_items(scales: Sequence[Any]) -> list[str]:
    """Every item of the scales, in order, once."""
    return list(dict.fromkeys(i for s in scales for i in s.items))


def score_scales(
    answers: pd.DataFrame,
    scales: Sequence[Any] | VersionedScales,
    *,
    index: ResponseIndex | None = None,
) -> pd.DataFrame:
    """Score every scale for every response.

    Parameters
    ----------
    answers : pandas.DataFrame
        The (cleaned) answers table.
    scales : sequence of Scale or VersionedScales
        Objects with ``code, items, reverse, min_items, range``; or the definitions of several
        instrument versions (:mod:`evaluation.versions`), which need ``instrument_version``.
    index : ResponseIndex, optional
        Reuse a response index computed before (a single list of scales only).

    Returns
    -------
    pandas.DataFrame
        One row per response × scale where at least one item is answered: the response columns
        (``respondent_id, wave, role, fylke``, ...), ``scale``, ``n_items`` (answered) and
        ``score`` (NaN when fewer than ``min_items`` are answered). With VersionedScales also
        ``definition`` (``v1``, ``v2``): the definition that scored the response.

    Examples
    --------
    >>> from evaluation import score_scales
    >>> scores = score_scales(answers, scales)  # doctest: +SKIP
    """
    from .versions import VersionedScales, split_by_version

    if isinstance(scales, VersionedScales):
        parts = []
        for version, sub, version_scales in split_by_version(answers, scales):
            part = score_scales(sub, version_scales)
            part["scale"] = part["scale"].astype(str)
            part["definition"] = part["scale"].map(lambda c, v=version: scales.label_for(v, c))
            parts.append(part)
        if not parts:
            raise ValueError("no scales to score")
        out = pd.concat(parts, ignore_index=True)
        out["scale"] = pd.Categorical(out["scale"], categories=scales.codes)
        return out
    index = index or index_responses(answers)
    for problem in check_scales(answers, scales):
        warnings.warn(problem, ScaleWarning, stacklevel=2)
    parts = []
    matrix = item_matrix(answers, all_items(scales), index)
    for s in scales:
        m = scale_matrix(answers, s, index, matrix=matrix)
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
