"""Exports of waves on instrument versions 1 and 2: own scales per wave, "ikke relevant" kept apart."""

from __future__ import annotations

import json

import pandas as pd
import pyreadstat

from evaluation.export.missing import ALL_KINDS, MISSING_KINDS, code_base, missing_codes


def test_not_applicable_is_a_seventh_code_only_where_offered():
    assert len(MISSING_KINDS) == 6 and len(ALL_KINDS) == 7
    assert missing_codes(99) == {1: 98, 2: 97, 3: 99, 4: 96, 5: 95, 6: 94}
    assert missing_codes(99, True)[7] == 93
    assert code_base(93) == 99 and code_base(93, True) == 999, "a valid 93 never collides"


def test_demo_export_scores_each_wave_with_its_own_version_and_keeps_ikke_relevant(
    runner, tmp_path
):
    assert runner.invoke(args=["demo", "load", "--size", "120", "--seed", "5"]).exit_code == 0
    out = tmp_path / "out"
    res = runner.invoke(
        args=[
            "exports",
            "build",
            "--out",
            str(out),
            "--formats",
            "csv,sav,dta",
            "--layouts",
            "wide",
            "--no-zip",
        ]
    )
    assert res.exit_code == 0, res.output
    wide = pd.read_csv(out / "dekom_wide.csv")
    scores = {c for c in wide.columns if c.startswith("score_")}
    # a scale defined differently in the two versions: one column per definition, in its waves only
    assert {"score_likeverd_v1_2021", "score_likeverd_v1_2023", "score_likeverd_v2_2025"} <= scores
    assert "score_likeverd_v2_2023" not in scores and "score_likeverd_v1_2025" not in scores
    # the same definition in both versions keeps its plain name in every wave
    assert {"score_egen_involvering_2021", "score_egen_involvering_2025"} <= scores
    assert "score_opplevd_effekt_2025" not in scores and "score_lydhorhet_2025" in scores
    # "ikke relevant" has its own code, 93, declared missing in SPSS; "vet ikke" stays 98
    assert 93 in set(wide["sam_behov_2025"].dropna().astype(int))
    data, meta = pyreadstat.read_sav(out / "dekom_wide.sav", user_missing=True)
    assert meta.missing_ranges["sam_behov_2025"] == [{"lo": 93.0, "hi": 99.0}]
    assert meta.missing_ranges["samarb_behov_2021"] == [{"lo": 94.0, "hi": 99.0}], (
        "v1 items unchanged"
    )
    labels = {name: meta.value_labels[key] for name, key in meta.variable_to_label.items()}
    assert (
        labels["sam_behov_2025"][93.0] == "Ikke relevant"
        and labels["sam_behov_2025"][98.0] == "Vet ikke"
    )
    assert 93.0 not in labels["samarb_behov_2021"]
    assert labels["samarb_behov_2021"][98.0] == "Vet ikke / ikke relevant", (
        "v1 keeps its one option"
    )
    book = {
        v["name"]: v
        for v in json.loads((out / "codebook.json").read_text(encoding="utf-8"))["variables"]
    }
    assert "not_applicable" in {m["name"] for m in book["sam_behov"]["missing"]}
    assert "not_applicable" not in {m["name"] for m in book["likev_partnere"]["missing"]}
    stata, smeta = pyreadstat.read_dta(out / "dekom_wide.dta", user_missing=True)
    assert "g" in set(stata["sam_behov_2025"].astype(str))
