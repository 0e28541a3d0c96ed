"""Theme frequency and co-occurrence tables and the plotnine figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.coding import (
    cooccurrence,
    resolve_codebook,
    theme_frequencies,
    theme_frequencies_wide,
)
from evaluation.coding.plots import plot_theme_shares

DATA = Path(__file__).parent / "data" / "coded_answers.csv"


@pytest.fixture(scope="module")
def coded():
    return pd.read_csv(DATA)


@pytest.fixture(scope="module")
def themes():
    return [t.code for t in resolve_codebook().themes]


def test_frequencies_by_role_and_wave_count_only_respondents_who_wrote_anything():
    df = pd.DataFrame(
        {
            "role": ["uh", "uh", "uh", "skoleleder", "skoleleder"],
            "wave": [2021, 2021, 2021, 2021, 2023],
            "svar": ["Rektor og tid", "Tid", "👍", "Alle med", None],
            "tid": [1, 1, 0, 0, 0],
            "ledelse": [1, 0, 0, 0, 0],
        }
    )
    freq = theme_frequencies(df, ["tid", "ledelse"], by=["role", "wave"], text_column="svar")
    uh = freq[(freq.role == "uh") & (freq.wave == 2021)].set_index("theme")
    assert uh["n_answered"].tolist() == [2, 2]  # the thumbs-up alone is not an answer
    assert uh.loc["tid", "count"] == 2 and uh.loc["tid", "share"] == 1.0
    assert uh.loc["ledelse", "share"] == 0.5
    nobody = freq[(freq.role == "skoleleder") & (freq.wave == 2023)]
    assert nobody["n_answered"].tolist() == [0, 0] and nobody["share"].isna().all()


def test_frequencies_of_the_coded_set_add_up(coded, themes):
    freq = theme_frequencies(coded, themes, by=["role", "wave"], text_column="text")
    assert len(freq) == 4 * 3 * len(themes)
    total = freq.groupby("theme", sort=False)["count"].sum()
    assert total.to_dict() == coded[themes].sum().to_dict()
    overall = theme_frequencies(coded, themes, by=[], text_column="text").set_index("theme")
    assert (coded["text"] == "👍").sum() == 1
    assert overall.loc["ledelse", "n_answered"] == len(coded) - 1  # a thumbs-up alone is no answer
    wide = theme_frequencies_wide(freq)
    assert wide.shape == (len(themes), 12) and list(wide.index) == themes


def test_cooccurrence_counts_and_jaccard(coded, themes):
    co = cooccurrence(coded, themes)
    assert (co.to_numpy() == co.to_numpy().T).all()
    assert np.diag(co).tolist() == coded[themes].sum().tolist()
    both = int(((coded["ledelse"] == 1) & (coded["tid"] == 1)).sum())
    assert co.loc["ledelse", "tid"] == both
    jac = cooccurrence(coded, themes, normalise="jaccard")
    either = int(((coded["ledelse"] == 1) | (coded["tid"] == 1)).sum())
    assert jac.loc["ledelse", "tid"] == pytest.approx(both / either)
    with pytest.raises(ValueError, match="unknown normalise"):
        cooccurrence(coded, themes, normalise="lift")


def test_plot_of_theme_shares_renders_with_labels(coded, themes, tmp_path):
    book = resolve_codebook()
    freq = theme_frequencies(coded, themes, by=["role", "wave"], text_column="text")
    fig = plot_theme_shares(freq, book, lang="en")
    out = tmp_path / "themes.png"
    fig.save(out, width=9, height=6, dpi=80, verbose=False)
    assert out.stat().st_size > 10_000
    labels = set(fig.data["theme"].astype(str))
    assert "Time and room set aside" in labels and "tid" not in labels
    assert fig.labels.title == "Success criteria and good practices"
    with pytest.raises(KeyError, match="no column 'share'"):
        plot_theme_shares(freq.drop(columns="share"))
