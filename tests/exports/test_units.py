"""Small, pure parts of the export library: ids, codes, names, redaction, options, writers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import questionnaires as qn
from evaluation.export import ExportOptions, OptionsError, build_export, code_base, pseudonym
from evaluation.export.catalogue import VersionUse, build_catalogue
from evaluation.export.missing import missing_codes
from evaluation.export.redact import Redactor
from evaluation.export.synthetic import synthetic_source
from evaluation.export.writers.stata import stata_names


def test_pseudonym_is_stable_keyed_and_short():
    a = pseudonym("key-one", "P-AAAA-BBBB")
    assert a == pseudonym("key-one", "P-AAAA-BBBB") and len(a) == 16
    assert a != pseudonym("key-two", "P-AAAA-BBBB") != pseudonym("key-one", "P-AAAA-BBBC")
    with pytest.raises(ValueError, match="PSEUDONYM_KEY"):
        pseudonym("", "P-AAAA-BBBB")


@pytest.mark.parametrize(
    "max_valid, base", [(5, 99), (1, 99), (93, 99), (94, 999), (400, 999), (995, 9999), (None, 99)]
)
def test_missing_codes_sit_above_the_valid_range(max_valid, base):
    assert code_base(max_valid) == base
    codes = missing_codes(base)
    assert min(codes.values()) == base - 5 and max(codes.values()) == base
    assert codes[1] == base - 1  # vet ikke is 98 on a 1-5 scale


def test_stata_names_are_valid_unique_and_short():
    names = stata_names(["a" * 40, "a" * 40 + "x", "1abc", "æøå_var", "ok"])
    assert all(len(v) <= 32 for v in names.values())
    assert len(set(names.values())) == 5
    assert names["1abc"] == "v1abc" and names["ok"] == "ok"


def test_redactor_removes_contact_data_but_keeps_the_rest():
    r = Redactor(["Kari Nordmann", "kari@skole.no"])
    text = "Kari Nordmann (kari@skole.no, tlf 912 34 567 / +47 91234567) ledet arbeidet i 2023."
    out = r(text)
    assert "Kari" not in out and "@" not in out and "912" not in out
    assert out.endswith("ledet arbeidet i 2023.") and out.count("[fjernet]") == 4
    assert Redactor()("skriv til ola@example.com") == "skriv til [fjernet]"


def test_options_name_what_is_wrong():
    with pytest.raises(OptionsError, match="formats: pdf not allowed"):
        ExportOptions(formats=("csv", "pdf"))
    with pytest.raises(OptionsError, match="k: must be a whole number"):
        ExportOptions(k=0)
    with pytest.raises(OptionsError, match="unknown key"):
        ExportOptions.from_mapping({"layout": ["wide"]})
    assert ExportOptions(formats=("sav", "csv")).formats == ("csv", "sav")  # canonical order


def test_catalogue_keeps_questionnaire_order_and_inserts_new_items_after_their_neighbour():
    ins = qn.load_instrument()
    q1 = ins["uh"]
    q2 = qn.Questionnaire.from_dict(q1.to_dict())
    first = q2.pages[1].items[0]
    q2.pages[1].items.insert(
        1,
        qn.Item(
            code="zz_new", type="single", text={"nb": "Ny"}, options=[qn.Option(1, {"nb": "Ja"})]
        ),
    )
    cat = build_catalogue([VersionUse(2021, "uh", "v1", q1), VersionUse(2023, "uh", "v2", q2)])
    names = [v.name for v in cat.variables]
    assert names.index("zz_new") == names.index(first.code) + 1
    assert cat["zz_new"].waves == [2023] and cat[first.code].waves == [2021, 2023]


def test_long_free_text_in_spss_goes_through_pyreadstat(tmp_path):
    ins = qn.load_instrument()
    src = synthetic_source(ins, 30, waves=(2021,), text_share=1.0)
    long_text = ("Lang tekst. " * 60).strip()  # 719 bytes: more than a short SPSS string
    sel = src.answers["item"].astype(str) == "kommentar"
    src.answers.loc[sel, "value_text"] = long_text
    build_export(
        src,
        ExportOptions(formats=("sav", "dta"), free_text=True, themes=False),
        tmp_path,
        pseudonym_key="k",
        workers=1,
    )
    df, meta = pyreadstat.read_sav(tmp_path / "dekom_wave_2021.sav")
    assert (df["kommentar"] == long_text).sum() == int(sel.sum())
    dta, _ = pyreadstat.read_dta(tmp_path / "dekom_wave_2021.dta")
    assert (dta["kommentar"] == long_text).sum() == int(sel.sum())


def test_long_layout_too_big_for_excel_is_skipped_and_listed(tmp_path, monkeypatch):
    from evaluation.export.writers import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 1000)
    ins = qn.load_instrument()
    src = synthetic_source(ins, 40, waves=(2021,))
    res = build_export(
        src,
        ExportOptions(layouts=("waves", "long"), formats=("xlsx",)),
        tmp_path,
        pseudonym_key="k",
        workers=1,
    )
    assert [s["file"] for s in res.manifest["skipped"]] == ["dekom_long.xlsx"]
    assert "exceeds Excel" in res.manifest["skipped"][0]["reason"]
    assert (tmp_path / "dekom_wave_2021.xlsx").exists()


def test_parallel_and_sequential_writers_give_the_same_csv(tmp_path):
    ins = qn.load_instrument()
    src = synthetic_source(ins, 50, waves=(2021, 2023))
    opts = ExportOptions(formats=("csv", "sav"), themes=False)
    build_export(src, opts, tmp_path / "one", pseudonym_key="k", workers=1)
    build_export(src, opts, tmp_path / "two", pseudonym_key="k", workers=2)
    for name in ("dekom_wide.csv", "dekom_wave_2023.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    a, _ = pyreadstat.read_sav(tmp_path / "one" / "dekom_wide.sav")
    b, _ = pyreadstat.read_sav(tmp_path / "two" / "dekom_wide.sav")
    pd.testing.assert_frame_equal(a, b)


def test_csv_numbers_and_quoting(tmp_path):
    ins = qn.load_instrument()
    src = synthetic_source(ins, 20, waves=(2021,))
    build_export(
        src,
        ExportOptions(formats=("csv",), layouts=("waves",)),
        tmp_path,
        pseudonym_key="k",
        workers=1,
    )
    text = (tmp_path / "dekom_wave_2021.csv").read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert header.startswith('"panel_id","wave","role"')
    assert ",2021," in first and ".0," not in first
    table = pd.read_csv(tmp_path / "dekom_wave_2021.csv")
    assert np.isin(table["samarb_behov"].dropna(), [1, 2, 3, 4, 5, 94, 95, 96, 97, 98, 99]).all()


def test_stata_file_of_a_huge_long_table_is_skipped_and_listed(tmp_path, monkeypatch):
    from evaluation.export import build as build_module

    monkeypatch.setattr(build_module, "STATA_MAX_ROWS", 500)
    src = synthetic_source(qn.load_instrument(), 20, waves=(2021,))
    res = build_export(
        src,
        ExportOptions(layouts=("waves", "long"), formats=("csv", "dta")),
        tmp_path,
        pseudonym_key="k",
        workers=1,
    )
    assert [s["file"] for s in res.manifest["skipped"]] == ["dekom_long.dta"]
    assert "CSV or Parquet" in res.manifest["skipped"][0]["reason"]
    assert (tmp_path / "dekom_long.csv").exists() and (tmp_path / "dekom_wave_2021.dta").exists()
