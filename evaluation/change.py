"""Change across waves: per-wave means, Welch and paired t tests, the mixed ANOVA and the LMM."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pingouin as pg
from scipy import stats

from .mixedlm import fit_nested_intercepts, fit_random_intercept
from .multiplicity import adjust_p

__all__ = [
    "CHANGE_COLUMNS",
    "METHODS",
    "wave_pairs",
    "describe_waves",
    "welch_change",
    "paired_change",
    "lmm_change",
    "panel_anova",
    "change_table",
    "adjust_p",
]

#: What each method is, in one line (also written into the report).
METHODS = {
    "lmm": "linear mixed model, random intercept per respondent (and per kommune or school "
    "when the data give one) (REML), all answers; Wald z",
    "welch": "cross-section: everyone who answered each wave; Welch t test; Hedges g",
    "paired": "panel: persons who answered both waves; paired t test; Hedges g (paired)",
    "weighted": "weighted means (nonresponse weights raked to the frame); linearised SE with "
    "the same persons in both waves and clusters (kommune where given); Wald z",
    "weighted_panel": "panel members who answered both waves, weighted for attrition (first "
    "wave's weight over the probability of answering again); mean "
    "within-person change; linearised SE over clusters; Wald z",
}
CHANGE_COLUMNS = [
    "scale",
    "role",
    "wave_from",
    "wave_to",
    "method",
    "n_from",
    "n_to",
    "mean_from",
    "mean_to",
    "diff",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "dof",
    "p",
    "p_adj",
    "correction",
    "effect_size",
    "effect_size_type",
    "note",
]


def wave_pairs(waves: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive wave pairs, plus first→last when there are more than two waves.

    Examples
    --------
    >>> wave_pairs([2023, 2021, 2025])
    [(2021, 2023), (2023, 2025), (2021, 2025)]
    """
    w = sorted(set(int(x) for x in waves))
    pairs = list(zip(w[:-1], w[1:], strict=True))
    if len(w) > 2:
        pairs.append((w[0], w[-1]))
    return pairs


def _defcols(scores: pd.DataFrame) -> list[str]:
    """``["definition"]`` when scores come from several instrument versions, else ``[]``."""
    return ["definition"] if "definition" in scores.columns else []


def _cells(
    scores: pd.DataFrame, by: Sequence[str]
) -> Iterator[tuple[dict[str, Any], pd.DataFrame]]:
    data = scores.loc[scores["score"].notna()]
    keys = ["scale", *_defcols(scores), *by]
    for key, cell in data.groupby(keys, observed=True, sort=True):
        yield dict(zip(keys, key, strict=True)), cell


def _definition_waves(scores: pd.DataFrame) -> dict[tuple[str, str], set[int]]:
    """(scale, definition) -> the waves scored with that definition (any group)."""
    if "definition" not in scores.columns:
        return {}
    data = scores.loc[scores["score"].notna(), ["scale", "definition", "wave"]]
    return {
        (str(s), str(d)): set(int(w) for w in g["wave"])
        for (s, d), g in data.groupby(["scale", "definition"], observed=True)
    }


def _cell_pairs(
    key: dict[str, Any], pairs: Sequence[tuple[int, int]], spans: dict[tuple[str, str], set[int]]
) -> list[tuple[int, int]]:
    """The wave pairs a cell is compared on: only waves scored with the cell's definition."""
    if "definition" not in key:
        return list(pairs)
    waves = spans.get((str(key["scale"]), str(key["definition"])), set())
    return [(a, b) for a, b in pairs if a in waves and b in waves]


def describe_waves(
    scores: pd.DataFrame, by: Sequence[str] = ("role",), ci: float = 0.95
) -> pd.DataFrame:
    """Mean, SD, n and t-based confidence interval per scale × group × wave.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`evaluation.score_scales`.
    by : sequence of str
        Grouping columns besides ``scale`` and ``wave``.
    ci : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        ``scale, *by, wave, n, mean, sd, se, ci_low, ci_high``.
    """
    data = scores.loc[scores["score"].notna()]
    g = data.groupby(["scale", *_defcols(scores), *by, "wave"], observed=True, sort=True)["score"]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    out["se"] = out["sd"] / np.sqrt(out["n"])
    q = stats.t.isf((1 - ci) / 2, np.maximum(out["n"] - 1, 1))
    out["ci_low"] = out["mean"] - q * out["se"]
    out["ci_high"] = out["mean"] + q * out["se"]
    return out


def _row(key: dict[str, Any], a: int, b: int, method: str, **kw: Any) -> dict[str, Any]:
    row = dict(key, wave_from=a, wave_to=b, method=method)
    row.update(kw)
    return row


def welch_change(
    scores: pd.DataFrame,
    by: Sequence[str] = ("role",),
    pairs: Sequence[tuple[int, int]] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Cross-sectional comparison of everyone who answered each wave (Welch t, Hedges g).

    Returns one row per scale × group × wave pair with ``method="welch"``; ``diff`` is
    ``mean_to − mean_from``; t, Welch–Satterthwaite df and p from
    :func:`scipy.stats.ttest_ind` (``equal_var=False``, as R's ``t.test``), Hedges g from
    :func:`pingouin.compute_effsize`. (``pingouin.ttest`` gives the same t but rounds its CI to
    two decimals and computes a Bayes factor per call, too slow for hundreds of cells.)
    """
    pairs = pairs or wave_pairs(_scored_waves(scores))
    spans = _definition_waves(scores)
    rows = []
    for key, cell in _cells(scores, by):
        by_wave = {w: v["score"].to_numpy() for w, v in cell.groupby("wave")}
        for a, b in _cell_pairs(key, pairs, spans):
            x0, x1 = by_wave.get(a, np.empty(0)), by_wave.get(b, np.empty(0))
            base = dict(n_from=len(x0), n_to=len(x1), mean_from=_mean(x0), mean_to=_mean(x1))
            if len(x0) < 2 or len(x1) < 2:
                rows.append(_row(key, a, b, "welch", **base, note="fewer than 2 answers in a wave"))
                continue
            v0, v1 = x0.var(ddof=1) / len(x0), x1.var(ddof=1) / len(x1)
            se = np.sqrt(v0 + v1)
            diff = x1.mean() - x0.mean()
            if se == 0:
                rows.append(
                    _row(key, a, b, "welch", **base, diff=diff, se=0.0, note="no variation")
                )
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # scipy's precision notes on tiny groups
                res = stats.ttest_ind(x1, x0, equal_var=False)
            q = stats.t.isf((1 - ci) / 2, res.df)
            rows.append(
                _row(
                    key,
                    a,
                    b,
                    "welch",
                    **base,
                    diff=diff,
                    se=se,
                    ci_low=diff - q * se,
                    ci_high=diff + q * se,
                    statistic=res.statistic,
                    dof=float(res.df),
                    p=res.pvalue,
                    effect_size=pg.compute_effsize(x1, x0, eftype="hedges"),
                    effect_size_type="hedges_g",
                )
            )
    return _frame(rows, by)


def paired_change(
    scores: pd.DataFrame,
    by: Sequence[str] = ("role",),
    pairs: Sequence[tuple[int, int]] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Panel comparison of the persons who answered both waves (paired t, Hedges g).

    Returns one row per scale × group × wave pair with ``method="paired"``; ``n_from`` and
    ``n_to`` are both the number of pairs. t and p from :func:`scipy.stats.ttest_rel`.
    """
    pairs = pairs or wave_pairs(_scored_waves(scores))
    spans = _definition_waves(scores)
    rows = []
    for key, cell in _cells(scores, by):
        who = _subject_codes(cell["respondent_id"])
        w = cell["wave"].to_numpy()
        y = cell["score"].to_numpy(dtype=float)
        for a, b in _cell_pairs(key, pairs, spans):
            i0, i1 = _matched_rows(who, w, (a, b))
            x0, x1 = y[i0], y[i1]
            base = dict(n_from=len(x0), n_to=len(x1), mean_from=_mean(x0), mean_to=_mean(x1))
            if len(x0) < 2:
                rows.append(
                    _row(
                        key, a, b, "paired", **base, note="fewer than 2 persons answered both waves"
                    )
                )
                continue
            d = x1 - x0
            se = d.std(ddof=1) / np.sqrt(len(d))
            if se == 0:
                rows.append(
                    _row(key, a, b, "paired", **base, diff=d.mean(), se=0.0, note="no variation")
                )
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = stats.ttest_rel(x1, x0)
            q = stats.t.isf((1 - ci) / 2, len(d) - 1)
            rows.append(
                _row(
                    key,
                    a,
                    b,
                    "paired",
                    **base,
                    diff=d.mean(),
                    se=se,
                    ci_low=d.mean() - q * se,
                    ci_high=d.mean() + q * se,
                    statistic=res.statistic,
                    dof=float(res.df),
                    p=res.pvalue,
                    effect_size=pg.compute_effsize(x1, x0, paired=True, eftype="hedges"),
                    effect_size_type="hedges_g_paired",
                )
            )
    return _frame(rows, by)


def lmm_change(
    scores: pd.DataFrame,
    by: Sequence[str] = ("role",),
    pairs: Sequence[tuple[int, int]] | None = None,
    ci: float = 0.95,
    cluster: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Wave contrasts from a linear mixed model with a random intercept per respondent.

    With ``cluster`` (a column such as ``kommune``, or columns in order of preference such as
    ``("kommune", "school")``), the model gets a random intercept for the cluster as well,
    persons nested in it (:func:`evaluation.mixedlm.fit_nested_intercepts`); a person whose
    cluster is unknown is a cluster of their own.

    One model ``score ~ wave + (1 | respondent_id)`` per scale × group, fitted by REML on
    every answer (panel members, drop-outs and newcomers alike) with
    :func:`evaluation.mixedlm.fit_random_intercept`. Each wave pair gives a Wald contrast;
    ``mean_from`` and ``mean_to`` are the model's estimated wave means (they differ from the
    raw means when the people answering differ between waves); the effect size is the
    difference over the total SD ``sqrt(τ² + σ²)``.
    """
    pairs = pairs or wave_pairs(_scored_waves(scores))
    spans = _definition_waves(scores)
    z = stats.norm.isf((1 - ci) / 2)
    label = cluster if isinstance(cluster, str) else "/".join(cluster or [])
    rows = []
    for key, cell in _cells(scores, by):
        waves = sorted(cell["wave"].unique())
        w = cell["wave"].to_numpy()
        y = cell["score"].to_numpy(dtype=float)
        X = np.column_stack([np.ones(len(w))] + [(w == v).astype(float) for v in waves[1:]])
        counts = {v: int((w == v).sum()) for v in waves}
        means = {v: float(y[w == v].mean()) for v in waves}
        fit = None
        names = ["Intercept"] + [f"wave[{v}]" for v in waves[1:]]
        groups = _cluster_codes(cell, cluster)
        if len(y) > len(waves):
            try:
                if groups is not None:
                    fit = fit_nested_intercepts(
                        y, X, _subject_codes(cell["respondent_id"]), groups, names
                    )
                else:
                    fit = fit_random_intercept(y, X, _subject_codes(cell["respondent_id"]), names)
            except (ValueError, np.linalg.LinAlgError) as err:
                note = f"model not estimable: {err}"
        else:
            note = "too few answers for the model"
        for a, b in _cell_pairs(key, pairs, spans):
            base = dict(
                n_from=counts.get(a, 0),
                n_to=counts.get(b, 0),
                mean_from=means.get(a, np.nan),
                mean_to=means.get(b, np.nan),
            )
            if fit is None or a not in counts or b not in counts:
                rows.append(
                    _row(
                        key,
                        a,
                        b,
                        "lmm",
                        **base,
                        note=note if fit is None else "no answers in a wave",
                    )
                )
                continue
            c = np.zeros(len(waves))
            if a != waves[0]:
                c[waves.index(a)] -= 1
            if b != waves[0]:
                c[waves.index(b)] += 1
            est, se = fit.contrast(c)
            # The model's wave means (so that diff = mean_to − mean_from on every row).
            beta = fit.params.to_numpy()
            base["mean_from"] = beta[0] + (beta[waves.index(a)] if a != waves[0] else 0.0)
            base["mean_to"] = beta[0] + (beta[waves.index(b)] if b != waves[0] else 0.0)
            zval = est / se if se > 0 else np.nan
            sd = np.sqrt(fit.tau2 + fit.sigma2)
            rows.append(
                _row(
                    key,
                    a,
                    b,
                    "lmm",
                    **base,
                    diff=est,
                    se=se,
                    ci_low=est - z * se,
                    ci_high=est + z * se,
                    statistic=zval,
                    p=2 * stats.norm.sf(abs(zval)) if se > 0 else np.nan,
                    effect_size=est / sd if sd > 0 else np.nan,
                    effect_size_type="d_total_sd",
                    note=f"tau2={fit.tau2:.4g}, sigma2={fit.sigma2:.4g}, "
                    f"{fit.n_groups} respondents"
                    + (
                        f", tau2_cluster={fit.extra['tau2_cluster']:.4g}, "
                        f"{fit.extra['n_clusters']} {label} clusters"
                        if "tau2_cluster" in fit.extra
                        else ""
                    ),
                )
            )
    return _frame(rows, by)


def panel_anova(
    scores: pd.DataFrame, waves: Sequence[Sequence[int]] | None = None, between: str = "role"
) -> pd.DataFrame:
    """Mixed ANOVA ``between × wave`` (:func:`pingouin.mixed_anova`) per scale and wave set.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`evaluation.score_scales`.
    waves : sequence of sequences of int, optional
        The wave sets to compare; by default every pair from :func:`wave_pairs`. A set of
        more than two waves (e.g. all of them) is allowed.
    between : str
        The between-subject factor.

    Returns
    -------
    pandas.DataFrame
        ``scale, waves, wave_from, wave_to, source, ddof1, ddof2, F, p, np2, n_subjects,
        method, note``. Only persons with a score in every wave of the set enter (complete
        cases); a person's group is the one of the first wave.
    """
    if waves is None:
        waves = wave_pairs(_scored_waves(scores))
    data = scores.loc[scores["score"].notna()]
    defcols = _defcols(scores)
    rows = []
    for key, cell in data.groupby(["scale", *defcols], observed=True, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        scale = key[0]
        extra = {"definition": key[1]} if defcols else {}
        in_cell = set(int(v) for v in cell["wave"].unique())
        who = _subject_codes(cell["respondent_id"])
        w = cell["wave"].to_numpy()
        y = cell["score"].to_numpy(dtype=float)
        group = pd.factorize(cell[between])[0]
        for ws in waves:
            ws = tuple(ws)
            if defcols and not set(ws) <= in_cell:
                continue  # waves scored with another definition are not compared
            # Complete cases in plain numpy columns, the group as integer codes (pingouin's
            # pivots are slow on text and on categoricals with many unused categories).
            idx = _matched_rows(who, w, ws)
            first = idx[0]
            common = who[first]
            sub = pd.DataFrame(
                {
                    "respondent_id": np.concatenate([who[i] for i in idx]),
                    between: np.tile(group[first], len(ws)),
                    "wave": np.concatenate([w[i] for i in idx]),
                    "score": np.concatenate([y[i] for i in idx]),
                }
            )
            label = dict(
                scale=scale,
                **extra,
                waves=",".join(str(v) for v in ws),
                wave_from=ws[0],
                wave_to=ws[-1],
                n_subjects=len(common),
                method="mixed_anova",
            )
            sizes = sub.groupby(between)["respondent_id"].nunique()
            if len(sizes) < 2 or sizes.min() < 2:
                rows.append(
                    dict(
                        label,
                        source="(none)",
                        note=f"needs persons from at least two {between} groups",
                    )
                )
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                aov = pg.mixed_anova(
                    data=sub, dv="score", within="wave", subject="respondent_id", between=between
                )
            for _, r in aov.iterrows():
                rows.append(
                    dict(
                        label,
                        source=r["Source"],
                        SS=r["SS"],
                        ddof1=r["DF1"],
                        ddof2=r["DF2"],
                        F=r["F"],
                        p=r["p_unc"],
                        np2=r["np2"],
                        eps=r.get("eps", np.nan),
                        note="",
                    )
                )
    cols = [
        "scale",
        *defcols,
        "waves",
        "wave_from",
        "wave_to",
        "source",
        "SS",
        "ddof1",
        "ddof2",
        "F",
        "p",
        "np2",
        "eps",
        "n_subjects",
        "method",
        "note",
    ]
    return pd.DataFrame(rows).reindex(columns=cols)


def change_table(
    scores: pd.DataFrame,
    by: Sequence[str] = ("role",),
    methods: Sequence[str] = ("lmm", "welch", "paired"),
    correction: str = "holm",
    ci: float = 0.95,
    family_steps: str = "consecutive",
    weighted: pd.DataFrame | None = None,
    cluster_label: str = "person",
    cluster: str | Sequence[str] | None = None,
    attrition: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All wave comparisons for every scale × group, with p-values corrected per method.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`evaluation.score_scales`.
    by : sequence of str
        Groups, e.g. ``("role",)`` or ``("role", "fylke")``.
    methods : sequence of {"lmm", "welch", "paired"}
        Which comparisons; ``lmm`` is the headline estimate.
    correction : {"holm", "fdr_bh", "none"}
        Multiplicity correction, applied within each method across scales, groups and pairs.
    ci : float
        Confidence level of the intervals.
    family_steps : {"consecutive", "all"}
        The correction family (:func:`evaluation.multiplicity.adjust_p`): the consecutive
        wave steps, with first→last as a family of its own, or all pairs together.
    weighted : pandas.DataFrame, optional
        Scores with nonresponse weights and clusters
        (:func:`evaluation.weighted_change.attach_weights`); adds ``method = "weighted"`` rows.
    cluster_label : str
        What the clusters of ``weighted`` are (for the note).
    attrition : pandas.DataFrame, optional
        Attrition weights (:func:`evaluation.weights.attrition_weights`); with ``weighted``,
        adds ``method = "weighted_panel"`` rows.
    cluster : str or sequence of str, optional
        Column(s) of ``scores`` (``kommune``, else ``school``): the mixed model gets a random
        intercept for the cluster besides the person's.

    Returns
    -------
    pandas.DataFrame
        :data:`CHANGE_COLUMNS` (plus ``fylke`` when grouped by it), sorted by scale, group,
        wave pair and method.

    Examples
    --------
    >>> from evaluation import change_table
    >>> change = change_table(scores, correction="fdr_bh")  # doctest: +SKIP
    """
    funcs = {"lmm": lmm_change, "welch": welch_change, "paired": paired_change}
    unknown = [m for m in methods if m not in funcs]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; choose from {sorted(funcs)}")
    pairs = wave_pairs(_scored_waves(scores))
    if not pairs:
        raise ValueError(
            f"change needs scores from at least two waves; found {_scored_waves(scores)}"
        )
    parts = [
        lmm_change(scores, by, pairs, ci, cluster=cluster)
        if m == "lmm"
        else funcs[m](scores, by, pairs, ci)
        for m in methods
    ]
    if weighted is not None and len(weighted):
        from .weighted_change import weighted_change

        if "definition" in weighted.columns:  # each definition on its own waves only
            spans = _definition_waves(scores)
            for (scale, d), sub in weighted.groupby(["scale", "definition"], observed=True):
                waves = spans.get((str(scale), str(d)), set())
                ok = [(a, b) for a, b in pairs if a in waves and b in waves]
                if ok:
                    part = weighted_change(sub, by, ok, ci, cluster_label=cluster_label)
                    part.insert(1, "definition", d)
                    parts.append(part)
        else:
            parts.append(weighted_change(weighted, by, pairs, ci, cluster_label=cluster_label))
        methods = [*methods, "weighted"]
        if attrition is not None and len(attrition):
            from .weighted_change import panel_weighted_change

            parts.append(
                panel_weighted_change(
                    weighted, attrition, by, pairs, ci, cluster_label=cluster_label
                )
            )
            methods = [*methods, "weighted_panel"]
    table = adjust_p(
        pd.concat([p for p in parts if len(p)], ignore_index=True), correction, steps=family_steps
    )
    order = {m: i for i, m in enumerate(methods)}
    pair_order = {p: i for i, p in enumerate(pairs)}
    table["_m"] = table["method"].map(order)
    table["_p"] = [
        pair_order[(a, b)] for a, b in zip(table["wave_from"], table["wave_to"], strict=True)
    ]
    defcols = _defcols(scores)
    table = table.sort_values(["scale", *defcols, *by, "_p", "_m"], kind="stable")
    cols = (
        CHANGE_COLUMNS[:1]
        + defcols
        + CHANGE_COLUMNS[1:2]
        + [c for c in by if c != "role"]
        + CHANGE_COLUMNS[2:]
    )
    return table.drop(columns=["_m", "_p"]).reindex(columns=cols).reset_index(drop=True)


def _matched_rows(who: np.ndarray, wave: np.ndarray, waves: Sequence[int]) -> list[np.ndarray]:
    """Row numbers, per wave, of the persons with a row in every one of ``waves``.

    Persons are integer codes; a dense table per wave (no sorting) keeps this linear.
    Rows come in the same person order for every wave (the first row of a person counts).
    """
    size = int(who.max()) + 1 if len(who) else 0
    rows_of = []
    for v in waves:
        at = np.flatnonzero(wave == v)
        table = np.full(size, -1, dtype=np.int64)
        table[who[at][::-1]] = at[::-1]  # first row wins
        rows_of.append(table)
    both = np.ones(size, dtype=bool)
    for table in rows_of:
        both &= table >= 0
    persons = np.flatnonzero(both)
    return [table[persons] for table in rows_of]


def _cluster_codes(cell: pd.DataFrame, cluster: str | Sequence[str] | None) -> np.ndarray | None:
    """Cluster labels for the nested model: the first known of the ``cluster`` columns (e.g.
    kommune, else school), else the person alone; None when fewer than two clusters are known."""
    columns = [cluster] if isinstance(cluster, str) else list(cluster or [])
    columns = [c for c in columns if c in cell.columns]
    if not columns:
        return None
    codes = "person:" + cell["respondent_id"].astype("string")
    any_known = pd.Series(False, index=cell.index)
    for col in reversed(columns):  # the first known column wins
        value = cell[col].astype("string")
        known = value.notna() & (value != "(ukjent)")
        codes = codes.where(~known, col + ":" + value)
        any_known |= known
    if codes[any_known].nunique() < 2:
        return None
    return codes.to_numpy(dtype=object)


def _scored_waves(scores: pd.DataFrame) -> list[int]:
    """The waves with at least one scale score."""
    return sorted(int(w) for w in scores.loc[scores["score"].notna(), "wave"].unique())


def _subject_codes(col: pd.Series) -> np.ndarray:
    """Integer codes for respondent ids (categorical codes when available)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(col)[0].astype(np.int64)


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if len(x) else np.nan


def _frame(rows: list[dict[str, Any]], by: Sequence[str]) -> pd.DataFrame:
    defcols = ["definition"] if any("definition" in r for r in rows) else []
    cols = ["scale", *defcols, *by] + CHANGE_COLUMNS[2:]
    return pd.DataFrame(rows).reindex(columns=list(dict.fromkeys(cols)))
