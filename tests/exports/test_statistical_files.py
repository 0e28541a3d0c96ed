"""SPSS and Stata files read back with pyreadstat and GNU PSPP: labels, values, missing codes."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from .conftest import ADDED_ITEM, NEW_LABEL, RELABELLED_ITEM
from .helpers import build, pseudonym_of


@pytest.fixture
def built(app, export_data, tmp_path):
    out = tmp_path / "export"
    manifest = build(app, out, formats=("csv", "sav", "dta", "xlsx", "parquet"))
    return out, manifest, export_data


def test_sav_has_labels_value_labels_and_user_missing(app, built):
    out, _, data = built
    df, meta = pyreadstat.read_sav(out / "dekom_wave_2023.sav", user_missing=True)
    assert meta.column_names_to_labels[RELABELLED_ITEM] == NEW_LABEL
    assert meta.variable_value_labels["samarb_behov"][1.0] == "I svært liten grad"
    assert meta.variable_value_labels["samarb_behov"][98.0] == "Vet ikke / ikke relevant"
    assert meta.missing_ranges["samarb_behov"] == [{"lo": 94.0, "hi": 99.0}]
    assert meta.variable_measure["samarb_behov"] == "ordinal"
    # every "vet ikke" in the database is 98 in the file, for the right person and item
    for panel_id, _wave, item in [d for d in data.dont_know if d[1] == 2023][:20]:
        row = df.loc[df["panel_id"] == pseudonym_of(app, panel_id)]
        assert row[item].iloc[0] == 98.0, (panel_id, item)
    # routing: those who did not take part in a measure were not asked the tiltak questions
    for panel_id, _wave in [n for n in data.not_asked if n[1] == 2023]:
        row = df.loc[df["panel_id"] == pseudonym_of(app, panel_id)]
        assert row["tiltak_deltakere"].iloc[0] == 97.0
    # without user_missing, codes are missing, valid values stay 1..5
    plain, _ = pyreadstat.read_sav(out / "dekom_wave_2023.sav")
    values = plain["samarb_behov"].dropna()
    assert values.between(1, 5).all() and len(values) > 0


def test_dta_has_extended_missing_and_labels(app, built):
    out, _, data = built
    df, meta = pyreadstat.read_dta(out / "dekom_wave_2021.dta", user_missing=True)
    assert meta.column_names_to_labels["samarb_behov"].startswith("Kartlegging")
    labels = meta.variable_value_labels["samarb_behov"]
    assert labels[1] == "I svært liten grad" and labels["a"] == "Vet ikke / ikke relevant"
    for panel_id, _wave, item in [d for d in data.dont_know if d[1] == 2021][:20]:
        row = df.loc[df["panel_id"] == pseudonym_of(app, panel_id)]
        assert row[item].iloc[0] == "a", (panel_id, item)
    for panel_id, _ in [n for n in data.not_asked if n[1] == 2021]:
        row = df.loc[df["panel_id"] == pseudonym_of(app, panel_id)]
        assert row["tiltak_deltakere"].iloc[0] == "b"
    plain, _ = pyreadstat.read_dta(out / "dekom_wave_2021.dta")
    assert plain["samarb_behov"].dropna().between(1, 5).all()


def test_all_formats_carry_the_same_values(built):
    out, _, _ = built
    csv = pd.read_csv(out / "dekom_wide.csv", dtype={"panel_id": str})
    sav, _ = pyreadstat.read_sav(out / "dekom_wide.sav", user_missing=True)
    parquet = pd.read_parquet(out / "dekom_wide.parquet")
    xlsx = pd.read_excel(out / "dekom_wide.xlsx", sheet_name=0, dtype={"panel_id": str})
    cols = ["samarb_behov_2021", "samarb_behov_2023", f"{ADDED_ITEM}_2023", "tiltak_type_1_2021"]
    for other in (sav, parquet, xlsx):
        assert list(other["panel_id"]) == list(csv["panel_id"])
        for c in cols:
            np.testing.assert_array_equal(
                other[c].to_numpy(float), csv[c].to_numpy(float), err_msg=c
            )


def _pspp_descriptives(sav, variables: list[str], workdir) -> dict[str, tuple[int, float]]:
    syntax = workdir / "desc.sps"
    out = workdir / "desc.csv"
    names = " ".join(variables)
    syntax.write_text(
        f"SET TVARS=NAMES.\nGET FILE='{sav}'.\nFORMATS {names} (F10.4).\n"
        f"DESCRIPTIVES /VARIABLES={names} /STATISTICS=MEAN.\n",
        encoding="utf-8",
    )
    subprocess.run(
        ["pspp", "-O", "format=csv", "-o", str(out), str(syntax)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = {}
    for cells in csv.reader(out.read_text(encoding="utf-8").splitlines()):
        if cells and cells[0] in variables:
            result[cells[0]] = (int(cells[1]), float(cells[2]))
    return result


def test_pspp_reads_the_sav_and_agrees_with_pandas(built, tmp_path):
    if shutil.which("pspp") is None:
        if os.environ.get("CI"):
            pytest.fail("pspp is missing; .ci/run installs it with apt-get")
        pytest.skip("GNU PSPP not installed (apt-get install pspp)")
    out, _, _ = built
    variables = ["samarb_behov", "likev_kunde", ADDED_ITEM, "tiltak_type_1", "bg_ansiennitet"]
    stats = _pspp_descriptives(out / "dekom_wave_2023.sav", variables, tmp_path)
    table = pd.read_csv(out / "dekom_wave_2023.csv")
    assert set(stats) == set(variables)
    for var in variables:
        valid = table[var][table[var] < 94]  # the codes 94-99 are the named missing values
        n, mean = stats[var]
        assert n == len(valid), var
        assert mean == pytest.approx(valid.mean(), abs=0.005), var  # PSPP prints 2 decimals


def test_pspp_lists_the_missing_values_and_labels(built, tmp_path):
    if shutil.which("pspp") is None:
        if os.environ.get("CI"):
            pytest.fail("pspp is missing; .ci/run installs it with apt-get")
        pytest.skip("GNU PSPP not installed (apt-get install pspp)")
    out, _, _ = built
    syntax = tmp_path / "dict.sps"
    syntax.write_text(
        f"GET FILE='{out / 'dekom_wave_2021.sav'}'.\nDISPLAY DICTIONARY /VARIABLES=samarb_behov.\n",
        encoding="utf-8",
    )
    subprocess.run(
        ["pspp", "-O", "format=csv", "-o", str(tmp_path / "d.csv"), str(syntax)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    text = (tmp_path / "d.csv").read_text(encoding="utf-8")
    assert "Kartlegging av kompetansebehov" in text and "ny ordlyd" not in text  # 2021 wording
    assert "Vet ikke / ikke relevant" in text and "Ikke stilt (filter)" in text
    assert "94 THRU 99" in text
