"""The learned layer: calibrated per-theme classifiers blended with the dictionary; codebooks v2–v7.

Quality is measured on the held-out set ``heldout_v10_{nb,nn,en}`` (240 answers per language by
six writers), never used for tuning; the floors below are what was measured when the fourth
round (codebook v7, 3 827 training answers, precision-first thresholds) was frozen
(docs/benchmarks.md), so a change that loses quality fails. The older held-out sets
(``heldout``, ``heldout2``, v3–v9) were retired into the training
answers once they had been measured; the dictionary's floors on them guard against regressions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.coding import DictionaryCoder, code_answers, coder_agreement, macro_f1
from evaluation.coding.cli import main
from evaluation.coding.model import (
    CLASSIFIER_ALONE,
    LearnedCoder,
    ModelFileError,
    load_model,
    save_model,
    train_model,
    training_data,
)
from evaluation.coding.text import compound_parts

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
V2 = ROOT / "questionnaires" / "codebooks" / "codebook_v2.yaml"


@pytest.fixture(scope="module")
def model() -> LearnedCoder:
    train = training_data()
    return train_model(train["text"].tolist(), train)


HELDOUT = ("v10_nb", "v10_nn", "v10_en")  # never tuned on
RETIRED = ("heldout", "heldout2", "v3_nb", "v3_nn", "v3_en", "v4_nb", "v4_nn", "v4_en")
RETIRED += (
    "v5_nb",
    "v5b_nb",
    "v5_nn",
    "v5_en",
    "v6_nb",
    "v6_nn",
    "v6_en",
    "v7_nb",
    "v7_nn",
    "v7_en",
    "v8_nb",
    "v8_nn",
    "v8_en",
    "v9_nb",
    "v9_nn",
    "v9_en",
)


def _heldout(name: str) -> pd.DataFrame:
    if name.startswith("v"):
        version, lang = name.split("_")
        return pd.read_csv(DATA / f"heldout_{version}_{lang}.csv")
    old = pd.read_csv(DATA / "coded_answers.csv")
    return old[old["split"] == name].reset_index(drop=True)


def test_training_and_heldout_answers_never_overlap():
    train = training_data()
    texts = set(train["text"])
    for name in HELDOUT:
        frame = _heldout(name)
        assert not texts & set(frame["text"]), name
        assert len(frame) == 240 and (frame[DictionaryCoder().themes].sum() >= 40).all(), name
    for name in RETIRED:  # retired held-out sets are training answers now, with their codes
        frame = _heldout(name)
        merged = frame.merge(train, on="text", suffixes=("", "_train"))
        # a few one-line answers ("Vet ikke") also occur in the held-out set and were dropped
        assert len(merged) >= len(frame) - 4, name
        for theme in DictionaryCoder().themes:
            assert (merged[theme] == merged[f"{theme}_train"]).all(), (name, theme)
    # every answer names its writer, so tuning can leave one writer out (bench/tune_coder.py)
    assert train["writer"].notna().all() and train["writer"].nunique() >= 39


def test_probabilities_are_calibrated_and_in_0_1(model):
    from sklearn.calibration import CalibratedClassifierCV

    assert set(model.models) == set(model.themes)  # every theme has enough examples to learn
    assert all(
        isinstance(m, CalibratedClassifierCV) and m.method == "sigmoid"
        for m in model.models.values()
    )
    texts = _heldout("v3_nb")["text"].tolist() + ["", "Vet ikke", "😊"]
    probs = model.probabilities(texts).to_numpy()
    assert probs.shape == (len(texts), 10) and ((probs >= 0) & (probs <= 1)).all()
    # Calibrated: over the training answers the mean probability is close to the share coded.
    train = training_data()
    fitted = model.classifier_probabilities(train["text"].tolist())
    for theme in model.themes:
        assert abs(fitted[theme].mean() - train[theme].mean()) < 0.05, theme
    # The confidence shown is the blend of the dictionary and the classifier.
    dictionary = DictionaryCoder()
    text = "Vi fikk tid til å prøve ut opplegget i klasserommet."
    conf = {s.theme: s.confidence for s in dictionary.code(text).suggestions}
    learned = model.classifier_probabilities([text]).iloc[0]
    blended = model.probabilities([text]).iloc[0]
    for theme in model.themes:
        expected = (
            model.dict_weight * conf.get(theme, 0.0) + (1 - model.dict_weight) * learned[theme]
        )
        if learned[theme] >= CLASSIFIER_ALONE:
            expected = max(expected, learned[theme])
        assert blended[theme] == pytest.approx(expected), theme


def test_every_assigned_theme_shows_its_evidence(model):
    for answer in model.code_many(_heldout("v3_en")["text"].tolist()):
        for s in answer.suggestions:
            assert 0 <= s.confidence <= 1 and s.assigned == (
                s.confidence >= model.threshold_for(s.theme)
            )
            if s.assigned:
                assert s.evidence or s.ngrams, s
    coded = model.code("Lærerveilederne fulgte opp kollegene, og vi fikk møtetid hver uke.")
    by_theme = {s.theme: s for s in coded.suggestions}
    assert by_theme["tid"].assigned and [e.word for e in by_theme["tid"].evidence] == ["møtetid"]
    assert any("møtetid" in g or g == "tid" for g in by_theme["tid"].ngrams), by_theme["tid"].ngrams


def test_it_learns_a_criterion_the_codebook_has_no_word_for(model):
    train = training_data().sample(n=1200, random_state=1)  # the mechanics, quicker
    extra = pd.DataFrame(
        {
            "text": [
                "Fjellgrepet gjorde susen for oss.",
                "Vi hadde fjellgrep hver fredag.",
                "Uten fjellgrepet hadde vi stått fast.",
            ]
        }
    )
    for t in model.themes:
        extra[t] = int(t == "tid")
    data = pd.concat([train, extra], ignore_index=True)
    learned = train_model(data["text"].tolist(), data, weights=[1.0] * len(train) + [3.0] * 3)
    probe = ["Fjellgrepet var det viktigste."]
    assert DictionaryCoder().code(probe[0]).themes == []
    before = (
        train_model(train["text"].tolist(), train).classifier_probabilities(probe).loc[0, "tid"]
    )
    after = learned.classifier_probabilities(probe).loc[0, "tid"]
    assert before < 0.2 < 0.8 < after, (before, after)
    # With no codebook word, a nearly sure classifier's probability is the confidence.
    assert learned.probabilities(probe).loc[0, "tid"] == pytest.approx(after)
    assert model.probabilities(probe).loc[0, "tid"] < model.threshold_for("tid")
    assert "tid" in learned.code(probe[0]).themes


def test_a_theme_with_too_few_examples_keeps_the_dictionary(model):
    train = training_data().sample(n=600, random_state=1)  # mechanics: no need for all answers
    train["forskning"] = 0
    learned = train_model(train["text"].tolist(), train)
    assert "forskning" not in learned.models
    text = "Vi leste forskning sammen."
    assert (
        learned.probabilities([text]).loc[0, "forskning"]
        == DictionaryCoder().code(text).suggestions[0].confidence
    )


def test_model_file_round_trip_and_bad_files(model, tmp_path):
    path = save_model(model, tmp_path / "m.pkl")
    again = load_model(path)
    texts = _heldout("heldout2")["text"].tolist()
    assert np.allclose(again.probabilities(texts), model.probabilities(texts))
    assert again.meta["trained_on"] == len(training_data()) and again.meta["codebook_version"] == 7
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ModelFileError, match="junk.pkl: not a coder model file"):
        load_model(tmp_path / "junk.pkl")
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "missing.pkl")


def test_cli_codes_with_the_model_file_exactly_as_the_library(model, tmp_path, capsys):
    path = save_model(model, tmp_path / "m.pkl")
    frame = _heldout("v3_nn")[["id", "text"]]
    src = tmp_path / "svar.csv"
    frame.to_csv(src, index=False)
    out = tmp_path / "kodet.csv"
    assert (
        main(
            [
                "code",
                "--model",
                str(path),
                "--input",
                str(src),
                "--text-column",
                "text",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "learned model" in capsys.readouterr().out
    cli = pd.read_csv(out)
    lib = code_answers(frame, "text", load_model(path))
    assert cli[model.themes].equals(lib[model.themes])
    assert np.allclose(cli["confidence"], lib["confidence"])
    assert (
        main(
            [
                "code",
                "--model",
                str(tmp_path / "nope.pkl"),
                "--input",
                str(src),
                "--text-column",
                "text",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "nope.pkl: no such model file" in capsys.readouterr().err
    assert (
        main(
            [
                "code",
                "--model",
                str(path),
                "--codebook",
                str(V2),
                "--input",
                str(src),
                "--text-column",
                "text",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "carries its own codebook" in capsys.readouterr().err


def test_compounds_reach_their_parts():
    assert compound_parts("ressurslærar") == ("ressurs", "lærar")
    assert compound_parts("lærerveileder") == ("lærer", "veileder")
    assert compound_parts("planleggingsdagene") == ("planlegging", "dagene")
    assert compound_parts("samlingene") == () and compound_parts("tid") == ()
    v3 = DictionaryCoder()
    assert "ressurspersoner" in v3.code("Lærerveilederne på skolen fulgte opp kollegene.").themes
    assert "ressurspersoner" in v3.code("Lærarrettleiarane på skulen har vore viktige.").themes
    assert "tid" in v3.code("Vi brukte møtetida til arbeidet.").themes
    # v2 lists no compound of "tid" but "kveldstid": splitting lets it reach "tid"
    assert DictionaryCoder(V2).code("Det meste skjedde på kveldstid.").themes == ["tid"]
    assert (
        DictionaryCoder(V2, split_compounds=False).code("Det meste skjedde på kveldstid.").themes
        == []
    )


# Floors, measured when the fourth round was frozen (docs/benchmarks.md), rounded down: on the
# held-out set (never tuned on) for the learned layer, which must also beat the dictionary alone;
# on the retired sets for the dictionary, which was widened on their errors.
HELDOUT_FLOORS = {"v10_nb": 0.94, "v10_nn": 0.93, "v10_en": 0.92}
RETIRED_FLOORS = {"heldout": 0.96, "heldout2": 0.96}
RETIRED_FLOORS |= {f"{v}_{lang}": 0.98 for v in ("v3", "v4") for lang in ("nb", "nn", "en")}
RETIRED_FLOORS |= {"v5_nb": 0.94, "v5b_nb": 0.95, "v5_nn": 0.93, "v5_en": 0.93}
RETIRED_FLOORS |= {"v6_nb": 0.95, "v6_nn": 0.94, "v6_en": 0.95}
RETIRED_FLOORS |= {"v7_nb": 0.93, "v7_nn": 0.94, "v7_en": 0.95}
RETIRED_FLOORS |= {"v8_nb": 0.93, "v8_nn": 0.90, "v8_en": 0.90}
RETIRED_FLOORS |= {"v9_nb": 0.93, "v9_nn": 0.92, "v9_en": 0.92}


@pytest.mark.parametrize("name", list(HELDOUT_FLOORS))
def test_the_learned_layer_on_answers_never_tuned_on(model, name):
    frame = _heldout(name)
    v2, current, learned = (
        macro_f1(coder_agreement(c, frame)) for c in (DictionaryCoder(V2), DictionaryCoder(), model)
    )
    assert learned >= HELDOUT_FLOORS[name] and learned > current > v2 + 0.05, (v2, current, learned)


@pytest.mark.parametrize("name", list(HELDOUT_FLOORS))
def test_every_theme_stays_precise_on_answers_never_tuned_on(model, name):
    # measured when round 4 was frozen: 0.90-1.00 in all 30 cells (ledelse nb at 0.90, 36 of
    # 40); one more false alarm in a theme of 40 answers is 0.88, so that is the floor here
    table = coder_agreement(model, _heldout(name))
    assert (table["precision"] >= 0.88).all(), table[["theme", "tp", "fp", "precision"]]


@pytest.mark.parametrize("name", list(RETIRED_FLOORS))
def test_the_codebook_keeps_what_it_learned_from_retired_sets(name):
    frame = _heldout(name)
    v2, current = (
        macro_f1(coder_agreement(c, frame)) for c in (DictionaryCoder(V2), DictionaryCoder())
    )
    assert current >= RETIRED_FLOORS[name] and current > v2 + 0.05, (v2, current)
