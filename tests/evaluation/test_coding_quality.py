"""The auto-coder against human codes: dev set (used to tune signals) and held-out set (never tuned on).

``data/coded_answers.csv`` holds 125 answers written for this purpose in the vocabulary of ch. 4.2
of the evaluation note and coded by hand per the codebook definitions: 70 ``dev`` and 25
``heldout`` answers coded before the coder was written, and 30 ``heldout2`` answers written and
coded after codebook version 2 was tuned on dev, before the coder ever saw them. Answers that
talk about a criterion (also its absence: "for lite tid") are coded with it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evaluation.coding import DictionaryCoder, agreement_table, code_answers, macro_f1
from evaluation.coding.learn import cross_validate, propose_signals, train

DATA = Path(__file__).parent / "data" / "coded_answers.csv"


@pytest.fixture(scope="module")
def coder():
    return DictionaryCoder()


@pytest.fixture(scope="module")
def human():
    return pd.read_csv(DATA)


def _scores(coder, frame):
    auto = code_answers(frame.reset_index(drop=True), "text", coder, prefix="auto_")
    pred = auto[["auto_" + t for t in coder.themes]].set_axis(coder.themes, axis=1)
    table = agreement_table(frame.reset_index(drop=True), pred, coder.themes)
    return table, macro_f1(table), float(table["kappa"].mean())


def test_the_coded_set_is_big_and_varied_enough(human, coder):
    assert len(human) >= 80 and human["split"].str.startswith("heldout").sum() >= 55
    assert set(human["role"]) == {"skoleeier", "skoleleder", "tillitsvalgt", "uh"}
    assert set(human["wave"]) == {2021, 2023, 2025}
    assert human[coder.themes].isin([0, 1]).all().all()
    assert (human[coder.themes].sum() >= 6).all()  # every theme coded in several answers
    assert (human["text"].str.len() > 400).sum() >= 3  # some long answers


@pytest.mark.parametrize("split", ["dev", "heldout", "heldout2", "all"])
def test_auto_coder_reaches_macro_f1_080_and_kappa_075(coder, human, split):
    frame = human if split == "all" else human[human["split"] == split]
    table, f1, kappa = _scores(coder, frame)
    assert f1 >= 0.80, table
    assert kappa >= 0.75, table


def test_lemmatiser_codes_better_than_the_snowball_stemmer(human):
    dev = human[human["split"] == "dev"]
    _, f1_lemma, _ = _scores(DictionaryCoder(normaliser="lemma"), dev)
    _, f1_stem, _ = _scores(DictionaryCoder(normaliser="stem"), dev)
    assert f1_lemma > f1_stem


def test_learning_from_human_codes_is_measured_against_the_dictionary(coder, human):
    dev = human[human["split"] == "dev"].reset_index(drop=True)
    result = cross_validate(dev["text"].tolist(), dev, coder, k=5).set_index("method")
    assert list(result.index) == ["dictionary", "words", "signals", "hybrid"]
    # With 70 answers a classifier of words alone learns little; one that learns which
    # codebook signals humans confirm comes close to the dictionary but does not beat it.
    assert result.loc["words", "macro_f1"] < result.loc["signals", "macro_f1"]
    assert result.loc["signals", "macro_f1"] > 0.8
    assert result.loc["dictionary", "macro_f1"] >= result.loc["signals", "macro_f1"]


def test_trained_classifier_codes_new_answers(coder, human):
    model = train(human["text"].tolist(), human, coder, kind="signals")
    pred = model.predict(["Rektor satte av tid til fellesmøter", "Vet ikke"])
    assert list(pred.columns) == coder.themes
    assert pred.loc[0, "ledelse"] == 1 and pred.loc[0, "tid"] == 1 and pred.loc[1].sum() == 0
    probs = model.probabilities(["Rektor satte av tid til fellesmøter"])
    assert probs.loc[0, "ledelse"] > 0.5 > probs.loc[0, "forskning"]


def test_proposed_signals_are_words_the_codebook_does_not_cover(coder, human):
    out = propose_signals(human["text"].tolist(), human, coder, top=3)
    assert set(out.columns) == {"theme", "word", "in_theme", "elsewhere", "log_odds"}
    assert (out["in_theme"] >= 2).all()
    tid_words = set(out.loc[out["theme"] == "tid", "word"])
    assert "tid" not in tid_words and "fellestid" not in tid_words
