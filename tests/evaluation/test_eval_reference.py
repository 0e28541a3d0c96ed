"""Reference values published by R, lme4, JASP and psych, reproduced through our code paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from evalhelpers import scale

from evaluation import (
    fit_mixed,
    fit_random_intercept,
    paired_change,
    panel_anova,
    scale_reliability,
    validate_answers,
    welch_change,
)

DATA = Path(__file__).parent / "data"


def test_pingouin_is_the_pinned_version_with_the_column_names_we_read():
    # 0.7 renamed p-unc → p_unc and p-val → p_val; our code reads the new names.
    assert pg.__version__ == "0.7.0"
    assert {"T", "dof", "p_val", "CI95"} <= set(pg.ttest([1, 2, 3, 4], [2, 3, 5, 7]).columns)
    aov = pg.mixed_anova(
        data=pg.read_dataset("mixed_anova"),
        dv="Scores",
        within="Time",
        subject="Subject",
        between="Group",
    )
    assert {"Source", "SS", "DF1", "DF2", "F", "p_unc", "np2"} <= set(aov.columns)


def test_mixed_anova_group_by_time_matches_jasp():
    # pingouin tests/test_parametric.py::test_mixed_anova, "Compare with JASP and ezANOVA".
    df = pg.read_dataset("mixed_anova")
    scores = pd.DataFrame(
        {
            "scale": "x",
            "respondent_id": df["Subject"],
            "wave": df["Time"].map({"August": 1, "January": 2, "June": 3}),
            "role": df["Group"],
            "score": df["Scores"],
        }
    )
    aov = panel_anova(scores, waves=[(1, 2, 3)])
    assert aov["F"].round(4).tolist() == [5.0517, 4.0274, 2.7280]
    assert aov["SS"].round(3).tolist() == [5.460, 7.628, 5.167]
    assert aov["ddof1"].tolist() == [1, 2, 2]
    assert aov["ddof2"].tolist() == [58, 116, 116]
    assert aov["np2"].round(3).tolist() == [0.080, 0.065, 0.045]
    assert aov["n_subjects"].iloc[0] == 60


def _long_to_answers(df: pd.DataFrame, subject: str, item: str, value: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "respondent_id": df[subject].astype(str),
            "wave": 2021,
            "role": "x",
            "fylke": "Oslo",
            "item": df[item].astype(str),
            "value": df[value],
        }
    )
    return validate_answers(out)


def test_cronbach_alpha_matches_r_psych():
    # pingouin's cronbach_alpha docstring: psych::alpha gives 0.5917, 95 % CI [0.195, 0.840].
    df = pg.read_dataset("cronbach_alpha")
    ans = _long_to_answers(df, "Subj", "Items", "Scores")
    items = sorted(ans["item"].astype(str).unique())
    rel, item_table = scale_reliability(ans, [scale("s", items, rng=(0, 10))])
    row = rel.iloc[0]
    assert round(row["alpha"], 4) == 0.5917
    assert (row["ci_low"], row["ci_high"]) == (0.195, 0.840)
    assert len(item_table) == len(items)


def test_cronbach_alpha_with_missing_values_matches_psych_pairwise():
    # psych::alpha(data, use="pairwise") = 0.733, CI [0.435, 0.909] (pingouin docstring).
    wide = pg.read_dataset("cronbach_wide_missing")
    long = wide.reset_index(names="subj").melt(id_vars="subj", var_name="item", value_name="value")
    ans = _long_to_answers(long, "subj", "item", "value")
    items = [str(c) for c in wide.columns]
    rel, _ = scale_reliability(ans, [scale("s", items, rng=(0, 1))])
    assert round(rel["alpha"].iloc[0], 3) == 0.733
    assert (rel["ci_low"].iloc[0], rel["ci_high"].iloc[0]) == (0.435, 0.909)


# R's datasets::sleep (Cushny & Peebles): extra sleep with two drugs, ten patients.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def _sleep_scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scale": "x",
            "role": "r",
            "respondent_id": list(range(10)) * 2,
            "wave": [1] * 10 + [2] * 10,
            "score": SLEEP_1 + SLEEP_2,
        }
    )


def test_welch_matches_r_t_test():
    # R: t.test(extra ~ group, data = sleep): t = -1.8608, df = 17.776, p-value = 0.07939,
    # 95 % CI -3.3654832 0.2054832 (group 1 − group 2; we report wave 2 − wave 1).
    row = welch_change(_sleep_scores()).iloc[0]
    assert round(row["statistic"], 4) == 1.8608
    assert round(row["dof"], 3) == 17.776
    assert round(row["p"], 5) == 0.07939
    assert round(row["ci_low"], 7) == -0.2054832
    assert round(row["ci_high"], 7) == 3.3654832
    assert row["diff"] == pytest.approx(1.58)


def test_paired_matches_r_t_test():
    # R: t.test(extra ~ group, data = sleep, paired = TRUE): t = -4.0621, df = 9,
    # p-value = 0.002833, 95 % CI -2.4598858 -0.7001142.
    row = paired_change(_sleep_scores()).iloc[0]
    assert round(row["statistic"], 4) == 4.0621
    assert row["dof"] == 9
    assert round(row["p"], 6) == 0.002833
    assert round(row["ci_low"], 7) == 0.7001142
    assert round(row["ci_high"], 7) == 2.4598858
    assert row["n_from"] == row["n_to"] == 10


@pytest.fixture(scope="module")
def sleepstudy() -> pd.DataFrame:
    # lme4's sleepstudy (Belenky et al. 2003), 18 subjects × 10 days.
    df = pd.read_csv(DATA / "sleepstudy.csv")
    assert df.shape == (180, 3)
    return df


def test_sleepstudy_random_slope_matches_lme4(sleepstudy):
    # lmer(Reaction ~ Days + (Days | Subject), sleepstudy): REML criterion 1743.6;
    # (Intercept) 251.405 (6.825), Days 10.467 (1.546); variances 612.10, 35.07, residual 654.94.
    fit = fit_mixed(sleepstudy, "Reaction ~ Days", "Subject", re_formula="~Days")
    assert fit.engine == "statsmodels"
    assert round(fit.reml_criterion, 1) == 1743.6
    assert fit.params.round(3).tolist() == [251.405, 10.467]
    assert fit.bse.round(3).tolist() == [6.825, 1.546]
    assert round(fit.cov_re.iloc[0, 0], 1) == 612.1
    assert round(fit.cov_re.iloc[1, 1], 2) == 35.07
    assert round(fit.sigma2, 2) == 654.94


def test_sleepstudy_random_intercept_matches_lme4_through_fast_path(sleepstudy):
    # lmer(Reaction ~ Days + (1 | Subject), sleepstudy): REML criterion 1786.5;
    # (Intercept) 251.4051 (9.7467), Days 10.4673 (0.8042); Subject 1378.2, residual 960.5.
    fit = fit_mixed(sleepstudy, "Reaction ~ Days", "Subject")
    assert fit.engine == "reml_profile"
    assert round(fit.reml_criterion, 1) == 1786.5
    assert fit.params.round(4).tolist() == [251.4051, 10.4673]
    assert fit.bse.round(4).tolist() == [9.7467, 0.8042]
    assert round(fit.tau2, 1) == 1378.2
    assert round(fit.sigma2, 1) == 960.5


def _unbalanced_panel(seed: int, n_groups: int = 250):
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 4, n_groups)
    g = np.repeat(np.arange(n_groups), n)
    wave = np.concatenate([rng.choice(3, k, replace=False) for k in n])
    x = rng.normal(size=len(g))
    y = (
        3
        + 0.2 * (wave == 1)
        - 0.15 * (wave == 2)
        + 0.1 * x
        + rng.normal(0, 0.5 + 0.2 * seed, n_groups)[g]
        + rng.normal(0, 0.8, len(g))
    )
    return pd.DataFrame({"y": y, "wave": wave, "x": x, "g": g})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_reml_agrees_with_statsmodels_mixedlm(seed):
    df = _unbalanced_panel(seed)
    fast = fit_mixed(df, "y ~ C(wave) + x", "g")
    model = smf.mixedlm("y ~ C(wave) + x", df, groups=df["g"])
    ref = model.fit(reml=True, method="bfgs", gtol=1e-10)
    assert fast.engine == "reml_profile"
    np.testing.assert_allclose(
        fast.params.to_numpy(), ref.fe_params.to_numpy(), rtol=1e-6, atol=1e-8
    )
    assert fast.tau2 == pytest.approx(ref.cov_re.iloc[0, 0], rel=1e-6)
    assert fast.sigma2 == pytest.approx(ref.scale, rel=1e-6)
    assert fast.reml_criterion == pytest.approx(-2 * ref.llf, rel=1e-9)
    # Standard errors: ours (as lme4) are σ²(X'V⁻¹X)⁻¹ at the estimates; check them against the
    # dense formula. statsmodels inverts the full observed information (with the covariance
    # parameters), which differs from it in the third or fourth significant digit.
    X, g = model.exog, df["g"].to_numpy()
    V = fast.sigma2 * np.eye(len(g)) + fast.tau2 * (g[:, None] == g[None, :])
    dense = np.sqrt(np.diag(np.linalg.inv(X.T @ np.linalg.solve(V, X))))
    np.testing.assert_allclose(fast.bse.to_numpy(), dense, rtol=1e-8)
    np.testing.assert_allclose(fast.bse.to_numpy(), ref.bse_fe.to_numpy(), rtol=5e-3)


def test_fast_reml_at_the_boundary_equals_ols():
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(100), 2)
    x = np.column_stack([np.ones(200), rng.normal(size=200)])
    y = x @ [1.0, 0.5] + rng.normal(size=200) - 0.0
    # Negative within-group correlation: the REML optimum is τ² = 0.
    y[1::2] -= 0.8 * (y[0::2] - y[0::2].mean())
    fit = fit_random_intercept(y, x, g, ["a", "b"])
    ols = np.linalg.lstsq(x, y, rcond=None)[0]
    assert fit.tau2 < 1e-8
    np.testing.assert_allclose(fit.params.to_numpy(), ols, rtol=1e-6)


def test_fast_reml_rejects_a_rank_deficient_design():
    x = np.column_stack([np.ones(10), np.ones(10)])
    with pytest.raises(ValueError, match="rank deficient"):
        fit_random_intercept(np.arange(10.0), x, np.repeat(np.arange(5), 2))
