"""``flask questionnaires validate|import|list|diff|convert``: check, store, compare and convert the instrument."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

import questionnaires as instrument

from ..domain.audit import record
from ..domain.questionnaires import import_file
from ..extensions import db
from ..models import QuestionnaireVersion


@click.group("questionnaires")
def questionnaires_cli() -> None:
    """Validate, import and list questionnaires."""


@questionnaires_cli.command("validate")
@click.argument("path", type=click.Path(path_type=Path), default=instrument.INSTRUMENT_DIR)
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. missing nn/en text) as errors.")
@click.option(
    "--role",
    type=click.Choice(instrument.ROLES),
    help="XLSForm: the role, when the settings sheet has none.",
)
def validate(path: Path, strict: bool, role: str | None) -> None:
    """Check PATH (YAML file or folder, or an XLSForm); list every problem with its place; exit 1 on errors."""
    if path.is_file() and path.suffix.lower() in instrument.XLSFORM_SUFFIXES:
        from questionnaires.xlsform import read_xlsform

        _, problems = read_xlsform(path, role=role, name=str(path))
    else:
        problems = instrument.validate_path(path)
    errors = instrument.errors(problems)
    for p in problems:
        click.echo(str(p), err=True)
    failed = errors or (strict and problems)
    n_warn = len(problems) - len(errors)
    if failed:
        click.echo(f"{len(errors)} error(s), {n_warn} warning(s) in {path}", err=True)
        sys.exit(1)
    click.echo(f"OK: {path} is valid ({n_warn} warning(s))")


@questionnaires_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path), default=instrument.INSTRUMENT_DIR)
@with_appcontext
def import_(path: Path) -> None:
    """Store each questionnaire in PATH as a new immutable version if its content changed.

    A folder is imported with its version folders (``v2/`` ...), oldest version first.
    """
    if path.is_dir():
        files = [
            f for roles in instrument.instrument_versions(path).values() for f in roles.values()
        ]
    else:
        files = [path]
    problems = instrument.validate_path(path)
    if instrument.errors(problems):
        for p in instrument.errors(problems):
            click.echo(str(p), err=True)
        sys.exit(1)
    for f in files:
        version, created = import_file(f)
        if created:
            record(
                "questionnaire.import", target=version, after={"label": version.label}, actor="cli"
            )
        click.echo(f"{'new' if created else 'unchanged'}: {version.label}")
    db.session.commit()


@questionnaires_cli.command("list")
@with_appcontext
def list_() -> None:
    """List stored questionnaire versions."""
    for v in db.session.scalars(
        sa.select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.code, QuestionnaireVersion.version_no
        )
    ):
        click.echo(f"{v.label}  role={v.role}  imported={v.created_at:%Y-%m-%d %H:%M}")


def _load_for_diff(spec: str) -> instrument.Questionnaire:
    """A questionnaire from a file path, or a stored version given as CODE:vN, CODE:N or its id."""
    from ..domain.questionnaires import find_version

    path = Path(spec)
    if path.is_file():
        try:
            return instrument.load_any(path)
        except instrument.InstrumentError as exc:
            for p in exc.problems:
                click.echo(str(p), err=True)
            sys.exit(1)
    version = find_version(spec)
    if version is None:
        click.echo(
            f"{spec}: neither a file nor a stored version (give a path, CODE:vN or a version id)",
            err=True,
        )
        sys.exit(1)
    return version.questionnaire


@questionnaires_cli.command("diff")
@click.argument("old")
@click.argument("new")
@click.option(
    "--scales",
    "scales_path",
    type=click.Path(path_type=Path),
    help="The analysis scales file of NEW (default: the scales.yaml of NEW's instrument version).",
)
@click.option(
    "--old-scales",
    "old_scales_path",
    type=click.Path(path_type=Path),
    help="The scales file that went with OLD (default: OLD's version's, when it differs from NEW's).",
)
@with_appcontext
def diff(old: str, new: str, scales_path: Path | None, old_scales_path: Path | None) -> None:
    """List what changed from OLD to NEW (files or stored versions); flags breaks of comparability."""
    from questionnaires.diff import diff_questionnaires

    old_q, new_q = _load_for_diff(old), _load_for_diff(new)
    files = instrument.scale_files()
    default = instrument.INSTRUMENT_DIR / "scales.yaml"
    scales_path = scales_path or files.get(new_q.instrument_version, default)
    if old_scales_path is None and old_q.instrument_version != new_q.instrument_version:
        old_scales_path = files.get(old_q.instrument_version, default)
    try:
        scales = instrument.load_scales(scales_path)
        old_scales = instrument.load_scales(old_scales_path) if old_scales_path else None
    except instrument.InstrumentError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        sys.exit(1)
    result = diff_questionnaires(old_q, new_q, scales=scales, old_scales=old_scales)
    for line in result.lines():
        click.echo(line)
    broken = result.broken_scales()
    click.echo(
        f"{len(result.changes)} change(s); "
        + (
            f"comparability broken for scale(s): {', '.join(broken)}"
            if broken
            else "no scale's comparability broken"
        )
    )


@questionnaires_cli.command("convert")
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("target", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--role",
    type=click.Choice(instrument.ROLES),
    help="XLSForm: the role, when the settings sheet has none.",
)
def convert(source: Path, target: Path, role: str | None) -> None:
    """Convert between XLSForm (.xlsx/.xls) and YAML, the direction taken from the extensions.

    Nothing is written unless SOURCE converts without errors; problems are listed with their place.
    """
    from questionnaires.writer import dump_yaml
    from questionnaires.xlsform import read_xlsform, write_xlsform

    src, dst = source.suffix.lower(), target.suffix.lower()
    if src in instrument.XLSFORM_SUFFIXES and dst in (".yaml", ".yml"):
        q, problems = read_xlsform(source, role=role, name=str(source))
    elif src in (".yaml", ".yml") and dst == ".xlsx":
        q, problems = instrument.parse_questionnaire(source)
    else:
        click.echo(
            f"cannot convert {source.name} to {target.name}: give .xlsx/.xls and .yaml, or .yaml and .xlsx",
            err=True,
        )
        sys.exit(1)
    for p in problems:
        click.echo(str(p), err=True)
    if q is None or instrument.errors(problems):
        click.echo(
            f"{len(instrument.errors(problems))} error(s) in {source}; nothing written", err=True
        )
        sys.exit(1)
    if dst == ".xlsx":
        write_xlsform(q, target)
    else:
        target.write_text(dump_yaml(q), encoding="utf-8")
    click.echo(f"wrote {target} ({len(q.item_codes())} items, {len(q.pages)} pages)")
