"""The whole run from the command line: files, columns, figures, report, reproducibility."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evaluation.__main__ import main
from evaluation.synthetic import PanelSpec, default_scales, generate_panel, write_scales_yaml

ROOT = Path(__file__).resolve().parents[2]
CHANGE_COLUMNS = [
    "scale",
    "role",
    "wave_from",
    "wave_to",
    "method",
    "n_from",
    "n_to",
    "mean_from",
    "mean_to",
    "diff",
    "ci_low",
    "ci_high",
    "p",
    "p_adj",
    "effect_size",
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("panel")
    answers, _ = generate_panel(PanelSpec(n_per_wave=300, seed=7))
    answers.to_csv(folder / "answers.csv", index=False)
    write_scales_yaml(default_scales(), folder / "scales.yaml")
    return folder


@pytest.fixture(scope="module")
def first_run(inputs):
    out = inputs / "out"
    code = main(
        [
            "run",
            "--answers",
            str(inputs / "answers.csv"),
            "--scales",
            str(inputs / "scales.yaml"),
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    return out


def test_run_writes_the_tables_with_the_documented_columns(first_run):
    change = pd.read_csv(first_run / "change.csv")
    # The documented columns, in this order (with se, statistic, dof, ... in between).
    assert [c for c in change.columns if c in CHANGE_COLUMNS] == CHANGE_COLUMNS
    assert set(change["method"]) == {"lmm", "welch", "paired"}
    assert change["correction"].str.startswith("holm across").all()
    assert {(2021, 2023), (2023, 2025), (2021, 2025)} == set(
        zip(change["wave_from"], change["wave_to"], strict=True)
    )
    rel = pd.read_csv(first_run / "reliability.csv")
    assert list(rel.columns[:7]) == ["scale", "wave", "role", "n", "k", "alpha", "ci_low"]
    assert "ci_high" in rel.columns
    log = pd.read_csv(first_run / "cleaning_log.csv")
    assert log["rule"].tolist()[0] == "input" and log["rule"].tolist()[-1] == "kept"
    for name in ("waves.csv", "panel_anova.csv", "reliability_items.csv", "run.json"):
        assert (first_run / name).stat().st_size > 0


def test_run_draws_every_figure_as_png_and_svg(first_run):
    for name in ("trend", "likert", "reliability", "responses"):
        png = (first_run / "figures" / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 10_000
        svg = (first_run / "figures" / f"{name}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg


def test_report_is_self_contained_and_summarises_each_scale(first_run):
    html = (first_run / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 4
    assert 'src="http' not in html and "<link" not in html and "<script" not in html
    for scale in default_scales():
        assert f"<h3>{scale.label['nb']}</h3>" in html  # item and scale texts, not codes
    assert "Skoleledere, 2021–2023" in html and "UH, 2021–2025" in html
    assert "Metode" in html and "holm" in html


def _visible(html: str) -> str:
    import re

    html = re.sub(r"(?is)<(style|svg|script)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<img [^>]*>", " ", html)
    return re.sub(r"(?s)<[^>]+>", " ", html)


def test_report_reads_as_a_document_in_bokmal_and_english(first_run):
    import re

    nb = (first_run / "report.html").read_text(encoding="utf-8")
    en = (first_run / "report_en.html").read_text(encoding="utf-8")
    assert '<html lang="nb">' in nb and '<html lang="en">' in en
    # a short summary first, then one figure per scale with its cells (mean and n)
    assert nb.index('class="summary"') < nb.index('class="scale-figure"') < nb.index("Metode")
    assert nb.count('<svg class="scale-figure"') == len(default_scales())
    assert re.search(r"<td>\d,\d\d \(n = \d+\)</td>", nb)
    # labelled columns, roles in words, Norwegian numbers
    assert "<th>Justert p</th>" in nb and ">p_adj<" not in nb and ">scale<" not in nb
    assert "Holm over" in nb and "holm across" not in _visible(nb)
    text = re.sub(
        r"TN7 \d+\.\d+", "", _visible(nb.split("<h2", 1)[1])
    )  # a chapter number is no decimal
    assert not re.search(r"(?<![\w.])\d+\.\d+(?![\w.])", text), re.findall(
        r".{30}\d\.\d.{10}", text
    )[:3]
    assert "<th>Adjusted p</th>" in en and "In short" in en and "school leaders" in en
    # a print stylesheet: A4 pages, chapters on new pages, tables and figures kept whole
    assert (
        "@page{size:A4" in nb
        and "break-inside:avoid" in nb
        and "h2.chapter{break-before:page" in nb
    )


def test_results_are_identical_between_runs(inputs, first_run):
    out = inputs / "again"
    assert (
        main(
            [
                "run",
                "--answers",
                str(inputs / "answers.csv"),
                "--scales",
                str(inputs / "scales.yaml"),
                "--out",
                str(out),
                "--quiet",
                "--no-figures",
            ]
        )
        == 0
    )
    for name in ("change.csv", "reliability.csv", "cleaning_log.csv", "panel_anova.csv"):
        assert (out / name).read_bytes() == (first_run / name).read_bytes(), name


def test_a_run_without_figures_does_not_embed_old_ones(inputs, first_run):
    out = inputs / "stale"
    shutil.copytree(first_run / "figures", out / "figures")  # left from an earlier run
    assert (
        main(
            [
                "run",
                "--answers",
                str(inputs / "answers.csv"),
                "--scales",
                str(inputs / "scales.yaml"),
                "--out",
                str(out),
                "--quiet",
                "--no-figures",
            ]
        )
        == 0
    )
    assert "data:image/png" not in (out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def three_fylker(inputs) -> Path:
    path = inputs / "three.csv"
    if not path.exists():
        answers = pd.read_csv(inputs / "answers.csv")
        answers.loc[answers["fylke"].isin(["Agder", "Oslo", "Trøndelag"])].to_csv(path, index=False)
    return path


def test_by_fylke_and_fdr(inputs, three_fylker):
    out = inputs / "fylke"
    assert (
        main(
            [
                "run",
                "--answers",
                str(inputs / "three.csv"),
                "--scales",
                str(inputs / "scales.yaml"),
                "--out",
                str(out),
                "--quiet",
                "--no-figures",
                "--by-fylke",
                "--correction",
                "fdr_bh",
                "--speeders",
                "flag",
            ]
        )
        == 0
    )
    change = pd.read_csv(out / "change.csv")
    assert list(change.columns[:4]) == ["scale", "role", "fylke", "wave_from"]
    assert change["correction"].str.startswith("fdr_bh").all()
    log = pd.read_csv(out / "cleaning_log.csv").set_index("rule")
    assert log.loc["speeders", "action"] == "flag"


def test_by_any_column_and_a_clear_error_for_an_unknown_one(inputs, three_fylker, capsys):
    out = inputs / "network"
    args = [
        "run",
        "--answers",
        str(inputs / "three.csv"),
        "--scales",
        str(inputs / "scales.yaml"),
        "--quiet",
        "--no-figures",
    ]
    assert main(args + ["--out", str(out), "--by", "kompetansenettverk"]) == 0
    change = pd.read_csv(out / "change.csv")
    assert list(change.columns[:3]) == ["scale", "role", "kompetansenettverk"]
    assert main(args + ["--out", str(out), "--by", "kommune"]) == 2
    assert "cannot group by 'kommune'" in capsys.readouterr().err


def test_cli_reports_bad_input_without_a_traceback(inputs, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    pd.read_csv(inputs / "answers.csv").drop(columns=["role"]).to_csv(bad, index=False)
    code = main(
        [
            "run",
            "--answers",
            str(bad),
            "--scales",
            str(inputs / "scales.yaml"),
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ]
    )
    assert code == 2
    assert "missing column(s) 'role'" in capsys.readouterr().err
    scales = tmp_path / "scales.yaml"
    scales.write_text("format: 1\nscales:\n  - code: x\n    items: []\n", encoding="utf-8")
    code = main(
        [
            "run",
            "--answers",
            str(inputs / "answers.csv"),
            "--scales",
            str(scales),
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ]
    )
    assert code == 2
    assert "scales.yaml" in capsys.readouterr().err


def test_python_dash_m_evaluation_with_progress_bar(inputs, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "evaluation",
            "run",
            "--answers",
            str(inputs / "answers.csv"),
            "--scales",
            str(inputs / "scales.yaml"),
            "--out",
            str(tmp_path / "cli"),
            "--no-figures",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "step" in proc.stderr  # the tqdm progress bar
    assert "wrote" in proc.stdout and (tmp_path / "cli" / "report.html").exists()
