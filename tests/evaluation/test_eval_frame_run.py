"""A run with --frame: representativeness, weights and weighted change in the files and the
report; and the report's honesty rules (p rounding, verdict beside interval, family)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from evaluation.__main__ import main
from evaluation.multiplicity import adjust_p
from evaluation.report import _p, summarise_change
from evaluation.synthetic import default_scales, generate_panel, write_scales_yaml


@pytest.fixture(scope="module")
def frame_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("frame")
    answers, truth = generate_panel(
        n_per_wave=600,
        seed=11,
        scales=default_scales()[:2],
        response_rates=((0.9, 0.4), (0.4, 0.9), (0.7, 0.7)),
        fylke_effect=0.8,
    )
    answers.to_parquet(folder / "answers.parquet")
    truth["frame"].to_csv(folder / "frame.csv", index=False)
    write_scales_yaml(default_scales()[:2], folder / "scales.yaml")
    out = folder / "out"
    code = main(
        [
            "run",
            "--answers",
            str(folder / "answers.parquet"),
            "--scales",
            str(folder / "scales.yaml"),
            "--frame",
            str(folder / "frame.csv"),
            "--out",
            str(out),
            "--no-figures",
            "--quiet",
            "--bootstrap",
            "50",
        ]
    )
    assert code == 0
    return out


def test_frame_run_writes_representativeness_weights_and_weighted_change(frame_run):
    rep = pd.read_csv(frame_run / "representativeness.csv")
    assert set(rep["wave"]) == {2021, 2023, 2025}
    r = rep.loc[rep["indicator"] == "R"].set_index("wave")
    # the planted response is most uneven in 2021 and 2023, even in 2025
    assert r.loc[2025, "value"] > r.loc[2021, "value"] + 0.1
    assert (r["ci_low"] < r["value"]).all() and (r["value"] < r["ci_high"]).all()
    assert {"P_u", "P_c"} <= set(rep["indicator"])
    assert {"role", "fylke", "network"} <= set(rep["variable"])
    summary = pd.read_csv(frame_run / "weights_summary.csv")
    assert (summary["deff_kish"] >= 1).all() and len(summary) == 3
    change = pd.read_csv(frame_run / "change.csv")
    weighted = change.loc[change["method"] == "weighted"]
    assert len(weighted) == 2 * 4 * 3  # scales × roles × wave pairs
    assert weighted[["diff", "se", "ci_low", "ci_high", "p", "p_adj"]].notna().all().all()
    assert weighted["note"].str.contains("kommune/person clusters").all()
    panel = change.loc[change["method"] == "weighted_panel"]
    assert len(panel) == 2 * 4 * 3 and panel["diff"].notna().all()
    attrition = pd.read_csv(frame_run / "attrition_weights.csv")
    assert {(2021, 2023), (2023, 2025), (2021, 2025)} == set(
        zip(attrition["wave_from"], attrition["wave_to"], strict=True)
    )
    assert ((attrition["retention"] > 0) & (attrition["retention"] <= 1)).all()
    # the frame's kommune gives the mixed model a second random intercept
    lmm = change.loc[change["method"] == "lmm"]
    assert lmm["note"].str.contains("kommune clusters").all()


def test_frame_run_report_has_the_new_sections(frame_run):
    html = (frame_run / "report.html").read_text(encoding="utf-8")
    assert "Representativitet (R-indikator)" in html
    assert re.search(r"2021: R = 0,\d\d \(95 % KI", html)
    assert "trekker representativiteten mest ned" in html
    assert "Endring for alle inviterte (vektet)" in html
    assert "Vekter for frafall" in html and "Kish" in html
    assert "Intervallskala" in html and "MAR gitt rolle, fylke og nettverk" in html


def test_frame_errors_reach_the_command_line_without_a_traceback(frame_run, tmp_path, capsys):
    folder = frame_run.parent
    bad = tmp_path / "frame.csv"
    pd.read_csv(folder / "frame.csv").drop(columns=["responded"]).to_csv(bad, index=False)
    code = main(
        [
            "run",
            "--answers",
            str(folder / "answers.parquet"),
            "--scales",
            str(folder / "scales.yaml"),
            "--frame",
            str(bad),
            "--out",
            str(tmp_path / "o"),
            "--no-figures",
            "--quiet",
        ]
    )
    assert code == 2
    assert "missing column(s) 'responded'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "p,text",
    [
        (0.04998, "0,04998"),
        (0.0499, "0,0499"),
        (0.05, "0,050"),
        (0.0504, "0,050"),
        (0.034, "0,034"),
        (0.0004, "&lt; 0,001"),
    ],
)
def test_p_never_rounds_across_the_threshold(p, text):
    assert _p(p) == text


def _cell(**kw):
    row = dict(
        scale="samarbeid",
        role="skoleeier",
        wave_from=2023,
        wave_to=2025,
        method="lmm",
        mean_from=3.1,
        mean_to=3.2,
        note="",
    )
    row.update(kw)
    return row


def test_verdict_and_interval_agree():
    change = pd.DataFrame(
        [
            _cell(diff=0.117, ci_low=0.009, ci_high=0.225, p=0.034, p_adj=0.787),
            _cell(role="uh", diff=0.2, ci_low=0.05, ci_high=0.35, p=0.001, p_adj=0.04998),
            _cell(role="skoleleder", diff=0.01, ci_low=-0.1, ci_high=0.12, p=0.8, p_adj=1.0),
        ]
    )
    s = summarise_change(change)["samarbeid"]
    assert "ingen sikker endring" in s[0] and "p 0,034, justert p 0,787" in s[0]
    assert "utelukker 0 alene, men endringen er ikke sikker etter korreksjon" in s[0]
    assert "økte" in s[1] and "justert p 0,04998" in s[1]
    assert "ingen sikker endring" in s[2] and "utelukker" not in s[2]


def test_family_is_the_consecutive_steps_by_default():
    rows = [
        dict(method="lmm", wave_from=a, wave_to=b, p=p)
        for (a, b), p in [
            ((2021, 2023), 0.01),
            ((2023, 2025), 0.02),
            ((2021, 2025), 0.001),
            ((2021, 2023), 0.03),
            ((2023, 2025), 0.04),
            ((2021, 2025), 0.3),
        ]
    ]
    table = pd.DataFrame(rows)
    steps = adjust_p(table)
    assert steps["correction"].tolist()[:3] == [
        "holm across 4 tests (consecutive wave steps)",
        "holm across 4 tests (consecutive wave steps)",
        "holm across 2 tests (first to last wave)",
    ]
    np.testing.assert_allclose(steps["p_adj"], [0.04, 0.06, 0.002, 0.06, 0.06, 0.3])
    together = adjust_p(table, steps="all")
    assert together["correction"].iloc[0] == "holm across 6 tests (all wave pairs)"
    np.testing.assert_allclose(together["p_adj"], [0.05, 0.08, 0.006, 0.09, 0.09, 0.3])
    with pytest.raises(ValueError, match="steps must be one of consecutive, all"):
        adjust_p(table, steps="pairs")


def test_weights_are_for_the_responses_the_analysis_uses(frame_run):
    import json

    problems = json.loads((frame_run / "run.json").read_text(encoding="utf-8"))["problems"]
    note = next(p for p in problems if p.startswith("weights are made for the"))
    # the panel's speeders and duplicates are cleaned away: they answered but carry no weight
    dropped = int(re.search(r": (\d+) marked responded in the frame have no score", note)[1])
    assert dropped > 0
    weights = pd.read_csv(frame_run / "weights.csv")
    summary = pd.read_csv(frame_run / "weights_summary.csv")
    assert summary["responded"].sum() == len(weights)


def test_bokmal_report_shows_the_notes_and_methods_in_bokmal(frame_run):
    nb = (frame_run / "report.html").read_text(encoding="utf-8")
    en = (frame_run / "report_en.html").read_text(encoding="utf-8")
    assert re.search(
        r"vektene er laget for de \d+ besvarelsene med skåre: \d+ som er merket som svart", nb
    )
    assert "weights are made for the" not in nb and "weights are made for the" in en
    assert "lineær blandet modell med tilfeldig konstantledd per respondent" in nb
    assert "linear mixed model, random intercept" not in nb


def test_every_known_note_has_bokmal():
    from evaluation.change import METHODS
    from evaluation.notes_text import METHODS_NB, note_in

    notes = [
        "the frame has wave(s) [2021] without scores; they are left out",
        "wave 2023 has responses but no scale scores; it is left out",
        "only one wave (2025) has scores: no change to estimate",
        "scale 'samarb': item(s) 'a', 'b' have no answers; the score uses the other items",
        "wave 2021 is not in the frame: its 3 response(s) have no weights",
        "4 response(s) have no weight: the person is not in the frame for that wave or not marked "
        "responded (e.g. R1 in 2021); left out of the weighted estimates",
        "wave 2021: nobody responded; no weights",
        "skoleleder: 2 fylke cell(s) with fewer than 5 respondents merged into 'skoleleder: andre fylker'",
        "network: one category left after collapsing; margin dropped",
    ]
    for note in notes:
        assert note_in(note, "nb") != note and note_in(note, "en") == note
    assert note_in("something new", "nb") == "something new"
    assert set(METHODS_NB) == set(METHODS)


def test_bokmal_report_tables_have_no_english_notes(frame_run):
    text = re.sub(r"<[^>]+>", " ", (frame_run / "report.html").read_text(encoding="utf-8"))
    for english in (
        "nonresponse weights",
        "linearised SE",
        "respondents; one cell",
        "merged into",
        "clusters",
    ):
        assert english not in text, english
    assert "frafallsvekter; linearisert standardfeil" in text


def test_cleaning_settings_in_the_methods_are_in_words():
    from evaluation.report import _rules_list

    nb = _rules_list(
        {"duplicates": "drop", "speeders": "flag", "partial": "keep", "speeder_fraction": 0.3}, "nb"
    )
    assert (
        "Dubletter: fjernet" in nb
        and "For raske svar: merket" in nb
        and "Påbegynte besvarelser: beholdes" in nb
    )
    assert "0,30" in nb and "drop" not in nb and "flag" not in nb
    assert "Duplicates: removed" in _rules_list({"duplicates": "drop"}, "en")


def test_years_in_report_tables_have_no_thousands_space(frame_run):
    text = re.sub(r"<[^>]+>", " ", (frame_run / "report.html").read_text(encoding="utf-8"))
    assert not re.search(r"2\s021|2\s023|2\s025", text)
    assert re.search(
        r"<td>2023</td><td>600</td>", (frame_run / "report.html").read_text(encoding="utf-8")
    )
