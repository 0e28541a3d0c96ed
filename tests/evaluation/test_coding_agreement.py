"""Agreement statistics checked against published worked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evaluation.coding import (
    DictionaryCoder,
    agreement_table,
    alpha_for_codes,
    coder_agreement,
    cohen_kappa,
    disagreements,
    krippendorff_alpha,
)


def test_cohen_kappa_matches_the_wikipedia_worked_example():
    # en.wikipedia.org/wiki/Cohen's_kappa, "Simple example": 50 grant proposals, yes/yes 20,
    # yes/no 5, no/yes 10, no/no 15; p_o = 0.7, p_e = 0.5, kappa = 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_matches_the_fleiss_cohen_everitt_three_category_example():
    # Fleiss, Cohen & Everitt (1969), Psychological Bulletin 72(5), table 1: 100 subjects,
    # proportions [[.53,.05,.02],[.11,.14,.05],[.01,.06,.03]]; they report kappa = 0.429.
    counts = [[53, 5, 2], [11, 14, 5], [1, 6, 3]]
    a, b = [], []
    for i, row in enumerate(counts):
        for j, n in enumerate(row):
            a += [i] * n
            b += [j] * n
    assert cohen_kappa(a, b) == pytest.approx(0.429, abs=5e-4)


def test_cohen_kappa_agrees_with_scikit_learn_on_random_codes():
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(4)
    a, b = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    b[:120] = a[:120]
    assert cohen_kappa(a, b) == pytest.approx(sklearn.cohen_kappa_score(a, b))


def test_cohen_kappa_is_undefined_when_both_coders_use_one_category_and_skips_missing():
    assert math.isnan(cohen_kappa([0, 0, 0], [0, 0, 0]))
    assert cohen_kappa([1, 0, None, 1], [1, 0, 1, 1]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="different numbers of units"):
        cohen_kappa([1, 0], [1])


def test_krippendorff_alpha_matches_krippendorffs_worked_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: four
    # observers, twelve units, missing values; nominal alpha = 0.743.
    nan = np.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    assert krippendorff_alpha(data) == pytest.approx(0.743, abs=5e-4)


def test_alpha_over_theme_codes_is_one_for_identical_coders_and_lower_otherwise():
    a = pd.DataFrame({"tid": [1, 0, 1, 0, 1], "ledelse": [0, 1, 1, 0, 0]})
    b = a.copy()
    assert alpha_for_codes([a, b], ["tid", "ledelse"]) == pytest.approx(1.0)
    b.loc[0, "tid"] = 0
    assert alpha_for_codes([a, b], ["tid", "ledelse"]) < 1.0


def test_agreement_table_counts_hits_and_misses_per_theme():
    human = pd.DataFrame({"tid": [1, 1, 0, 0, 1], "ledelse": [0, 0, 0, 0, 0]})
    auto = pd.DataFrame({"tid": [1, 0, 1, 0, 1], "ledelse": [0, 0, 0, 0, 0]})
    table = agreement_table(human, auto, ["tid", "ledelse"]).set_index("theme")
    assert table.loc["tid", ["tp", "fp", "fn"]].tolist() == [2, 1, 1]
    assert table.loc["tid", "precision"] == pytest.approx(2 / 3)
    assert table.loc["tid", "f1"] == pytest.approx(2 / 3)
    assert math.isnan(table.loc["ledelse", "f1"]) and math.isnan(table.loc["ledelse", "kappa"])


def test_disagreements_list_each_answer_and_theme_with_the_text():
    a = pd.DataFrame({"tid": [1, 0], "ledelse": [1, 1]})
    b = pd.DataFrame({"tid": [0, 0], "ledelse": [1, 0]})
    out = disagreements(
        a, b, ["tid", "ledelse"], text=["Tid og rektor", "Rektor"], names=("anne", "auto")
    )
    assert out.to_dict("records") == [
        {"row": 0, "theme": "tid", "anne": 1.0, "auto": 0.0, "text": "Tid og rektor"},
        {"row": 1, "theme": "ledelse", "anne": 1.0, "auto": 0.0, "text": "Rektor"},
    ]


def test_coder_agreement_scores_a_coder_against_hand_codes():
    coder = DictionaryCoder()
    hand = pd.DataFrame(
        {
            "text": ["Vi fikk avsatt fellestid hver uke.", "Vet ikke.", "Det tok tid.", None],
            **{t: [0, 0, 0, 0] for t in coder.themes},
        }
    ).assign(tid=[1, 0, 1, 0], ledelse=[0, 1, 0, 0])
    table = coder_agreement(coder, hand.iloc[[3, 0, 1, 2]]).set_index("theme")
    # "fellestid" is time set aside; "det tok tid" is not (negative); nobody led anything
    assert table.loc["tid", ["tp", "fp", "fn"]].tolist() == [1, 0, 1]
    assert table.loc["ledelse", ["tp", "fp", "fn", "positives"]].tolist() == [0, 0, 1, 1]
    assert (table["n"] == 4).all()
