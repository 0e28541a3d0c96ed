"""Command line: ``python -m evaluation code --input FILE.csv --text-column COL --out OUT.csv``.

``register(subparsers)`` adds the ``code`` subcommand to the ``evaluation`` CLI; ``main`` runs
it on its own (``python -m evaluation.coding code ...``). Bad input exits with code 2 and a
message naming the file and what is wrong.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .model import LearnedCoder

__all__ = ["main", "register", "run_code"]

EXIT_BAD_INPUT = 2


class InputError(Exception):
    """Input the user must fix; the message says what and where."""


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add the ``code`` subcommand to an argparse subparsers object; returns its parser."""
    p = subparsers.add_parser(
        "code",
        help="code free-text answers into codebook themes",
        description="Code free-text answers (suksesskriterier og gode grep) into the codebook's "
        "themes. Keeps every input column and adds one 0/1 column per theme, "
        "'evidence', 'confidence' and 'needs_review'.",
    )
    p.add_argument("--input", required=True, metavar="FILE.csv", help="answers, one row each (CSV)")
    p.add_argument("--text-column", required=True, metavar="COL", help="column with the free text")
    p.add_argument(
        "--out", required=True, metavar="OUT.csv", help="where to write the coded answers"
    )
    p.add_argument(
        "--codebook", metavar="YAML", help="codebook file (default questionnaires/codebook.yaml)"
    )
    p.add_argument(
        "--model",
        metavar="FILE.pkl",
        help="code with the learned layer in this model file (exported from the web app's "
        "learning page or 'flask coding export-model'); it carries its own codebook",
    )
    p.add_argument(
        "--sep", default="auto", help="field separator: auto (default), ',', ';' or 'tab'"
    )
    p.add_argument(
        "--encoding", default="utf-8-sig", help="input encoding (default utf-8, BOM allowed)"
    )
    p.add_argument("--prefix", default="", help="put before each added column name, e.g. auto_")
    p.add_argument(
        "--normaliser",
        choices=("lemma", "stem", "none"),
        default="lemma",
        help="word normalisation (default lemma)",
    )
    p.add_argument("--qdc", metavar="FILE.qdc", help="also write the codebook as REFI-QDA .qdc")
    p.add_argument(
        "--qdpx", metavar="FILE.qdpx", help="also write a REFI-QDA project with the codes"
    )
    p.add_argument("--id-column", metavar="COL", help="column naming each answer in the .qdpx")
    p.set_defaults(func=run_code)
    return p


def _sniff_sep(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, newline="") as fh:
        head = fh.read(64_000)
    if not head.strip():
        raise InputError(f"{path}: the file is empty")
    first = head.splitlines()[0]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _read(path: Path, sep: str, encoding: str) -> tuple[pd.DataFrame, str]:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a CSV file")
    try:
        sep = {"tab": "\t", "auto": None}.get(sep, sep) or _sniff_sep(path, encoding)
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not readable as {encoding} (byte {exc.start}); "
            "try --encoding cp1252 or save the file as UTF-8"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: the file is empty") from exc
    except (pd.errors.ParserError, csv.Error) as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if df.empty:
        raise InputError(f"{path}: no answers, only a header row")
    return df, sep


def run_code(args: argparse.Namespace) -> int:
    """Run the ``code`` subcommand; returns the exit code."""
    try:
        return _run(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _run(args: argparse.Namespace) -> int:
    from questionnaires import InstrumentError

    from .batch import code_answers, get_coder
    from .refi import write_qdc, write_qdpx

    path = Path(args.input)
    df, sep = _read(path, args.sep, args.encoding)
    if args.text_column not in df.columns:
        raise InputError(
            f"{path}: no column {args.text_column!r}; the columns are: "
            f"{', '.join(map(str, df.columns)) or '(none)'}"
        )
    if args.id_column and args.id_column not in df.columns:
        raise InputError(f"{path}: no column {args.id_column!r} for --id-column")
    if args.model and args.codebook:
        raise InputError("--model carries its own codebook; leave out --codebook")
    try:
        coder = _load_model(args.model) if args.model else get_coder(args.codebook, args.normaliser)
    except InstrumentError as exc:
        raise InputError(f"the codebook has errors:\n{exc}") from exc
    except OSError as exc:
        raise InputError(f"{args.codebook}: cannot read the codebook ({exc})") from exc
    try:
        coded = code_answers(df, args.text_column, coder, prefix=args.prefix)
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from exc
    out = Path(args.out)
    try:
        coded.to_csv(out, index=False, sep=sep)  # the same separator as the input, for Excel
        if args.qdc:
            write_qdc(coder.codebook, args.qdc)
        if args.qdpx:
            plain = (
                coded.rename(columns={args.prefix + t: t for t in coder.themes})
                if args.prefix
                else coded
            )
            write_qdpx(coder.codebook, plain, args.text_column, args.qdpx, id_column=args.id_column)
    except OSError as exc:
        raise InputError(f"cannot write output ({exc})") from exc
    n_review = int(coded[args.prefix + "needs_review"].sum())
    meta = getattr(coder, "meta", None)
    using = (
        f", learned model {meta.get('model_no', '?')} trained on {meta.get('trained_on')} answers"
        if meta
        else ""
    )
    print(
        f"coded {len(coded)} answers into {len(coder.themes)} themes (codebook v{coder.codebook.version}{using}); "
        f"{n_review} need review; wrote {out}"
    )
    return 0


def _load_model(path: str) -> LearnedCoder:
    from .model import ModelFileError, load_model

    try:
        return load_model(path)
    except ModelFileError as exc:
        raise InputError(str(exc)) from exc


def main(argv: list[str] | None = None) -> int:
    """Run the coding CLI on its own: ``python -m evaluation.coding code ...``."""
    parser = argparse.ArgumentParser(prog="python -m evaluation.coding")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.func(args)
