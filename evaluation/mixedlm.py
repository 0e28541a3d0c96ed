"""Linear mixed models: a fast random-intercept REML fit and the general statsmodels path.

The random-intercept model ``y = Xβ + u_g + e`` (``u_g ~ N(0, τ²)``, ``e ~ N(0, σ²)``) has a
covariance per group of ``σ²(I + λ11')`` with ``λ = τ²/σ²``, whose inverse is
``(I − w 11')/σ²`` with ``w = λ/(1 + nλ)``. So ``X'V⁻¹X``, ``X'V⁻¹y`` and ``y'V⁻¹y`` need only
the global cross-products and, per group, its size, the column sums of ``X`` and the sum of
``y``. With ``σ²`` profiled out the REML criterion is a function of ``λ`` alone and is
minimised in one dimension. Cost per evaluation: O(groups × p²), independent of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = ["MixedFit", "fit_random_intercept", "fit_nested_intercepts", "fit_mixed"]


@dataclass
class MixedFit:
    """Result of a linear mixed model fit by REML."""

    params: pd.Series  # fixed effects
    cov_params: pd.DataFrame  # covariance of the fixed effects
    sigma2: float  # residual variance
    cov_re: pd.DataFrame  # random-effects covariance
    reml_criterion: float  # −2 × restricted log-likelihood (as lme4 reports it)
    n_obs: int
    n_groups: int
    engine: str
    converged: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def bse(self) -> pd.Series:
        """Standard errors of the fixed effects."""
        return pd.Series(np.sqrt(np.diag(self.cov_params.to_numpy())), index=self.params.index)

    @property
    def tau2(self) -> float:
        """Random-intercept variance of the person (the subject)."""
        if "person" in self.cov_re.index:
            return float(self.cov_re.loc["person", "person"])
        return float(self.cov_re.iloc[0, 0])

    def contrast(self, c: np.ndarray) -> tuple[float, float]:
        """Estimate and standard error of the linear combination ``c'β``."""
        c = np.asarray(c, dtype=float)
        return float(c @ self.params.to_numpy()), float(np.sqrt(c @ self.cov_params.to_numpy() @ c))

    def summary_frame(self, ci: float = 0.95) -> pd.DataFrame:
        """Fixed effects with SE, z, two-sided p and Wald CI."""
        z = stats.norm.isf((1 - ci) / 2)
        se = self.bse
        zval = self.params / se
        return pd.DataFrame(
            {
                "term": self.params.index,
                "coef": self.params.to_numpy(),
                "se": se.to_numpy(),
                "z": zval.to_numpy(),
                "p": 2 * stats.norm.sf(np.abs(zval.to_numpy())),
                "ci_low": (self.params - z * se).to_numpy(),
                "ci_high": (self.params + z * se).to_numpy(),
            }
        )


def _size_class_stats(
    y: np.ndarray, X: np.ndarray, g: np.ndarray, n_groups: int
) -> tuple[np.ndarray, ...]:
    """Per-group sufficient statistics, summed over groups of the same size.

    ``w = λ/(1 + nλ)`` depends on a group only through its size ``n``, so the sums over groups
    of ``w s s'``, ``w s t`` and ``w t²`` only need these sums per distinct size (a handful in
    a panel of a few waves): each REML evaluation then costs O(sizes × p²).
    """
    p = X.shape[1]
    n_i = np.bincount(g, minlength=n_groups)
    S = np.column_stack([np.bincount(g, weights=X[:, j], minlength=n_groups) for j in range(p)])
    t = np.bincount(g, weights=y, minlength=n_groups)
    sizes, k = np.unique(n_i, return_inverse=True)
    K = len(sizes)
    count = np.bincount(k, minlength=K).astype(float)
    outer = np.stack(
        [
            np.bincount(k, weights=S[:, a] * S[:, b], minlength=K)
            for a in range(p)
            for b in range(p)
        ],
        axis=1,
    ).reshape(K, p, p)
    st = np.column_stack([np.bincount(k, weights=S[:, a] * t, minlength=K) for a in range(p)])
    tt = np.bincount(k, weights=t * t, minlength=K)
    return sizes.astype(float), count, outer, st, tt


def fit_random_intercept(
    y: Any,
    X: Any,
    groups: Any,
    names: list[str] | None = None,
) -> MixedFit:
    """Fit ``y ~ X + (1 | groups)`` by REML using group sufficient statistics.

    Parameters
    ----------
    y : array_like, shape (n,)
        Outcome.
    X : array_like, shape (n, p)
        Fixed-effects design matrix of full column rank (include the intercept column).
    groups : array_like, shape (n,)
        Group (subject) labels.
    names : list of str, optional
        Names of the columns of ``X``.

    Returns
    -------
    MixedFit
        Agrees with ``statsmodels`` ``MixedLM(...).fit(reml=True)`` and lme4's ``lmer`` to
        optimiser precision; ``engine="reml_profile"``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> g = np.repeat(np.arange(50), 3)
    >>> X = np.column_stack([np.ones(150), np.tile([0, 1, 2], 50)])
    >>> y = 1 + 0.5 * X[:, 1] + rng.normal(size=50)[g] + rng.normal(size=150)
    >>> round(float(fit_random_intercept(y, X, g).params.iloc[1]), 2)
    0.69
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    ok = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    y, X = y[ok], X[ok]
    g_labels, g = np.unique(np.asarray(groups)[ok], return_inverse=True)
    N, p = X.shape
    G = len(g_labels)
    names = names or [f"x{j}" for j in range(p)]
    if N <= p:
        raise ValueError(f"mixed model: {N} observation(s) for {p} fixed effect(s)")
    if np.linalg.matrix_rank(X) < p:
        raise ValueError(
            "mixed model: the fixed-effects design is rank deficient "
            "(a wave or group with no observations?)"
        )
    XtX, Xty, yty = X.T @ X, X.T @ y, y @ y
    sizes, count, outer, st, tt = _size_class_stats(y, X, g, G)

    def solve(lam: float) -> tuple[np.ndarray, np.ndarray, float]:
        w = lam / (1.0 + sizes * lam)
        A = XtX - np.tensordot(w, outer, axes=1)
        b = Xty - w @ st
        beta = np.linalg.solve(A, b)
        rss = yty - w @ tt - b @ beta
        return A, beta, rss

    def criterion(lam: float) -> float:
        A, _, rss = solve(lam)
        if rss <= 0:
            return 1e300  # an exact fit at this λ: worse than any real one, and finite
        _, logdet = np.linalg.slogdet(A)
        return (
            (N - p) * (1 + np.log(2 * np.pi * rss / (N - p)))
            + count @ np.log1p(sizes * lam)
            + logdet
        )

    # One-dimensional search on log λ, then compare with the boundary λ = 0.
    res = optimize.minimize_scalar(
        lambda s: criterion(np.exp(s)),
        bounds=(-30.0, 15.0),
        method="bounded",
        options={"xatol": 1e-10, "maxiter": 500},
    )
    lam = float(np.exp(res.x))
    crit = float(res.fun)
    if criterion(0.0) <= crit:
        lam, crit = 0.0, criterion(0.0)
    A, beta, rss = solve(lam)
    if not rss > 0 or crit >= 1e300:
        raise ValueError("mixed model: the answers are fitted exactly (too few per wave)")
    sigma2 = rss / (N - p)
    cov = sigma2 * np.linalg.inv(A)
    return MixedFit(
        params=pd.Series(beta, index=names),
        cov_params=pd.DataFrame(cov, index=names, columns=names),
        sigma2=float(sigma2),
        cov_re=pd.DataFrame([[lam * sigma2]], index=["Group"], columns=["Group"]),
        reml_criterion=crit,
        n_obs=int(N),
        n_groups=int(G),
        engine="reml_profile",
        converged=bool(res.success),
    )


def fit_nested_intercepts(
    y: Any, X: Any, persons: Any, clusters: Any, names: list[str] | None = None
) -> MixedFit:
    """Fit ``y ~ X + (1 | cluster) + (1 | person)`` by REML, persons nested in clusters.

    The kommune (or school) gets a random intercept of its own besides the person's, so
    answers from one kommune may share a context. With ``λ_p = τ_p²/σ²`` and ``λ_k = τ_k²/σ²``,
    a person's block of ``V/σ²`` is ``I + λ_p 11'`` (inverse ``I − w 11'``,
    ``w = λ_p/(1 + nλ_p)``) and a kommune adds ``λ_k 11'`` over its persons, folded in by
    Sherman–Morrison: with ``a_j = 1/(1 + n_j λ_p)``, ``c_k = Σ_j n_j a_j``,
    ``u_k = Σ_j a_j s_j`` (``s_j`` the person's column sums of ``X``),
    ``X'V⁻¹X·σ² = X'X − Σ_j w_j s_j s_j' − Σ_k λ_k u_k u_k'/(1 + λ_k c_k)`` and
    ``log|V/σ²| = Σ_j log(1 + n_j λ_p) + Σ_k log(1 + λ_k c_k)``. σ² is profiled out and the
    REML criterion minimised over ``(log λ_p, log λ_k)``, each variance allowed to be 0.
    Sums are kept per size class (persons with the same number of answers) and per cluster ×
    size class, so an evaluation costs O(clusters × sizes × p + p³), not O(persons).

    A person found in two clusters (moved between waves) counts as a separate person in each.

    Returns
    -------
    MixedFit
        ``cov_re`` is diagonal with rows ``cluster`` and ``person``; ``tau2`` is the person
        variance; ``extra["tau2_cluster"]`` and ``extra["n_clusters"]``. Agrees with lme4's
        ``lmer(y ~ X + (1 | cluster) + (1 | person))`` (tests/evaluation/test_eval_clustered.py).
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    persons = np.asarray(persons)
    clusters = np.asarray(clusters)
    ok = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    y, X, persons, clusters = y[ok], X[ok], persons[ok], clusters[ok]
    k_codes, kc = np.unique(clusters, return_inverse=True)
    # the person unit is (cluster, person), so persons are nested in clusters by construction
    unit = pd.MultiIndex.from_arrays([kc, pd.factorize(persons)[0]]).factorize()[0]
    N, p = X.shape
    J, K = int(unit.max()) + 1, len(k_codes)
    names = names or [f"x{j}" for j in range(p)]
    if N <= p:
        raise ValueError(f"mixed model: {N} observation(s) for {p} fixed effect(s)")
    if np.linalg.matrix_rank(X) < p:
        raise ValueError(
            "mixed model: the fixed-effects design is rank deficient "
            "(a wave or group with no observations?)"
        )
    n_j = np.bincount(unit, minlength=J).astype(float)
    S = np.column_stack([np.bincount(unit, weights=X[:, a], minlength=J) for a in range(p)])
    t = np.bincount(unit, weights=y, minlength=J)
    k_of = np.zeros(J, dtype=int)
    k_of[unit] = kc
    XtX, Xty, yty = X.T @ X, X.T @ y, y @ y
    # a_j and w_j depend on a person only through n_j: sum everything per size class (and per
    # cluster × size class), so an evaluation costs O(clusters × sizes × p), not O(persons).
    sizes, size_of = np.unique(n_j, return_inverse=True)
    n_s = len(sizes)
    outer = np.stack(
        [
            np.bincount(size_of, weights=S[:, i] * S[:, j], minlength=n_s)
            for i in range(p)
            for j in range(p)
        ],
        axis=1,
    ).reshape(n_s, p, p)
    st = np.column_stack(
        [np.bincount(size_of, weights=S[:, i] * t, minlength=n_s) for i in range(p)]
    )
    tt = np.bincount(size_of, weights=t * t, minlength=n_s)
    ks = k_of * n_s + size_of
    count_ks = np.bincount(ks, minlength=K * n_s).reshape(K, n_s).astype(float)
    persons_s = np.bincount(size_of, minlength=n_s).astype(float)
    S_ks = np.stack(
        [np.bincount(ks, weights=S[:, i], minlength=K * n_s).reshape(K, n_s) for i in range(p)],
        axis=2,
    )  # K × sizes × p
    t_ks = np.bincount(ks, weights=t, minlength=K * n_s).reshape(K, n_s)

    def solve(lp: float, lk: float) -> tuple[np.ndarray, np.ndarray, float, Any]:
        a = 1.0 / (1.0 + sizes * lp)
        w = lp * a
        A = XtX - np.tensordot(w, outer, axes=1)
        b = Xty - w @ st
        r = yty - w @ tt
        c = count_ks @ (sizes * a)
        U = np.tensordot(S_ks, a, axes=([1], [0]))
        v = t_ks @ a
        f = lk / (1.0 + lk * c)
        A = A - (U * f[:, None]).T @ U
        b = b - U.T @ (f * v)
        r = r - f @ (v * v)
        beta = np.linalg.solve(A, b)
        rss = r - b @ beta
        logdet_v = persons_s @ np.log1p(sizes * lp) + np.log1p(lk * c).sum()
        return A, beta, rss, logdet_v

    def criterion(lp: float, lk: float) -> float:
        A, _, rss, logdet_v = solve(lp, lk)
        if rss <= 0:
            return 1e300
        _, logdet = np.linalg.slogdet(A)
        return (N - p) * (1 + np.log(2 * np.pi * rss / (N - p))) + logdet_v + logdet

    # Start from the person-only fit's λ_p, search in log space (Nelder–Mead), and compare
    # with each boundary (one variance 0, a one-dimensional search for the other).
    one = fit_random_intercept(y, X, unit)
    lp0 = one.tau2 / max(one.sigma2, 1e-12)
    start = np.log([max(lp0, 1e-3), max(0.1 * lp0, 1e-3)])
    res = optimize.minimize(
        lambda z: criterion(np.exp(z[0]), np.exp(z[1])),
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-11, "maxiter": 2000},
    )
    best: tuple[float, float, float] = (
        float(np.exp(res.x[0])),
        float(np.exp(res.x[1])),
        float(res.fun),
    )
    for fixed in ("person", "cluster"):  # a variance at its boundary 0
        if fixed == "person":
            r1 = optimize.minimize_scalar(
                lambda z: criterion(0.0, np.exp(z)),
                bounds=(-30, 15),
                method="bounded",
                options={"xatol": 1e-10},
            )
            cand = (0.0, float(np.exp(r1.x)), float(r1.fun))
        else:
            r1 = optimize.minimize_scalar(
                lambda z: criterion(np.exp(z), 0.0),
                bounds=(-30, 15),
                method="bounded",
                options={"xatol": 1e-10},
            )
            cand = (float(np.exp(r1.x)), 0.0, float(r1.fun))
        if cand[2] < best[2]:
            best = cand
    lp, lk, crit = best
    A, beta, rss, _ = solve(lp, lk)
    if not rss > 0 or crit >= 1e300:
        raise ValueError("mixed model: the answers are fitted exactly (too few per wave)")
    sigma2 = rss / (N - p)
    cov = sigma2 * np.linalg.inv(A)
    return MixedFit(
        params=pd.Series(beta, index=names),
        cov_params=pd.DataFrame(cov, index=names, columns=names),
        sigma2=float(sigma2),
        cov_re=pd.DataFrame(
            [[lk * sigma2, 0.0], [0.0, lp * sigma2]],
            index=["cluster", "person"],
            columns=["cluster", "person"],
        ),
        reml_criterion=float(crit),
        n_obs=int(N),
        n_groups=int(J),
        engine="reml_nested",
        extra={"tau2_cluster": float(lk * sigma2), "n_clusters": int(K)},
    )


def fit_mixed(
    data: pd.DataFrame,
    formula: str,
    groups: str,
    re_formula: str | None = None,
    engine: str = "auto",
) -> MixedFit:
    """Fit a linear mixed model by REML from a formula.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table.
    formula : str
        Fixed effects, e.g. ``"Reaction ~ Days"``.
    groups : str
        Column with the grouping factor (the subject).
    re_formula : str, optional
        Random effects beyond the intercept, e.g. ``"~Days"`` for a random slope
        (lme4's ``(Days | Subject)``); these always use statsmodels.
    engine : {"auto", "fast", "statsmodels"}
        ``auto`` uses the fast REML profile for random-intercept models and statsmodels
        ``MixedLM`` otherwise.

    Returns
    -------
    MixedFit

    Examples
    --------
    >>> fit = fit_mixed(sleep, "Reaction ~ Days", "Subject", re_formula="~Days")  # doctest: +SKIP
    >>> round(fit.reml_criterion, 1)  # doctest: +SKIP
    1743.6
    """
    import statsmodels.formula.api as smf

    if engine not in ("auto", "fast", "statsmodels"):
        raise ValueError(f"engine must be auto, fast or statsmodels, not {engine!r}")
    if engine == "fast" and re_formula is not None:
        raise ValueError("the fast engine fits random intercepts only; use engine='statsmodels'")
    model = smf.mixedlm(formula, data, groups=data[groups], re_formula=re_formula)
    names = list(model.exog_names)
    if re_formula is None and engine != "statsmodels":
        return fit_random_intercept(
            model.endog, model.exog, data[groups].to_numpy()[_row_mask(model, data)], names
        )
    result = model.fit(reml=True)
    k_fe = model.k_fe
    cov = result.cov_params().iloc[:k_fe, :k_fe]
    return MixedFit(
        params=result.fe_params.copy(),
        cov_params=cov,
        sigma2=float(result.scale),
        cov_re=result.cov_re.copy(),
        reml_criterion=float(-2 * result.llf),
        n_obs=int(result.nobs),
        n_groups=len(model.group_labels),
        engine="statsmodels",
        converged=bool(result.converged),
    )


def _row_mask(model: Any, data: pd.DataFrame) -> np.ndarray:
    """Rows of ``data`` kept by the formula (statsmodels drops rows with missing values)."""
    kept = getattr(model.data, "row_labels", None)
    if kept is None:
        return np.ones(len(data), dtype=bool)
    return data.index.isin(kept)
