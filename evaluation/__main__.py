"""Command line: ``python -m evaluation run --answers FILE --scales FILE --out DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["main", "build_parser"]


def _load_rules(args: argparse.Namespace) -> Any:
    from .cleaning import CleaningRules

    data: dict[str, Any] = {}
    if args.cleaning:
        import yaml

        path = Path(args.cleaning)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as err:
            raise SystemExit(f"{path}: cannot read cleaning rules: {err}") from err
        if not isinstance(data, dict):
            raise SystemExit(f"{path}: cleaning rules must be a mapping of setting: value")
    for key in ("speeders", "straightlining", "partial", "duplicates", "out_of_range"):
        value = getattr(args, key)
        if value is not None:
            data[key] = value
    if args.speeder_fraction is not None:
        data["speeder_fraction"] = args.speeder_fraction
    try:
        return CleaningRules.from_mapping(data)
    except (TypeError, ValueError) as err:
        raise SystemExit(f"cleaning rules: {err}") from err


def _run(args: argparse.Namespace) -> int:
    from questionnaires import InstrumentError

    from .load import AnswerTableError
    from .pipeline import run

    by = (
        ["role"]
        + (["fylke"] if args.by_fylke else [])
        + [c for c in args.by or [] if c not in ("role", "fylke")]
    )
    population = None
    if args.population:
        import pandas as pd

        population = pd.read_csv(args.population)
    try:
        result = run(
            args.answers,
            args.scales,
            args.out,
            rules=_load_rules(args),
            correction=args.correction,
            by=by,
            figures=not args.no_figures,
            progress=not args.quiet,
            population=population,
            workers=args.workers,
            frame=args.frame,
            family_steps=args.family,
            weight_min_cell=args.weight_min_cell,
            weight_trim=args.weight_trim,
            n_boot=args.bootstrap,
        )
    except InstrumentError as err:
        print(f"error in the scales file:\n{err}", file=sys.stderr)
        return 2
    except (AnswerTableError, FileNotFoundError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for problem in result.problems:
        print(f"note: {problem}", file=sys.stderr)
    if not args.quiet:
        print(
            f"wrote {len(result.files)} files to {result.out_dir} "
            f"in {result.timings.get('total', 0):.1f} s; open {result.report_path}"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with the ``run`` (and, when installed, ``code``) subcommands."""
    parser = argparse.ArgumentParser(
        prog="python -m evaluation", description="dekom-eval survey analysis"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="clean, score, estimate change and write the report")
    p.add_argument("--answers", required=True, help="answers table (.csv or .parquet)")
    p.add_argument(
        "--scales",
        required=True,
        help="scales file (questionnaires/scales.yaml), or the instrument folder (questionnaires/) "
        "for waves on several versions (the answers need instrument_version)",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--correction", default="holm", choices=["holm", "fdr_bh", "none"])
    p.add_argument(
        "--family",
        default="consecutive",
        choices=["consecutive", "all"],
        help="correction family: consecutive wave steps (first→last apart) or all pairs",
    )
    p.add_argument(
        "--frame",
        help="invited persons (.csv or .parquet): respondent_id, wave, "
        "role, fylke, responded [, network, kommune, school]; adds "
        "representativeness, weights and weighted change",
    )
    p.add_argument(
        "--weight-min-cell",
        type=int,
        default=10,
        help="collapse weighting cells with fewer respondents (default 10)",
    )
    p.add_argument(
        "--weight-trim",
        type=float,
        default=5.0,
        help="trim weights above this × the mean weight (default 5)",
    )
    p.add_argument(
        "--bootstrap",
        type=int,
        default=200,
        help="bootstrap replicates for the representativeness intervals",
    )
    p.add_argument("--by-fylke", action="store_true", help="change per role × fylke")
    p.add_argument(
        "--by",
        action="append",
        metavar="COLUMN",
        help="also group change by this column, e.g. kompetansenettverk (repeatable)",
    )
    p.add_argument("--no-figures", action="store_true")
    p.add_argument("--population", help="CSV with wave, role, fylke, invited (response rates)")
    p.add_argument("--cleaning", help="YAML file with cleaning settings")
    p.add_argument("--speeders", choices=["drop", "flag", "off"])
    p.add_argument("--speeder-fraction", type=float)
    p.add_argument("--straightlining", choices=["drop_if_reversed", "drop", "flag", "off"])
    p.add_argument("--partial", choices=["keep", "drop", "min_share", "off"])
    p.add_argument("--duplicates", choices=["keep_latest_complete", "off"])
    p.add_argument("--out-of-range", dest="out_of_range", choices=["drop", "flag", "off"])
    p.add_argument("--workers", type=int, default=2, help="processes for figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)
    try:  # the free-text coding subcommand lives in its own subpackage
        from .coding.cli import register
    except ImportError:
        pass
    else:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the chosen subcommand."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
