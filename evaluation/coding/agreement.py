"""Agreement between coders: Cohen's kappa per theme, Krippendorff's alpha overall, disagreements.

"Coders" are people or the auto-coder: each gives a DataFrame with one 0/1 column per theme
and one row per answer, in the same order (or with the same index).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "agreement_table",
    "coder_agreement",
    "alpha_for_codes",
    "cohen_kappa",
    "disagreements",
    "krippendorff_alpha",
    "macro_f1",
]


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float:
    """Cohen's kappa for two coders' nominal codes of the same units.

    ``kappa = (p_o - p_e) / (1 - p_e)``, with ``p_o`` the observed agreement and ``p_e`` the
    agreement expected from each coder's marginal distribution. Units missing in either coder
    (None/NaN) are dropped. Returns NaN when ``p_e`` is 1 (both coders used one category
    only), where kappa is undefined.

    Parameters
    ----------
    a, b : sequence
        Codes of the same units by coder A and coder B.

    Returns
    -------
    float

    Examples
    --------
    Wikipedia's worked example (50 proposals; yes/yes 20, yes/no 5, no/yes 10, no/no 15):

    >>> a = [1] * 25 + [0] * 25
    >>> b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    >>> round(cohen_kappa(a, b), 3)
    0.4
    """
    sa, sb = pd.Series(list(a), dtype=object), pd.Series(list(b), dtype=object)
    if len(sa) != len(sb):
        raise ValueError(f"the coders coded different numbers of units ({len(sa)} and {len(sb)})")
    keep = sa.notna() & sb.notna()
    sa, sb = sa[keep], sb[keep]
    n = len(sa)
    if n == 0:
        return float("nan")
    cats = sorted(set(sa) | set(sb), key=str)
    index = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(cats), len(cats)))
    np.add.at(table, ([index[x] for x in sa], [index[x] for x in sb]), 1)
    table /= n
    p_o = np.trace(table)
    p_e = float(table.sum(axis=1) @ table.sum(axis=0))
    if np.isclose(p_e, 1.0):
        return float("nan")
    return float((p_o - p_e) / (1.0 - p_e))


def krippendorff_alpha(reliability_data: Any, level: str = "nominal") -> float:
    """Krippendorff's alpha for a coders x units matrix (NaN = unit not coded by that coder).

    Parameters
    ----------
    reliability_data : array-like, shape (coders, units)
    level : {"nominal", "ordinal", "interval", "ratio"}

    Returns
    -------
    float

    Examples
    --------
    Krippendorff's (2011) worked example with four coders and missing values:

    >>> nan = float("nan")
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(krippendorff_alpha(data), 3)
    0.743
    """
    import krippendorff

    data = np.asarray(reliability_data, dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))  # type: ignore[arg-type]


def _codes(frame: pd.DataFrame, themes: Sequence[str]) -> pd.DataFrame:
    missing = [t for t in themes if t not in frame.columns]
    if missing:
        raise KeyError(f"no code columns for themes: {', '.join(missing)}")
    return frame[list(themes)].apply(pd.to_numeric, errors="coerce")


def alpha_for_codes(coders: Sequence[pd.DataFrame], themes: Sequence[str]) -> float:
    """Krippendorff's alpha (nominal) over every answer x theme decision of two or more coders."""
    if len(coders) < 2:
        raise ValueError("alpha needs at least two coders")
    rows = [_codes(c, themes).to_numpy(dtype=float).ravel() for c in coders]
    if len({r.size for r in rows}) != 1:
        raise ValueError("the coders coded different numbers of answers")
    return krippendorff_alpha(np.vstack(rows), "nominal")


def agreement_table(
    reference: pd.DataFrame, other: pd.DataFrame, themes: Sequence[str]
) -> pd.DataFrame:
    """Per-theme agreement of ``other`` with ``reference`` (e.g. auto-coder against humans).

    Returns
    -------
    DataFrame
        One row per theme: ``n``, ``positives`` (in reference), ``tp``, ``fp``, ``fn``,
        ``precision``, ``recall``, ``f1`` and ``kappa``; NaN where undefined.
    """
    ref, oth = _codes(reference, themes), _codes(other, themes)
    if len(ref) != len(oth):
        raise ValueError(
            f"the coders coded different numbers of answers ({len(ref)} and {len(oth)})"
        )
    rows = []
    for t in themes:
        r, o = ref[t].to_numpy(), oth[t].to_numpy()
        keep = ~(np.isnan(r) | np.isnan(o))
        r, o = r[keep].astype(int), o[keep].astype(int)
        tp, fp, fn = (
            int(((r == 1) & (o == 1)).sum()),
            int(((r == 0) & (o == 1)).sum()),
            int(((r == 1) & (o == 0)).sum()),
        )
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
        rows.append(
            {
                "theme": t,
                "n": int(keep.sum()),
                "positives": int(r.sum()),
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "kappa": cohen_kappa(r, o),
            }
        )
    return pd.DataFrame(rows)


def coder_agreement(coder: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """Per-theme agreement of ``coder`` with the hand codes of ``frame`` (an :func:`agreement_table`).

    ``coder`` is a dictionary or learned coder (``code_many`` and ``themes``); ``frame`` has a
    ``text`` column and one 0/1 column per theme, as the held-out sets do.
    """
    coded = coder.code_many(frame["text"].fillna("").tolist())
    codes = pd.DataFrame(
        [[int(t in c.themes) for t in coder.themes] for c in coded], columns=list(coder.themes)
    )
    return agreement_table(frame.reset_index(drop=True), codes, coder.themes)


def macro_f1(table: pd.DataFrame) -> float:
    """Mean F1 over the themes of an :func:`agreement_table` (themes nobody coded are skipped)."""
    return float(table["f1"].mean(skipna=True))


def disagreements(
    a: pd.DataFrame,
    b: pd.DataFrame,
    themes: Sequence[str],
    text: Sequence[Any] | None = None,
    names: tuple[str, str] = ("a", "b"),
) -> pd.DataFrame:
    """List every answer x theme where two coders differ, for a coding meeting.

    Returns
    -------
    DataFrame
        Columns ``row`` (position of the answer), ``theme``, one column per coder name and,
        when ``text`` is given, ``text``.
    """
    ca, cb = _codes(a, themes), _codes(b, themes)
    if len(ca) != len(cb):
        raise ValueError("the coders coded different numbers of answers")
    out = []
    texts = list(text) if text is not None else None
    for t in themes:
        va, vb = ca[t].to_numpy(), cb[t].to_numpy()
        for i in np.flatnonzero(~((va == vb) | (np.isnan(va) & np.isnan(vb)))):
            row = {"row": int(i), "theme": t, names[0]: va[i], names[1]: vb[i]}
            if texts is not None:
                row["text"] = texts[i]
            out.append(row)
    cols = ["row", "theme", *names] + (["text"] if texts is not None else [])
    return pd.DataFrame(out, columns=cols).sort_values(["row", "theme"], ignore_index=True)
