"""The mixed model with a random intercept for the kommune besides the person's, against lme4.

Constants from ``data/clustered_reference.R`` (lme4 1.1-31, REML, bobyqa with tight
tolerances) on ``data/clustered_scores.csv`` (skoleledere of a seeded synthetic panel with a
kommune effect; 537 scores, 335 persons, 60 kommuner), written by
``data/make_clustered_reference.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.change import lmm_change
from evaluation.mixedlm import fit_nested_intercepts, fit_random_intercept

DATA = Path(__file__).parent / "data"
# lmer(score ~ wave + (1 | kommune) + (1 | respondent_id), REML = TRUE)
LME4_FIXEF = [3.1214564923, 0.2051477462, 0.4678744154]
LME4_SE = [0.0668661126, 0.0514787062, 0.0543480346]
LME4_VAR = {"person": 0.3401476531, "kommune": 0.1163684504, "residual": 0.1606563448}
LME4_REML = 1077.93231715


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(DATA / "clustered_scores.csv")


def _design(d: pd.DataFrame) -> np.ndarray:
    w = d["wave"].to_numpy()
    return np.column_stack([np.ones(len(d)), w == 2023, w == 2025]).astype(float)


def test_two_random_intercepts_match_lme4(data):
    fit = fit_nested_intercepts(
        data["score"],
        _design(data),
        data["respondent_id"],
        data["kommune"],
        ["Intercept", "w2023", "w2025"],
    )
    np.testing.assert_allclose(fit.params, LME4_FIXEF, atol=1e-6)
    np.testing.assert_allclose(fit.bse, LME4_SE, atol=1e-6)
    assert fit.tau2 == pytest.approx(LME4_VAR["person"], abs=1e-6)
    assert fit.extra["tau2_cluster"] == pytest.approx(LME4_VAR["kommune"], abs=1e-6)
    assert fit.sigma2 == pytest.approx(LME4_VAR["residual"], abs=1e-6)
    assert fit.reml_criterion == pytest.approx(LME4_REML, abs=1e-5)
    assert (fit.n_groups, fit.extra["n_clusters"]) == (335, 60)


def test_without_a_kommune_effect_the_nested_fit_is_the_person_fit(data):
    # every person their own kommune: the kommune variance cannot be told apart, and the
    # fixed effects are the one-level model's
    alone = fit_nested_intercepts(
        data["score"], _design(data), data["respondent_id"], data["respondent_id"]
    )
    single = fit_random_intercept(data["score"], _design(data), data["respondent_id"])
    np.testing.assert_allclose(alone.params, single.params, atol=1e-6)
    assert alone.reml_criterion == pytest.approx(single.reml_criterion, abs=1e-6)


def test_lmm_change_uses_the_kommune_when_given_and_widens_the_interval(data):
    scores = data.assign(scale="samarbeid", role="skoleleder")
    plain = lmm_change(scores, pairs=[(2021, 2023), (2021, 2025)])
    nested = lmm_change(scores, pairs=[(2021, 2023), (2021, 2025)], cluster="kommune")
    assert nested["diff"].iloc[0] == pytest.approx(LME4_FIXEF[1], abs=1e-6)
    assert nested["se"].iloc[0] == pytest.approx(LME4_SE[1], abs=1e-6)
    assert "60 kommune clusters" in nested["note"].iloc[0]
    assert "kommune" not in plain["note"].iloc[0]
    assert not np.allclose(plain["se"], nested["se"])  # the kommune intercept is in the model


def test_cluster_is_the_kommune_else_the_school_else_the_person():
    from evaluation.change import _cluster_codes

    cell = pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c", "d"],
            "kommune": ["K1", None, "(ukjent)", None],
            "school": ["S1", "S2", "S3", None],
        }
    )
    codes = _cluster_codes(cell, ("kommune", "school")).tolist()
    assert codes == ["kommune:K1", "school:S2", "school:S3", "person:d"]
    assert _cluster_codes(cell.assign(kommune=None, school=None), ("kommune", "school")) is None
