"""``flask analysis run``: the evaluation pipeline on the app's database."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..domain.analysis import database_inputs, run_on_database
from ..extensions import db


@click.group("analysis")
def cli() -> None:
    """Analysis of change across waves."""


@cli.command("run")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for tables, figures and report.html.",
)
@click.option("--by-fylke", is_flag=True, help="Also estimate change per fylke.")
@click.option("--no-figures", is_flag=True, help="Skip the figures (faster).")
@click.option(
    "--scales",
    type=click.Path(path_type=Path, exists=True),
    default=None,
    help="Another scales.yaml.",
)
@click.option(
    "--family",
    type=click.Choice(["consecutive", "all"]),
    default="consecutive",
    show_default=True,
    help="Correction family: the consecutive wave steps (first to last apart), or all wave pairs.",
)
@click.option(
    "--no-weights",
    is_flag=True,
    help="Skip the frame: no representativeness, weights or weighted change.",
)
@with_appcontext
def run(
    out_dir: Path,
    by_fylke: bool,
    no_figures: bool,
    scales: Path | None,
    family: str,
    no_weights: bool,
) -> None:
    """Clean, score and compare every wave in the database; write change.csv, report.html, ..."""
    from evaluation.load import AnswerTableError

    try:
        inputs = database_inputs(weights=not no_weights)
        db.session.commit()  # the stored suggestions; no write transaction open during the run
        result = run_on_database(
            out_dir,
            by_fylke=by_fylke,
            figures=not no_figures,
            progress=True,
            scales_path=scales,
            family_steps=family,
            weights=not no_weights,
            inputs=inputs,
        )
    except AnswerTableError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(2)
    for problem in result.problems:
        click.echo(f"note: {problem}", err=True)
    from ..domain.audit import record

    record("analysis.run", actor="cli", after={"out": str(out_dir), "files": len(result.files)})
    db.session.commit()
    click.echo(f"wrote {len(result.files)} files to {out_dir}; open {result.report_path}")
