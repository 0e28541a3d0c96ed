"""The analysis reads the app's real schema (migrated database, demo panel) and runs on it."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation import read_database, run
from questionnaires import INSTRUMENT_DIR
from webapp.demo.generator import load_demo
from webapp.extensions import db


@pytest.mark.slow
def test_demo_database_reads_and_runs(app_ctx, tmp_path):
    load_demo(seed=11, size=40)
    db.session.commit()
    answers = read_database(db.engine)
    assert {
        "respondent_id",
        "wave",
        "role",
        "fylke",
        "item",
        "value",
        "missing_code",
        "kompetansenettverk",
        "duration_s",
        "status",
        "response_id",
    } <= set(answers.columns)
    assert sorted(answers["wave"].unique()) == [2021, 2023, 2025]
    assert set(answers["role"].astype(str)) <= {"skoleeier", "skoleleder", "tillitsvalgt", "uh"}
    dont_know = answers["missing_code"].astype(str) == "dont_know"
    assert answers.loc[dont_know, "value"].isna().all()
    complete = answers.loc[answers["status"].astype(str) == "complete", "duration_s"]
    assert (complete > 0).all()
    result = run(
        answers, INSTRUMENT_DIR / "scales.yaml", tmp_path / "out", figures=False, progress=False
    )
    change = pd.read_csv(tmp_path / "out" / "change.csv")
    assert {"samarbeid", "likeverd"} <= set(change["scale"])
    assert set(change["method"]) == {"lmm", "welch", "paired"}
    assert (tmp_path / "out" / "report.html").exists()
    assert result.tables["reliability"]["alpha"].notna().any()
