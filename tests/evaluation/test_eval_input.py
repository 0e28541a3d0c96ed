"""Bad or awkward input gives a clear error or a documented NA, never a crash."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from evalhelpers import SCALES_YAML, answers, scale

from evaluation import (
    AnswerTableError,
    change_table,
    check_scales,
    load_scales,
    read_answers,
    read_database,
    run,
    scale_reliability,
    score_scales,
    validate_answers,
)
from evaluation.scoring import ScaleWarning


def _two_waves() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for pid in range(40):
        for wave in (2021, 2023):
            for item in ("s1", "s2", "s3", "e1"):
                rows.append(
                    (
                        f"p{pid}",
                        wave,
                        "skoleleder" if pid % 2 else "uh",
                        item,
                        int(rng.integers(1, 6)),
                    )
                )
    return answers(rows)


def test_missing_columns_are_named():
    df = _two_waves().drop(columns=["fylke", "value"])
    with pytest.raises(AnswerTableError, match="missing column\\(s\\) 'fylke', 'value'"):
        validate_answers(df)


def test_text_values_that_are_not_missing_codes_are_reported_with_row(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(
        "respondent_id,wave,role,fylke,item,value\n"
        "p1,2021,uh,Oslo,s1,3\n"
        "p1,2021,uh,Oslo,s2,vet ikke\n"
        "p1,2021,uh,Oslo,s3,tre\n",
        encoding="utf-8",
    )
    with pytest.raises(AnswerTableError, match=r"answers.csv: column 'value'.*row 4: 'tre'"):
        read_answers(path)


def test_vet_ikke_is_missing_not_a_number(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(
        "respondent_id,wave,role,fylke,item,value\n"
        "p1,2021,uh,Oslo,s1,3\n"
        "p1,2021,uh,Oslo,s2,Vet ikke\n"
        "p1,2021,uh,Oslo,s3,dont_know\n",
        encoding="utf-8",
    )
    df = read_answers(path)
    assert df["value"].isna().sum() == 2
    assert df["missing_code"].astype(str).tolist()[1:] == ["Vet ikke", "dont_know"]


def test_a_wave_that_is_not_a_whole_number_is_reported():
    df = _two_waves()
    df["wave"] = df["wave"].astype(object)
    df.loc[5, "wave"] = "høst"
    with pytest.raises(AnswerTableError, match="'wave' must be a whole number.*row 7"):
        validate_answers(df)


def test_an_empty_table_and_an_unknown_file_type_are_errors(tmp_path):
    with pytest.raises(AnswerTableError, match="no rows"):
        validate_answers(_two_waves().iloc[:0])
    (tmp_path / "a.xlsx").write_bytes(b"")
    with pytest.raises(AnswerTableError, match="unknown file type"):
        read_answers(tmp_path / "a.xlsx")


def test_unknown_scale_items_warn_and_a_scale_without_answers_is_na():
    df = validate_answers(_two_waves())
    scales = [scale("sam", ["s1", "s2", "s3", "typo"], min_items=2), scale("ghost", ["x1", "x2"])]
    problems = check_scales(df, scales)
    assert any("'typo' have no answers" in p for p in problems)
    assert any("scale 'ghost': none of its items has answers" in p for p in problems)
    with pytest.warns(ScaleWarning):
        scores = score_scales(df, scales)
    assert set(scores["scale"].astype(str)) == {"sam"}
    rel, _ = scale_reliability(df, scales)
    ghost = rel.loc[rel["scale"] == "ghost"]
    assert ghost["alpha"].isna().all() and (ghost["n"] == 0).all()


def test_a_one_item_scale_has_scores_but_alpha_is_na():
    df = validate_answers(_two_waves())
    rel, items = scale_reliability(df, [scale("one", ["e1"])])
    assert rel["alpha"].isna().all()
    assert rel["note"].str.contains("one item").all()
    assert rel["n"].gt(0).all() and items["item_rest_r"].isna().all()


def test_a_wave_without_answers_gives_rows_with_a_note():
    df = validate_answers(_two_waves())
    # uh has no answers in 2023
    df = df.loc[~((df["role"] == "uh") & (df["wave"] == 2023))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = score_scales(df, [scale("sam", ["s1", "s2", "s3"], min_items=2)])
    change = change_table(scores)
    uh = change.loc[change["role"] == "uh"]
    assert len(uh) == 3 and uh["diff"].isna().all() and uh["p"].isna().all()
    assert set(uh["note"]) == {
        "no answers in a wave",
        "fewer than 2 answers in a wave",
        "fewer than 2 persons answered both waves",
    }
    assert change.loc[change["role"] == "skoleleder", "p"].notna().all()


def test_all_answers_missing_is_a_clear_error(tmp_path):
    df = _two_waves()
    df["value"] = np.nan
    scales_path = tmp_path / "scales.yaml"
    scales_path.write_text(SCALES_YAML, encoding="utf-8")
    with pytest.raises(AnswerTableError, match="no scale scores"):
        run(df, scales_path, tmp_path / "out", figures=False, progress=False)


def test_one_wave_only_gives_reliability_and_a_note(tmp_path):
    df = _two_waves()
    df = df.loc[df["wave"] == 2021]
    scales_path = tmp_path / "scales.yaml"
    scales_path.write_text(SCALES_YAML, encoding="utf-8")
    result = run(df, scales_path, tmp_path / "out", figures=False, progress=False)
    assert any("only one wave" in p for p in result.problems)
    assert len(result.tables["reliability"]) > 0
    assert (tmp_path / "out" / "report.html").exists()


def test_scales_file_is_read_with_the_instrument_loader(tmp_path):
    path = tmp_path / "scales.yaml"
    path.write_text(SCALES_YAML, encoding="utf-8")
    scales = load_scales(path)
    assert [s.code for s in scales] == ["samarbeid", "enkelt"]
    assert scales[0].reverse == ("s3",) and scales[0].min_items == 2


def _make_db(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as c:
        for ddl in [
            "CREATE TABLE organisation (id INTEGER PRIMARY KEY, kind TEXT, name TEXT)",
            "CREATE TABLE person (id INTEGER PRIMARY KEY, panel_id TEXT, role TEXT, fylke TEXT,"
            " network_id INTEGER REFERENCES organisation(id))",
            "CREATE TABLE wave (id INTEGER PRIMARY KEY, name TEXT, year INTEGER, status TEXT)",
            "CREATE TABLE response (id INTEGER PRIMARY KEY, invitation_id INTEGER, wave_id INTEGER,"
            " person_id INTEGER, questionnaire_version_id INTEGER, status TEXT,"
            " started_at DATETIME, submitted_at DATETIME, updated_at DATETIME)",
            "CREATE TABLE answer (id INTEGER PRIMARY KEY, response_id INTEGER, item_code TEXT,"
            " value_num FLOAT, value_text TEXT, value_list JSON, missing_code VARCHAR(16))",
            "CREATE TABLE questionnaire_version (id INTEGER PRIMARY KEY, definition JSON)",
        ]:
            c.execute(sa.text(ddl))
        c.execute(
            sa.text("INSERT INTO organisation VALUES (1, 'kompetansenettverk', 'Nettverk Midt')")
        )
        # a version-1 definition names no version; version 2 says so
        c.execute(
            sa.text(
                """INSERT INTO questionnaire_version VALUES (1, '{"code": "q"}'),"""
                """ (2, '{"code": "q", "version": 2}')"""
            )
        )
        c.execute(
            sa.text(
                "INSERT INTO person VALUES (1, 'K7Q2', 'skoleleder', 'Trøndelag', 1),"
                " (2, 'M3X9', 'uh', 'Oslo', NULL)"
            )
        )
        c.execute(
            sa.text(
                "INSERT INTO wave VALUES (1, 'Bølge 2021', 2021, 'closed'),"
                " (2, 'Bølge 2023', 2023, 'closed')"
            )
        )
        c.execute(
            sa.text(
                "INSERT INTO response VALUES"
                " (1, 1, 1, 1, 1, 'complete', '2021-03-01 10:00:00', '2021-03-01 10:12:30', NULL),"
                " (2, 2, 2, 1, 2, 'complete', '2023-03-01 09:00:00', '2023-03-01 09:05:00', NULL),"
                " (3, 3, 1, 2, 1, 'partial', '2021-03-02 10:00:00', NULL, NULL)"
            )
        )
        c.execute(
            sa.text(
                "INSERT INTO answer (response_id, item_code, value_num, value_text, value_list,"
                " missing_code) VALUES"
                " (1, 's1', 4, NULL, NULL, NULL), (1, 's2', NULL, NULL, NULL, 'dont_know'),"
                " (1, 'fritekst', NULL, 'Alle er med', NULL, NULL), (1, 'valg', NULL, NULL, '[1, 2]', NULL),"
                " (2, 's1', 5, NULL, 'null', NULL), (3, 's1', 2, NULL, NULL, NULL)"
            )
        )


def test_read_database_gives_the_tidy_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    _make_db(url)
    df = read_database(url)
    assert len(df) == 4  # free text and multiple choice are left out
    first = df.loc[(df["respondent_id"] == "K7Q2") & (df["wave"] == 2021)].set_index("item")
    assert first.loc["s1", "value"] == 4 and np.isnan(first.loc["s2", "value"])
    assert first.loc["s2", "missing_code"] == "dont_know"
    assert first.loc["s1", "duration_s"] == 750
    assert first.loc["s1", "instrument_version"] == 1
    assert set(df.loc[df["wave"] == 2023, "instrument_version"]) == {2}
    assert first.loc["s1", "kompetansenettverk"] == "Nettverk Midt"
    assert first.loc["s1", "fylke"] == "Trøndelag" and first.loc["s1", "status"] == "complete"
    partial = df.loc[df["respondent_id"] == "M3X9"].iloc[0]
    assert partial["status"] == "partial" and np.isnan(partial["duration_s"])
    assert sorted(read_database(url, wave=2023)["wave"].unique()) == [2023]
    with pytest.raises(AnswerTableError, match="no numeric answers for wave 2025"):
        read_database(sa.create_engine(url), wave=2025)


def test_validation_leaves_the_callers_table_unchanged():
    df = _two_waves()
    df["value"] = df["value"].astype(object)
    df.loc[0, "value"] = "vet ikke"
    before = df.copy()
    out = validate_answers(df)
    pd.testing.assert_frame_equal(df, before)
    assert np.isnan(out.loc[0, "value"]) and out["wave"].dtype == "int32"
