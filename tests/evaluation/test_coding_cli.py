"""The ``code`` command: batch coding of a CSV file, and clear errors with exit code 2."""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from evaluation.coding.cli import main, register

ROOT = Path(__file__).resolve().parents[2]
THEMES = [
    "alle_med",
    "laerernes_behov",
    "ekstern_kompetanse",
    "praksisnaer",
    "ledelse",
    "ressurspersoner",
    "tid",
    "erfaringsdeling",
    "forskning",
    "sammenheng",
]


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def test_code_keeps_input_columns_and_adds_theme_columns_and_evidence(tmp_path, capsys):
    src = write_csv(
        tmp_path / "svar.csv",
        "id,rolle,bolge,svar\n"
        '007,uh,2021,"Rektor satte av tid, og alle lærerne var med."\n'
        "008,skoleleder,2023,\n"
        "009,tillitsvalgt,2025,Vi hadde gode samlinger\n",
    )
    out = tmp_path / "kodet.csv"
    assert main(["code", "--input", str(src), "--text-column", "svar", "--out", str(out)]) == 0
    assert "coded 3 answers" in capsys.readouterr().out
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(df.columns) == [
        "id",
        "rolle",
        "bolge",
        "svar",
        *THEMES,
        "evidence",
        "confidence",
        "needs_review",
    ]
    assert df["id"].tolist() == ["007", "008", "009"]  # kept as text, leading zeros and all
    first = df.iloc[0]
    assert [first[t] for t in ("alle_med", "ledelse", "tid", "forskning")] == ["1", "1", "1", "0"]
    assert (
        first["evidence"]
        == "tid: satte av, tid | alle_med: alle lærerne | ledelse: Rektor satte av"
    )
    assert df.loc[2, "needs_review"] == "True" and df.loc[1, "needs_review"] == "False"


def test_semicolon_files_from_excel_are_read_and_written_back_the_same_way(tmp_path):
    src = write_csv(tmp_path / "excel.csv", "id;svar\n1;Forskningsbasert\n", encoding="utf-8-sig")
    out = tmp_path / "ut.csv"
    assert main(["code", "--input", str(src), "--text-column", "svar", "--out", str(out)]) == 0
    header, row = out.read_text(encoding="utf-8").splitlines()
    assert header.startswith("id;svar;alle_med;") and row.startswith("1;Forskningsbasert;0;")


def test_code_also_writes_refi_qda_files(tmp_path):
    src = write_csv(
        tmp_path / "svar.csv", "id,role,wave,svar\na1,uh,2021,Ressurslærerne var nøkkelen\n"
    )
    qdc, qdpx = tmp_path / "k.qdc", tmp_path / "p.qdpx"
    assert (
        main(
            [
                "code",
                "--input",
                str(src),
                "--text-column",
                "svar",
                "--out",
                str(tmp_path / "o.csv"),
                "--qdc",
                str(qdc),
                "--qdpx",
                str(qdpx),
                "--id-column",
                "id",
                "--prefix",
                "auto_",
            ]
        )
        == 0
    )
    assert b"urn:QDA-XML:codebook:1.0" in qdc.read_bytes()
    assert "auto_ressurspersoner" in pd.read_csv(tmp_path / "o.csv").columns
    with zipfile.ZipFile(qdpx) as zf:
        assert b'name="a1"' in zf.read("project.qde") and b"CodeRef" in zf.read("project.qde")


@pytest.mark.parametrize(
    "setup, args, message",
    [
        (
            lambda d: d / "finnes_ikke.csv",
            ["--text-column", "svar"],
            "finnes_ikke.csv: no such file",
        ),
        (
            lambda d: write_csv(d / "tom.csv", ""),
            ["--text-column", "svar"],
            "tom.csv: the file is empty",
        ),
        (
            lambda d: write_csv(d / "hode.csv", "id,svar\n"),
            ["--text-column", "svar"],
            "no answers, only a header row",
        ),
        (
            lambda d: write_csv(d / "a.csv", "id,tekst\n1,hei\n"),
            ["--text-column", "svar"],
            "a.csv: no column 'svar'; the columns are: id, tekst",
        ),
        (
            lambda d: write_csv(d / "b.csv", "id,svar,tid\n1,hei,1\n"),
            ["--text-column", "svar"],
            "already has columns tid; pass a prefix",
        ),
        (
            lambda d: write_csv(d / "c.csv", "id,svar\n1,hei\n"),
            ["--text-column", "svar", "--id-column", "nr"],
            "no column 'nr' for --id-column",
        ),
        (lambda d: d, ["--text-column", "svar"], "is a folder"),
    ],
)
def test_bad_input_gives_a_clear_message_and_exit_code_2(tmp_path, capsys, setup, args, message):
    src = setup(tmp_path)
    code = main(["code", "--input", str(src), *args, "--out", str(tmp_path / "o.csv")])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_latin1_file_is_refused_with_a_hint(tmp_path, capsys):
    src = tmp_path / "latin1.csv"
    src.write_bytes("id,svar\n1,Lærerne fikk tid\n".encode("latin-1"))
    assert (
        main(
            ["code", "--input", str(src), "--text-column", "svar", "--out", str(tmp_path / "o.csv")]
        )
        == 2
    )
    assert "try --encoding cp1252" in capsys.readouterr().err
    assert (
        main(
            [
                "code",
                "--input",
                str(src),
                "--text-column",
                "svar",
                "--out",
                str(tmp_path / "o.csv"),
                "--encoding",
                "cp1252",
            ]
        )
        == 0
    )


def test_a_broken_codebook_is_reported_with_file_and_line(tmp_path, capsys):
    src = write_csv(tmp_path / "s.csv", "svar\nhei\n")
    book = write_csv(
        tmp_path / "codebook.yaml",
        "format: 1\nversion: 1\nthemes:\n  - code: Tid\n    label: {nb: Tid}\n",
    )
    assert (
        main(
            [
                "code",
                "--input",
                str(src),
                "--text-column",
                "svar",
                "--out",
                str(tmp_path / "o.csv"),
                "--codebook",
                str(book),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "the codebook has errors" in err and "codebook.yaml:4" in err


def test_register_adds_the_code_subcommand_to_another_parser():
    parser = argparse.ArgumentParser(prog="python -m evaluation")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(
        ["code", "--input", "a.csv", "--text-column", "svar", "--out", "b.csv"]
    )
    assert args.command == "code" and args.text_column == "svar" and callable(args.func)


def test_module_runs_as_a_program(tmp_path):
    src = write_csv(tmp_path / "s.csv", "svar\nForskning og praksisnært\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evaluation.coding",
            "code",
            "--input",
            str(src),
            "--text-column",
            "svar",
            "--out",
            str(tmp_path / "o.csv"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "evaluation.coding",
            "code",
            "--input",
            str(tmp_path / "x.csv"),
            "--text-column",
            "svar",
            "--out",
            str(tmp_path / "o.csv"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "no such file" in bad.stderr


def test_evaluation_cli_has_the_code_subcommand(tmp_path):
    src = write_csv(tmp_path / "s.csv", "id,svar\n1,Alle lærerne var med\n")
    out = tmp_path / "o.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evaluation",
            "code",
            "--input",
            str(src),
            "--text-column",
            "svar",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(out).loc[0, "alle_med"] == 1
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "evaluation",
            "code",
            "--input",
            str(src),
            "--text-column",
            "tekst",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "no column 'tekst'" in bad.stderr
