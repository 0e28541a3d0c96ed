"""A synthetic panel with planted changes: the analysis must recover them."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from evaluation import change_table, clean, scale_reliability, score_scales, validate_answers
from evaluation.synthetic import PanelSpec, default_scales, generate_panel, true_alpha


@pytest.fixture(scope="module")
def panel():
    spec = PanelSpec(n_per_wave=2500, seed=2021)
    answers, truth = generate_panel(spec)
    scales = default_scales()
    cleaned, log = clean(validate_answers(answers), scales)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = score_scales(cleaned, scales)
    change = change_table(scores)
    return dict(
        spec=spec,
        answers=answers,
        truth=truth,
        scales=scales,
        cleaned=cleaned,
        log=log,
        scores=scores,
        change=change,
    )


def _with_truth(panel, method: str) -> pd.DataFrame:
    rows = panel["change"].loc[panel["change"]["method"] == method]
    return rows.merge(panel["truth"]["change"], on=["scale", "role", "wave_from", "wave_to"])


def test_generator_plants_the_design(panel):
    answers, spec = panel["answers"], panel["spec"]
    per_wave = answers.drop_duplicates(["response_id"]).groupby("wave").size()
    assert per_wave.min() >= spec.n_per_wave
    persons = answers.groupby("respondent_id", observed=True)["wave"].nunique()
    assert (persons == 1).any() and (persons == 3).any()  # attrition and refreshment
    assert answers["value"].isna().mean() == pytest.approx(spec.item_nonresponse, abs=0.01)
    assert (answers["missing_code"] == "dont_know").sum() == answers["value"].isna().sum()


def test_every_planted_change_is_recovered_by_the_mixed_model(panel):
    m = _with_truth(panel, "lmm")
    assert len(m) == 7 * 4 * 3
    planted = m.loc[m["true_diff"].abs() > 0.05]
    assert len(planted) == 42  # samarbeid, likeverd, behov × 4 roles + lokal × 2 roles; × 3 pairs
    assert (np.sign(planted["diff"]) == np.sign(planted["true_diff"])).all()
    # Each truth lies inside its 99.9 % interval; the 95 % intervals cover it at their rate.
    z = (planted["diff"] - planted["true_diff"]).abs() / planted["se"]
    assert (z < 3.29).all(), planted.loc[z >= 3.29]
    covered = (planted["ci_low"] <= planted["true_diff"]) & (
        planted["true_diff"] <= planted["ci_high"]
    )
    assert covered.mean() >= 0.9
    assert (planted["p_adj"] < 0.05).all()
    # Scales and roles without a planted change: the 95 % intervals cover zero nearly always.
    null = m.loc[m["true_diff"] == 0]
    assert ((null["ci_low"] <= 0) & (0 <= null["ci_high"])).mean() >= 0.9


def test_headline_findings_of_the_evaluation_note(panel):
    m = _with_truth(panel, "lmm").query("wave_from == 2021 and wave_to == 2023")
    by = m.set_index(["scale", "role"])["diff"]
    assert (by.loc["samarbeid"] > 0).all()
    assert (by.loc["likeverd"] < 0).all()
    assert by.loc[("lokal", "skoleleder")] < 0 and by.loc[("lokal", "tillitsvalgt")] < 0
    assert (by.loc["behov"] > 0).all()


def test_cross_section_and_panel_estimates_agree_in_sign(panel):
    for method in ("welch", "paired"):
        m = _with_truth(panel, method)
        planted = m.loc[m["true_diff"].abs() > 0.05]
        assert (np.sign(planted["diff"]) == np.sign(planted["true_diff"])).mean() == 1.0
        covered = (planted["ci_low"] <= planted["true_diff"]) & (
            planted["true_diff"] <= planted["ci_high"]
        )
        assert covered.mean() >= 0.9


def test_alpha_is_close_to_the_generators(panel):
    rel, items = scale_reliability(panel["cleaned"], panel["scales"])
    truth = true_alpha(panel["spec"], n=40_000)
    m = rel.merge(truth, on=["scale", "role", "wave"])
    assert len(m) == 7 * 4 * 3
    dev = (m["alpha"] - m["true_alpha"]).abs()
    # Cells hold 350–1 200 responses, so alpha's sampling SD is 0.01–0.025.
    assert dev.mean() < 0.025
    assert dev.max() < 0.08
    # Where straight-liners are removed (scales with reverse-keyed items) it is closer still;
    # elsewhere the default keeps them (flagged), which lifts alpha a little.
    reversed_scales = {s.code for s in panel["scales"] if s.reverse}
    assert dev[m["scale"].isin(reversed_scales)].max() < 0.045
    # Reverse-keyed items correlate positively with the rest once re-keyed.
    assert (items.loc[items["reversed"], "item_rest_r"] > 0.3).all()


def test_cleaning_removes_what_was_planted(panel):
    log = panel["log"].set_index("rule")
    planted = panel["truth"]["responses"]
    assert log.loc["duplicates", "responses"] == planted["duplicate"].sum()
    kept_ids = set(panel["cleaned"]["response_id"].unique())
    assert not kept_ids & set(planted.loc[planted["duplicate"], "response_id"])
    speeders = set(planted.loc[planted["speeder"], "response_id"])
    assert len(speeders & kept_ids) == 0
    assert log.loc["speeders", "responses"] == pytest.approx(len(speeders), rel=0.1)
    assert log.loc["out_of_range", "answers"] > 0
    assert panel["cleaned"]["value"].max() <= 5
    assert log.loc["straightlining", "answers"] > 0


def test_results_are_identical_between_runs(panel):
    answers, _ = generate_panel(PanelSpec(n_per_wave=2500, seed=2021))
    scales = default_scales()
    cleaned, _ = clean(validate_answers(answers), scales)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = change_table(score_scales(cleaned, scales))
    pd.testing.assert_frame_equal(again, panel["change"])
