"""Representativeness of the response: the R-indicator and its partial indicators.

Response propensities ``ρ_i`` come from a logistic model of ``responded`` on the main effects
of the frame variables (role, fylke, network), fitted by maximum likelihood (IRLS) on the
cells the variables form, which gives the same fit as on the person rows. Then, with ``N``
invited persons and ``ρ̄`` their mean propensity (the response rate), following Schouten,
Cobben and Bethlehem (2009) and Schouten, Shlomo and Skinner (2011):

- ``R = 1 − 2 S(ρ)``, ``S(ρ)² = Σ (ρ_i − ρ̄)² / (N − 1)``: 1 when every group answers at the
  same rate; ``CV = S(ρ) / ρ̄`` bounds the relative nonresponse bias of a mean.
- Unconditional partial indicator of a variable ``Z``: the between-category SD
  ``P_u(Z) = sqrt(Σ_k (N_k/N)(ρ̄_k − ρ̄)²)``; per category ``P_u(Z, k) = sqrt(N_k/N)(ρ̄_k − ρ̄)``,
  signed: a negative value marks a group that answers less than the rest and pulls
  representativeness down (where reminders help most).
- Conditional partial indicator: the SD of ``ρ`` within the cells ``l`` of all the other
  variables, ``P_c(Z) = sqrt(Σ_l Σ_{i∈l} (ρ_i − ρ̄_l)² / N)``; per category the same sum over
  the category's members only (unsigned). It shows what ``Z`` adds beyond the others.

Confidence intervals: a nonparametric bootstrap over persons (the frame is resampled with
replacement within each wave, the model refitted), reported as estimate ± 1.96 bootstrap SE,
seeded and so deterministic. An analytic variance exists (Shlomo, Skinner and Schouten 2012)
but the bootstrap is simple, covers every indicator alike and, on the cell counts, is fast.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "REPRESENTATIVENESS_COLUMNS",
    "cell_counts",
    "fit_propensities",
    "indicators_from_cells",
    "representativeness",
    "representativeness_from_cells",
]

REPRESENTATIVENESS_COLUMNS = [
    "wave",
    "indicator",
    "variable",
    "category",
    "value",
    "se",
    "ci_low",
    "ci_high",
    "invited",
    "responded",
    "rate",
    "note",
]
DEFAULT_VARIABLES = ("role", "fylke", "network")


def cell_counts(frame: pd.DataFrame, variables: Sequence[str]) -> pd.DataFrame:
    """Invited and responded per combination of ``variables`` (one wave's frame)."""
    g = frame.groupby(list(variables), observed=True, sort=True)["responded"]
    out = g.agg(invited="size", responded="sum").reset_index()
    return out


def _design(cells: pd.DataFrame, variables: Sequence[str]) -> np.ndarray:
    cols = [np.ones(len(cells))]
    for v in variables:
        codes, uniques = pd.factorize(cells[v], sort=True)
        for j in range(1, len(uniques)):
            cols.append((codes == j).astype(float))
    X = np.column_stack(cols)
    # Keep linearly independent columns only (a network lies within one fylke, so the fylke
    # dummies are sums of network dummies): the fitted propensities are the same, and the
    # full-rank normal equations are solved much faster than a least-squares problem.
    from scipy.linalg import qr

    _, R, piv = qr(X, mode="economic", pivoting=True)
    diag = np.abs(np.diag(R))
    rank = int((diag > diag.max() * 1e-10).sum()) if len(diag) else 0
    return X[:, np.sort(piv[:rank])]


def fit_propensities(
    cells: pd.DataFrame,
    variables: Sequence[str],
    invited: np.ndarray | None = None,
    responded: np.ndarray | None = None,
) -> np.ndarray:
    """Response propensity per cell from a main-effects logistic model (IRLS).

    The cells are binomial: ``invited`` trials and ``responded`` successes. In a rank-deficient
    design (network nested in fylke) the redundant columns are dropped, which leaves the
    fitted propensities unchanged. Groups where everyone or no one answered get fitted values
    that approach 1 or 0 (the iteration stops at 50 steps).
    """
    X = _design(cells, variables)
    n = cells["invited"].to_numpy(float) if invited is None else np.asarray(invited, float)
    r = cells["responded"].to_numpy(float) if responded is None else np.asarray(responded, float)
    return _irls(X, n, r)


def _irls(X: np.ndarray, n: np.ndarray, r: np.ndarray) -> np.ndarray:
    live = n > 0
    X, nn, rr = X[live], n[live], r[live]
    total = nn.sum()
    mu_all = np.full(len(n), rr.sum() / total if total else np.nan)
    if total == 0 or rr.sum() in (0, total):
        return mu_all
    eta = np.full(len(nn), np.log(rr.sum() / (total - rr.sum())))
    dev_old = np.inf
    for _ in range(50):
        mu = 1 / (1 + np.exp(-eta))
        w = nn * mu * (1 - mu)
        z = eta + (rr - nn * mu) / np.maximum(w, 1e-300)
        XtW = X.T * w
        try:
            beta = np.linalg.solve(XtW @ X, XtW @ z)
        except np.linalg.LinAlgError:  # an empty category in a bootstrap draw
            sw = np.sqrt(w)
            beta = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)[0]
        eta = np.clip(X @ beta, -30, 30)
        mu = 1 / (1 + np.exp(-eta))
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = -2 * np.sum(rr * np.log(mu) + (nn - rr) * np.log1p(-mu))
        if abs(dev - dev_old) < 1e-10 * (1 + abs(dev)):
            break
        dev_old = dev
    out = mu_all.copy()
    out[live] = 1 / (1 + np.exp(-eta))
    return out


class _Indicators:
    """The indicators as a function of the cell counts; the design, the category codes and the
    output keys are built once, so each bootstrap replicate costs one IRLS fit and a few
    bincounts. :meth:`values` returns them as one vector in the order of :attr:`keys`."""

    def __init__(self, cells: pd.DataFrame, variables: Sequence[str]) -> None:
        self.variables = list(variables)
        self.X = _design(cells, variables)
        self.codes, self.sizes, self.others = {}, {}, {}
        self.keys: list[tuple[Any, ...]] = [("R", "", ""), ("CV", "", ""), ("rate", "", "")]
        for v in variables:
            codes, uniques = pd.factorize(cells[v], sort=True)
            self.codes[v], self.sizes[v] = codes, len(uniques)
            rest = [o for o in variables if o != v]
            if len(rest) > 1:
                self.others[v] = pd.MultiIndex.from_frame(cells[rest]).factorize()[0]
            elif rest:
                self.others[v] = pd.factorize(cells[rest[0]])[0]
            names = [str(u) for u in uniques]
            self.keys += [("P_u", v, ""), ("P_c", v, "")]
            self.keys += [("P_u", v, c) for c in names] + [("P_c", v, c) for c in names]

    def values(self, n: np.ndarray, r: np.ndarray) -> np.ndarray:
        """The indicators for cell counts ``n`` (invited) and ``r`` (responded)."""
        n, r = np.asarray(n, float), np.asarray(r, float)
        rho = np.where(n > 0, _irls(self.X, n, r), 0.0)
        N = n.sum()
        mean = float(n @ rho / N)
        s = float(np.sqrt(n @ (rho - mean) ** 2 / (N - 1))) if N > 1 else np.nan
        out = [np.array([1 - 2 * s, s / mean if mean else np.nan, r.sum() / N])]
        with np.errstate(invalid="ignore", divide="ignore"):
            for v in self.variables:
                codes, K = self.codes[v], self.sizes[v]
                nk = np.bincount(codes, weights=n, minlength=K)
                mk = np.bincount(codes, weights=n * rho, minlength=K) / nk
                pu_k = np.sqrt(nk / N) * (mk - mean)
                pu = np.sqrt(np.nansum(pu_k**2))
                if v in self.others:
                    oc = self.others[v]
                    om = np.bincount(oc, weights=n * rho) / np.bincount(oc, weights=n)
                    within = n * (rho - np.nan_to_num(om[oc])) ** 2
                    pc_k = np.sqrt(np.bincount(codes, weights=within, minlength=K) / N)
                    pc = np.sqrt(within.sum() / N)
                else:
                    pc_k, pc = np.abs(pu_k), pu
                out += [np.array([pu, pc]), pu_k, pc_k]
        return np.concatenate(out)

    def __call__(self, n: np.ndarray, r: np.ndarray) -> dict[tuple[Any, ...], float]:
        return dict(zip(self.keys, self.values(n, r).tolist(), strict=True))


def indicators_from_cells(
    cells: pd.DataFrame,
    variables: Sequence[str],
    invited: np.ndarray | None = None,
    responded: np.ndarray | None = None,
) -> dict[tuple[Any, ...], float]:
    """R, CV, rate and the partial indicators from cell counts, keyed by (indicator, variable,
    category); variable and category are ``""`` for the overall ones."""
    n = cells["invited"].to_numpy(float) if invited is None else invited
    r = cells["responded"].to_numpy(float) if responded is None else responded
    return _Indicators(cells, variables)(n, r)


def representativeness_from_cells(
    cells: pd.DataFrame,
    variables: Sequence[str] | None = None,
    n_boot: int = 200,
    seed: int = 2009,
    ci: float = 0.95,
) -> pd.DataFrame:
    """The indicators of one wave from cell counts (``invited``, ``responded`` per combination
    of the variables), with bootstrap intervals; :data:`REPRESENTATIVENESS_COLUMNS` but
    ``wave``. Variables with a single category are left out of the model."""
    from scipy import stats

    if variables is None:
        variables = [v for v in DEFAULT_VARIABLES if v in cells.columns]
    variables = [v for v in variables if cells.loc[cells["invited"] > 0, v].nunique() > 1] or list(
        variables
    )[:1]
    cells = (
        cells.groupby(variables, observed=True, sort=True)[["invited", "responded"]]
        .sum()
        .reset_index()
    )
    z = stats.norm.isf((1 - ci) / 2)
    rng = np.random.default_rng(seed)
    indicators = _Indicators(cells, variables)
    n = cells["invited"].to_numpy(int)
    r = cells["responded"].to_numpy(int)
    est = indicators(n, r)
    boot = []
    if n_boot > 0 and n.sum() > 0:
        # Persons are resampled with replacement: a multinomial draw over (cell, answered).
        p = np.concatenate([r, n - r]) / n.sum()
        for draw in rng.multinomial(int(n.sum()), p, size=n_boot):
            rb, nrb = draw[: len(n)], draw[len(n) :]
            boot.append(indicators.values(rb + nrb, rb))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a category empty in every replicate
        se = (
            np.nanstd(np.asarray(boot), axis=0, ddof=1)
            if len(boot) > 1
            else np.full(len(est), np.nan)
        )
    counts = {}
    for v in variables:
        g = cells.groupby(v, observed=True)[["invited", "responded"]].sum()
        counts.update({(v, str(k)): (int(a), int(b)) for k, (a, b) in g.iterrows()})
    total = (int(n.sum()), int(r.sum()))
    rows = []
    for key, s in zip(est, se, strict=True):
        ind, var, cat = key
        value = est[key]
        inv, resp = counts.get((var, cat), total)
        rows.append(
            dict(
                indicator=ind,
                variable=var,
                category=cat,
                value=value,
                se=s,
                ci_low=value - z * s,
                ci_high=value + z * s,
                invited=inv,
                responded=resp,
                rate=resp / inv if inv else np.nan,
                note=f"bootstrap {n_boot}" if n_boot else "",
            )
        )
    return pd.DataFrame(rows, columns=REPRESENTATIVENESS_COLUMNS[1:])


def representativeness(
    frame: pd.DataFrame,
    variables: Sequence[str] | None = None,
    n_boot: int = 200,
    seed: int = 2009,
    ci: float = 0.95,
) -> pd.DataFrame:
    """The R-indicator, CV and partial indicators per wave, with bootstrap intervals.

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame (:func:`evaluation.frame.validate_frame`): one row per invited person
        and wave with ``responded``.
    variables : sequence of str, optional
        The propensity model's variables; by default role, fylke and network (those present).
    n_boot : int
        Bootstrap replicates (0 for no intervals).
    seed : int
        Seed of the bootstrap, so a rerun gives the same intervals.
    ci : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        :data:`REPRESENTATIVENESS_COLUMNS`: per wave the rows ``R``, ``CV`` and ``rate``, then
        ``P_u`` and ``P_c`` per variable (``category`` empty) and per category, with the
        category's ``invited``, ``responded`` and ``rate``.

    Examples
    --------
    >>> from evaluation.representativeness import representativeness
    >>> table = representativeness(frame)  # doctest: +SKIP
    >>> table.query("indicator == 'R'")[["wave", "value", "ci_low", "ci_high"]]  # doctest: +SKIP
    """
    if variables is None:
        variables = [v for v in DEFAULT_VARIABLES if v in frame.columns]
    parts = []
    for wave, part in frame.groupby("wave", sort=True):
        table = representativeness_from_cells(
            cell_counts(part, variables), variables, n_boot=n_boot, seed=seed + int(wave), ci=ci
        )
        table.insert(0, "wave", int(wave))
        parts.append(table)
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=REPRESENTATIVENESS_COLUMNS)
    )
