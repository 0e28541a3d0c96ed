"""Nonresponse weights: respondents raked to the frame's margins, trimmed, with Kish's deff.

Per wave, every respondent starts with the weight ``N / n`` (invited over responded) and is
raked (iterative proportional fitting) until the weighted counts match the frame's counts on
each margin: role × fylke, and network where the cells allow it. Then weights above
``trim × mean weight`` are cut to that bound and the excess is spread equally over the other
respondents, repeated until none is above (R's ``survey::trimWeights(strict = TRUE)``); the
sum of the weights stays the number invited. Kish's design effect of the weights is
``n Σw² / (Σw)²``.

**Thin cells** (fewer than ``min_cell`` respondents, default 10) are collapsed before raking:

1. role × fylke: the thin fylker of a role are pooled into one cell "role: øvrige fylker";
   if that pool is still thin it joins the role's largest cell. A role where every cell is
   thin becomes one cell. A role with no respondent cannot be weighted: its invited persons
   are left out of the targets and the run reports it.
2. network: thin networks are pooled into "øvrige nettverk"; a pool still thin joins the
   largest network. With one category left, the network margin is dropped (it adds nothing).

**Why our own code and not a library.** The weights are checked against R's ``survey``
package (``rake``, ``trimWeights``, ``svymean``, ``svyby``) in
``tests/evaluation/test_eval_weights.py``. Of the Python libraries, ``balance`` (Meta) pins
older numpy, pandas and scipy than this project uses and pulls in IPython and plotly;
``samplics`` and ``svy`` both bring polars (about 55 MB) and neither estimates the change
between two waves in which the same persons answer twice, clustered by kommune, which is
what :mod:`evaluation.weighted_change` needs. Raking is twenty lines of numpy and the
linearised variance another twenty, so a small, tested implementation is the lighter choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "WeightResult",
    "rake",
    "trim_weights",
    "kish_deff",
    "collapse_cells",
    "nonresponse_weights",
    "attrition_weights",
]

OTHER_FYLKER = "øvrige fylker"
OTHER_NETWORKS = "øvrige nettverk"


def rake(
    categories: Sequence[np.ndarray],
    targets: Sequence[dict[str, Any]],
    start: np.ndarray,
    tol: float = 1e-12,
    max_iter: int = 1000,
) -> np.ndarray:
    """Iterative proportional fitting of ``start`` weights to the margin ``targets``.

    ``categories[m][i]`` is respondent ``i``'s category on margin ``m``; ``targets[m]`` maps
    each category to its frame count. Stops when no weighted margin is more than ``tol``
    (relative) from its target, as R's ``rake(..., control = list(epsilon = …))``.
    """
    w = np.asarray(start, dtype=float).copy()
    coded = []
    for cats, target in zip(categories, targets, strict=True):
        codes, uniques = pd.factorize(np.asarray(cats), sort=True)
        missing = [u for u in uniques if u not in target]
        if missing:
            raise ValueError(f"raking: categories {missing} have respondents but no target")
        coded.append((codes, np.array([target[u] for u in uniques], dtype=float)))
    for _ in range(max_iter):
        worst = 0.0
        for codes, goal in coded:
            have = np.bincount(codes, weights=w, minlength=len(goal))
            worst = max(worst, float(np.max(np.abs(have - goal) / goal)))
            w *= (goal / have)[codes]
        if worst < tol:
            break
    else:
        raise ValueError(
            f"raking did not converge in {max_iter} rounds (margins that contradict each other?)"
        )
    return w


def trim_weights(w: np.ndarray, upper: float, max_rounds: int = 100) -> np.ndarray:
    """Cut weights above ``upper`` and spread the excess equally over the others, until none
    is above (R's ``trimWeights(design, upper, strict = TRUE)``)."""
    w = np.asarray(w, dtype=float).copy()
    for _ in range(max_rounds):
        outside = w > upper
        if not outside.any() or outside.all():
            break
        excess = float((w[outside] - upper).sum())
        w[outside] = upper
        w[~outside] += excess / (~outside).sum()
    return w


def kish_deff(w: np.ndarray) -> float:
    """Kish's design effect of unequal weights, ``n Σw² / (Σw)²`` (1 for equal weights)."""
    w = np.asarray(w, dtype=float)
    return float(len(w) * (w**2).sum() / w.sum() ** 2) if len(w) else np.nan


def collapse_cells(frame: pd.DataFrame, min_cell: int = 10) -> tuple[pd.DataFrame, list[str]]:
    """Add ``cell`` (role × fylke) and ``net_cell`` (network) after collapsing thin cells.

    ``frame`` is one wave's frame. Returns the frame with the two columns and the notes on
    what was collapsed (see the module docstring for the rule).
    """
    out = frame.copy()
    notes: list[str] = []
    resp = out["responded"] == 1
    cell = out["role"] + ": " + out["fylke"]
    for role, part in out.groupby("role", sort=True):
        counts = resp[part.index].groupby(cell[part.index]).sum()
        thin = counts[counts < min_cell]
        if len(thin) == 0:
            continue
        if int(counts.sum()) == 0:
            notes.append(f"{role}: no respondents; its {len(part)} invited are not weighted")
            continue
        pooled = f"{role}: {OTHER_FYLKER}"
        if len(thin) == len(counts):
            cell[part.index] = f"{role}: alle fylker"
            notes.append(f"{role}: every fylke had fewer than {min_cell} respondents; one cell")
            continue
        if int(thin.sum()) < min_cell:
            pooled = counts[counts >= min_cell].idxmax()
        cell[part.index[cell[part.index].isin(thin.index)]] = pooled
        notes.append(
            f"{role}: {len(thin)} fylke cell(s) with fewer than {min_cell} "
            f"respondents merged into '{pooled}'"
        )
    out["cell"] = cell
    if "network" in out.columns:
        net = out["network"].copy()
        counts = resp.groupby(net).sum()
        thin = counts[counts < min_cell]
        if len(thin):
            pooled = OTHER_NETWORKS
            if int(thin.sum()) < min_cell and (counts >= min_cell).any():
                pooled = counts[counts >= min_cell].idxmax()
            net[net.isin(thin.index)] = pooled
            notes.append(
                f"network: {len(thin)} network(s) with fewer than {min_cell} "
                f"respondents merged into '{pooled}'"
            )
        if net[resp].nunique() > 1:
            out["net_cell"] = net
        else:
            notes.append("network: one category left after collapsing; margin dropped")
    return out, notes


@dataclass
class WeightResult:
    """Weights per respondent and wave, a summary per wave and notes on collapsed cells."""

    weights: pd.DataFrame  # respondent_id, wave, weight, weight_raked, cell, [kommune, school]
    summary: pd.DataFrame  # per wave: invited, responded, margins, trim bound, deff, min/max
    notes: list[str] = field(default_factory=list)


def nonresponse_weights(
    frame: pd.DataFrame,
    min_cell: int = 10,
    trim: float = 5.0,
) -> WeightResult:
    """Raked and trimmed nonresponse weights for the respondents of every wave.

    Parameters
    ----------
    frame : pandas.DataFrame
        The validated frame (:func:`evaluation.frame.validate_frame`).
    min_cell : int
        Cells with fewer respondents than this are collapsed (module docstring).
    trim : float
        Weights above ``trim`` × the wave's mean weight are trimmed (``inf`` for none).

    Returns
    -------
    WeightResult
        ``weights``: one row per respondent and wave (``weight`` trimmed, ``weight_raked``
        before trimming); ``summary``: per wave the counts, margins, bound, Kish's deff and
        the largest deviation of a trimmed margin from its target.

    Examples
    --------
    >>> result = nonresponse_weights(frame, min_cell=10, trim=5)  # doctest: +SKIP
    >>> result.summary[["wave", "deff_kish"]]  # doctest: +SKIP
    """
    parts, rows, notes = [], [], []
    for wave, part in frame.groupby("wave", sort=True):
        part, wave_notes = collapse_cells(part.reset_index(drop=True), min_cell)
        notes += [f"wave {wave}: {n}" for n in wave_notes]
        resp = part.loc[part["responded"] == 1]
        if resp.empty:
            notes.append(f"wave {wave}: nobody responded; no weights")
            continue
        # Only cells with respondents can be represented (a role with none is left out).
        target_frame = part.loc[part["cell"].isin(set(resp["cell"]))]
        margins = ["cell"] + (["net_cell"] if "net_cell" in part.columns else [])
        targets = [target_frame.groupby(m).size().to_dict() for m in margins]
        start = np.full(len(resp), len(target_frame) / len(resp))
        raked = rake([resp[m].to_numpy() for m in margins], targets, start)
        bound = trim * raked.mean()
        trimmed = trim_weights(raked, bound) if np.isfinite(bound) else raked
        off = max(
            float(
                np.max(
                    np.abs(
                        pd.Series(trimmed).groupby(resp[m].to_numpy()).sum().to_numpy()
                        - pd.Series(targets[i])
                        .reindex(pd.Series(trimmed).groupby(resp[m].to_numpy()).sum().index)
                        .to_numpy()
                    )
                )
            )
            for i, m in enumerate(margins)
        )
        keep = ["respondent_id", "wave", "role", "fylke", "cell"] + [
            c for c in ("network", "kommune", "school") if c in resp.columns
        ]
        out = resp[keep].copy()
        out["weight_raked"] = raked
        out["weight"] = trimmed
        parts.append(out)
        rows.append(
            dict(
                wave=int(wave),
                invited=len(part),
                responded=len(resp),
                represented=len(target_frame),
                margins=" + ".join("role × fylke" if m == "cell" else "network" for m in margins),
                cells=int(resp["cell"].nunique()),
                trim_bound=bound,
                trimmed=int((raked > bound + 1e-12).sum()),
                deff_kish_raked=kish_deff(raked),
                deff_kish=kish_deff(trimmed),
                weight_min=float(trimmed.min()),
                weight_max=float(trimmed.max()),
                max_margin_gap_after_trim=off,
            )
        )
    weights = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["respondent_id", "wave", "weight"])
    )
    return WeightResult(weights=weights, summary=pd.DataFrame(rows), notes=notes)


def attrition_weights(
    frame: pd.DataFrame,
    weights: pd.DataFrame,
    pairs: Sequence[tuple[int, int]],
    variables: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Weights for the panel members of each wave pair: the first wave's nonresponse weight
    over the estimated probability of answering again.

    For a pair ``(a, b)``, the panel is everyone who answered in ``a`` and is invited in ``b``.
    Their probability of answering in ``b`` (retention) comes from the same main-effects
    logistic model as the response propensities (:mod:`evaluation.representativeness`) on
    role, fylke and network; a member who answered both waves gets ``w_a / ρ̂``. So the
    members who stayed stand for the whole panel, under the assumption that staying is random
    given those variables.

    Returns
    -------
    pandas.DataFrame
        ``respondent_id, wave_from, wave_to, weight_from, retention, weight`` for every person
        who answered both waves of a pair.
    """
    from .representativeness import DEFAULT_VARIABLES, fit_propensities

    if variables is None:
        variables = [v for v in DEFAULT_VARIABLES if v in frame.columns]
    w = weights[["respondent_id", "wave", "weight"]].copy()
    w["respondent_id"] = w["respondent_id"].astype(str)
    rows = []
    for a, b in pairs:
        first = w.loc[w["wave"] == a, ["respondent_id", "weight"]]
        panel = frame.loc[frame["wave"] == b].copy()
        panel["respondent_id"] = panel["respondent_id"].astype(str)
        panel = panel.merge(first, on="respondent_id")
        if panel.empty or panel["responded"].sum() == 0:
            continue
        used = [v for v in variables if panel[v].nunique() > 1] or list(variables)[:1]
        cells = (
            panel.groupby(used, observed=True, sort=True)["responded"]
            .agg(invited="size", responded="sum")
            .reset_index()
        )
        cells["retention"] = fit_propensities(cells, used)
        stayed = panel.loc[panel["responded"] == 1].merge(cells[[*used, "retention"]], on=used)
        rows.append(
            pd.DataFrame(
                {
                    "respondent_id": stayed["respondent_id"],
                    "wave_from": a,
                    "wave_to": b,
                    "weight_from": stayed["weight"],
                    "retention": stayed["retention"],
                    "weight": stayed["weight"] / stayed["retention"],
                }
            )
        )
    cols = ["respondent_id", "wave_from", "wave_to", "weight_from", "retention", "weight"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)
