"""Coded free-text themes flow into the analysis run: themes.csv, a figure and a report section."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.pipeline import run
from evaluation.synthetic import PanelSpec, default_scales, generate_panel
from evaluation.themes import theme_table


def test_theme_table_shares_are_of_those_who_wrote_anything():
    coded = pd.DataFrame(
        {
            "role": ["uh", "uh", "uh", "skoleleder"],
            "wave": [2021, 2021, 2021, 2021],
            "theme_tid": [1, 0, 1, 0],
            "theme_ledelse": [0, 0, 1, 1],
        }
    )
    freq = theme_table(coded).set_index(["role", "theme"])
    assert freq.loc[("uh", "tid"), "count"] == 2
    assert freq.loc[("uh", "tid"), "share"] == pytest.approx(2 / 3)
    assert freq.loc[("skoleleder", "ledelse"), "share"] == 1.0


def test_theme_table_without_theme_columns_says_so():
    with pytest.raises(ValueError, match="theme_<code>"):
        theme_table(pd.DataFrame({"role": ["uh"], "wave": [2021]}))


def test_run_with_themes_writes_table_and_report_section(tmp_path):
    answers, _ = generate_panel(PanelSpec(n_per_wave=120, seed=3))
    scales = default_scales()
    ids = answers.drop_duplicates(["respondent_id", "wave"])[
        ["respondent_id", "wave", "role"]
    ].head(80)
    coded = ids.assign(theme_tid=[i % 2 for i in range(len(ids))], theme_alle_med=1)
    result = run(answers, scales, tmp_path, figures=False, progress=False, themes=coded)
    table = pd.read_csv(tmp_path / "themes.csv")
    assert set(table["theme"]) == {"tid", "alle_med"}
    assert (table.loc[table["theme"] == "alle_med", "share"] == 1.0).all()
    per_answer = pd.read_csv(tmp_path / "themes_coded.csv")
    assert list(per_answer.columns) == [
        "respondent_id",
        "wave",
        "role",
        "theme_tid",
        "theme_alle_med",
    ]
    assert len(per_answer) == len(coded)
    html = result.report_path.read_text(encoding="utf-8")
    assert "Suksesskriterier og gode grep (fritekst)" in html
