"""Change of the weighted means between waves, with design-based (linearised) standard errors.

Each wave's respondents carry their nonresponse weight (:mod:`evaluation.weights`), so a
wave's weighted mean estimates the mean of everyone invited, under the assumption that the
answers are missing at random given the frame variables (role, fylke, network). The change
``ȳ_b − ȳ_a`` is a difference of two ratio estimators; its variance comes from the
linearisation (influence) values ``u_i = w_i (y_i − ȳ_v) / Σw`` of each wave, summed per
cluster over *both* waves: a person who answered in both waves contributes one sum, so the
covariance of the two means enters, and with a kommune column the cluster is the kommune
(persons of one kommune share a context). With ``C`` clusters,
``V = C/(C−1) Σ_c (Σ_{i∈c} u_i^b − u_i^a)²``, as R's ``survey`` package computes
``svycontrast(svyby(~score, ~wave + role, svydesign(ids = ~cluster, weights = ~w), svymean,
covmat = TRUE), …)``. The weights are treated as fixed (the raking's own variance reduction
is ignored, which errs on the conservative side for the raked margins). Intervals are Wald
(normal) intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .change import CHANGE_COLUMNS, wave_pairs

__all__ = ["attach_weights", "weighted_change", "weighted_means", "panel_weighted_change"]


def attach_weights(
    scores: pd.DataFrame, weights: pd.DataFrame, cluster: str | Sequence[str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Scores of weighted respondents with their ``weight`` and a ``cluster`` column.

    ``cluster`` names the frame column(s) that form clusters, in order of preference (e.g.
    ``("kommune", "school")``): a person's cluster is the first of them that is known, else
    the person alone. Returns the joined scores and notes (e.g. respondents missing from the
    frame).
    """
    columns = [cluster] if isinstance(cluster, str) else list(cluster or [])
    columns = [c for c in columns if c in weights.columns]
    w = weights[["respondent_id", "wave", "weight", *columns]].copy()
    w["respondent_id"] = w["respondent_id"].astype(str)
    s = scores.copy()
    s["respondent_id"] = s["respondent_id"].astype(str)
    s["wave"] = s["wave"].astype(int)
    joined = s.drop(columns=[c for c in ["weight", *columns] if c in s.columns]).merge(
        w, on=["respondent_id", "wave"], how="left"
    )
    notes = []
    lost = joined.loc[joined["weight"].isna(), ["respondent_id", "wave"]].drop_duplicates()
    framed = set(w["wave"].astype(int))
    for wave in sorted(set(lost["wave"]) - framed):
        notes.append(
            f"wave {wave} is not in the frame: its "
            f"{int((lost['wave'] == wave).sum())} response(s) have no weights"
        )
    lost = lost.loc[lost["wave"].isin(framed)]
    if len(lost):
        notes.append(
            f"{len(lost)} response(s) have no weight: the person is not in the frame "
            f"for that wave or not marked responded (e.g. {lost.iloc[0, 0]} in "
            f"{lost.iloc[0, 1]}); left out of the weighted estimates"
        )
    joined = joined.loc[joined["weight"].notna()].reset_index(drop=True)
    ids = "person:" + joined["respondent_id"]
    for col in reversed(columns):  # the first known column wins
        known = joined[col].notna() & (joined[col].astype(str) != "(ukjent)")
        ids = ids.where(~known, col + ":" + joined[col].astype(str))
    joined["cluster"] = ids
    return joined, notes


def weighted_means(data: pd.DataFrame, by: Sequence[str] = ("role",)) -> pd.DataFrame:
    """Weighted mean, its linearised SE and Kish's deff per scale × group × wave."""
    rows = []
    for scale, part in data.loc[data["score"].notna()].groupby("scale", observed=True):
        cl = pd.factorize(part["cluster"])[0]
        C = cl.max() + 1
        for key, cell in part.groupby([*by, "wave"], observed=True, sort=True):
            w, y = cell["weight"].to_numpy(float), cell["score"].to_numpy(float)
            m = float(w @ y / w.sum())
            u = np.bincount(
                cl[part.index.get_indexer(cell.index)], weights=w * (y - m) / w.sum(), minlength=C
            )
            se = float(np.sqrt(C / (C - 1) * (u**2).sum())) if C > 1 else np.nan
            rows.append(
                dict(
                    scale=scale,
                    **dict(zip([*by, "wave"], key, strict=True)),
                    n=len(cell),
                    mean=m,
                    se=se,
                    deff_kish=len(w) * (w**2).sum() / w.sum() ** 2,
                )
            )
    return pd.DataFrame(rows)


def weighted_change(
    data: pd.DataFrame,
    by: Sequence[str] = ("role",),
    pairs: Sequence[tuple[int, int]] | None = None,
    ci: float = 0.95,
    cluster_label: str = "person",
) -> pd.DataFrame:
    """Change of weighted means per scale × group × wave pair (``method = "weighted"``).

    Parameters
    ----------
    data : pandas.DataFrame
        Scores with ``weight`` and ``cluster`` (:func:`attach_weights`).
    by : sequence of str
        The groups (domains), e.g. ``("role",)``.
    pairs : sequence of (int, int), optional
        Wave pairs; by default :func:`evaluation.change.wave_pairs`.
    ci : float
        Confidence level.
    cluster_label : str
        What a cluster is, for the note (``"kommune"`` or ``"person"``).

    Returns
    -------
    pandas.DataFrame
        The columns of ``change.csv`` (:data:`evaluation.change.CHANGE_COLUMNS`); ``mean_from``
        and ``mean_to`` are the weighted means, ``statistic`` is z, the effect size is the
        change over the weighted SD of both waves.
    """
    z = stats.norm.isf((1 - ci) / 2)
    data = data.loc[data["score"].notna()]
    pairs = pairs or wave_pairs(sorted(data["wave"].unique()))
    rows = []
    for scale, part in data.groupby("scale", observed=True, sort=True):
        cl = pd.factorize(part["cluster"])[0]
        C = int(cl.max()) + 1
        w_all = part["weight"].to_numpy(float)
        y_all = part["score"].to_numpy(float)
        wave = part["wave"].to_numpy(int)
        for key, dom in part.groupby(list(by), observed=True, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            in_dom = part.index.isin(dom.index)
            for a, b in pairs:
                row = dict(
                    scale=scale,
                    **dict(zip(by, key, strict=True)),
                    wave_from=a,
                    wave_to=b,
                    method="weighted",
                )
                u = np.zeros(C)
                means, ns, var_parts = {}, {}, []
                for v, sign in ((a, -1.0), (b, 1.0)):
                    sel = in_dom & (wave == v)
                    w, y = w_all[sel], y_all[sel]
                    ns[v] = int(sel.sum())
                    if ns[v] == 0:
                        continue
                    m = float(w @ y / w.sum())
                    means[v] = m
                    var_parts.append(float(w @ (y - m) ** 2 / w.sum()))
                    u += sign * np.bincount(cl[sel], weights=w * (y - m) / w.sum(), minlength=C)
                row.update(
                    n_from=ns[a],
                    n_to=ns[b],
                    mean_from=means.get(a, np.nan),
                    mean_to=means.get(b, np.nan),
                )
                if ns[a] < 2 or ns[b] < 2 or C < 2:
                    empty = [str(v) for v in (a, b) if ns[v] == 0]
                    rows.append(
                        dict(
                            row,
                            note=f"no weighted answers in {', '.join(empty)}"
                            if empty
                            else "fewer than 2 answers in a wave",
                        )
                    )
                    continue
                diff = means[b] - means[a]
                se = float(np.sqrt(C / (C - 1) * (u**2).sum()))
                sd = float(np.sqrt(np.mean(var_parts)))
                rows.append(
                    _normal_row(
                        row,
                        diff,
                        se,
                        sd,
                        z,
                        "d_weighted_sd",
                        f"nonresponse weights; linearised SE, {C} {cluster_label} clusters",
                    )
                )
    cols = ["scale", *by] + CHANGE_COLUMNS[2:]
    return pd.DataFrame(rows).reindex(columns=list(dict.fromkeys(cols)))


def _normal_row(
    row: dict[str, Any], diff: float, se: float, sd: float, z: float, effect_type: str, note: str
) -> dict[str, Any]:
    """A change.csv row from a difference and its SE: normal interval, z test, standardised effect."""
    zval = diff / se if se > 0 else np.nan
    return dict(
        row,
        diff=diff,
        se=se,
        ci_low=diff - z * se,
        ci_high=diff + z * se,
        statistic=zval,
        p=2 * stats.norm.sf(abs(zval)) if se > 0 else np.nan,
        effect_size=diff / sd if sd > 0 else np.nan,
        effect_size_type=effect_type,
        note=note,
    )


def panel_weighted_change(
    data: pd.DataFrame,
    attrition: pd.DataFrame,
    by: Sequence[str] = ("role",),
    pairs: Sequence[tuple[int, int]] | None = None,
    ci: float = 0.95,
    cluster_label: str = "person",
) -> pd.DataFrame:
    """Mean within-person change of the panel members, with attrition weights
    (``method = "weighted_panel"``).

    ``data`` are the scores with ``cluster`` (:func:`attach_weights`); ``attrition`` comes from
    :func:`evaluation.weights.attrition_weights`. For each person who answered both waves,
    ``d = y_b − y_a``; the estimate is the weighted mean of ``d`` with a linearised SE over
    the clusters of the first wave, as R's ``svymean(~d, svydesign(ids = ~cluster,
    weights = ~w))``. Same columns as :func:`weighted_change`; ``mean_from`` and ``mean_to``
    are the panel's weighted wave means.
    """
    z = stats.norm.isf((1 - ci) / 2)
    data = data.loc[data["score"].notna()].copy()
    data["respondent_id"] = data["respondent_id"].astype(str)
    pairs = pairs or wave_pairs(sorted(data["wave"].unique()))
    att = attrition.copy()
    att["respondent_id"] = att["respondent_id"].astype(str)
    rows = []
    for scale, part in data.groupby("scale", observed=True, sort=True):
        for a, b in pairs:
            first = part.loc[part["wave"] == a].drop_duplicates("respondent_id")
            second = part.loc[part["wave"] == b].drop_duplicates("respondent_id")
            w = att.loc[
                (att["wave_from"] == a) & (att["wave_to"] == b), ["respondent_id", "weight"]
            ].rename(columns={"weight": "w_att"})
            both = (
                first[["respondent_id", *by, "cluster", "score"]]
                .merge(
                    second[["respondent_id", "score"]], on="respondent_id", suffixes=("_a", "_b")
                )
                .merge(w, on="respondent_id")
            )
            if both.empty:
                continue
            cl = pd.factorize(both["cluster"])[0]
            C = int(cl.max()) + 1
            for key, dom in both.groupby(list(by), observed=True, sort=True):
                key = key if isinstance(key, tuple) else (key,)
                row = dict(
                    scale=scale,
                    **dict(zip(by, key, strict=True)),
                    wave_from=a,
                    wave_to=b,
                    method="weighted_panel",
                    n_from=len(dom),
                    n_to=len(dom),
                )
                wt = dom["w_att"].to_numpy(float)
                ya, yb = dom["score_a"].to_numpy(float), dom["score_b"].to_numpy(float)
                d = yb - ya
                row.update(mean_from=float(wt @ ya / wt.sum()), mean_to=float(wt @ yb / wt.sum()))
                if len(dom) < 2 or C < 2:
                    rows.append(dict(row, note="fewer than 2 persons answered both waves"))
                    continue
                diff = float(wt @ d / wt.sum())
                u = np.bincount(
                    cl[both.index.get_indexer(dom.index)],
                    weights=wt * (d - diff) / wt.sum(),
                    minlength=C,
                )
                se = float(np.sqrt(C / (C - 1) * (u**2).sum()))
                sd = float(np.sqrt(wt @ (d - diff) ** 2 / wt.sum()))
                rows.append(
                    _normal_row(
                        row,
                        diff,
                        se,
                        sd,
                        z,
                        "d_weighted_change_sd",
                        f"attrition weights; linearised SE, {C} {cluster_label} clusters",
                    )
                )
    cols = ["scale", *by] + CHANGE_COLUMNS[2:]
    return pd.DataFrame(rows).reindex(columns=list(dict.fromkeys(cols)))
