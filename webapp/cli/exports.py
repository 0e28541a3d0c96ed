"""``flask exports build``: build a researcher export from the database, with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from evaluation.export import FORMATS, LAYOUTS, OptionsError, SourceError


def _csv_list(
    value: str | None, allowed: tuple[str, ...] | None = None, name: str = ""
) -> list[str]:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    if allowed is not None:
        bad = [v for v in items if v not in allowed]
        if bad:
            raise click.BadParameter(
                f"{', '.join(bad)} not allowed; choose from {', '.join(allowed)}", param_hint=name
            )
    return items


@click.group("exports")
def cli() -> None:
    """Researcher exports (data files, codebook, DDI, manifest)."""


@cli.command("build")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for the files (created).",
)
@click.option("--waves", default="", help="Comma-separated years, e.g. 2021,2023 (default: all).")
@click.option("--roles", default="", help="Comma-separated roles (default: all).")
@click.option(
    "--layouts",
    default="wide,waves",
    show_default=True,
    help=f"Comma-separated: {', '.join(LAYOUTS)}.",
)
@click.option(
    "--formats",
    default=",".join(FORMATS),
    show_default=True,
    help=f"Comma-separated: {', '.join(FORMATS)}.",
)
@click.option("--cleaned", is_flag=True, help="Apply the evaluation's cleaning rules.")
@click.option("--free-text", is_flag=True, help="Include free-text answers (contact data removed).")
@click.option("--no-themes", is_flag=True, help="Leave out coded free-text themes.")
@click.option("--no-scores", is_flag=True, help="Leave out scale scores.")
@click.option("--include-in-progress", is_flag=True, help="Also export unsubmitted drafts.")
@click.option(
    "--k",
    "k",
    type=int,
    default=5,
    show_default=True,
    help="Smallest cell shown in frequency tables.",
)
@click.option("--lang", type=click.Choice(["nb", "nn", "en"]), default="nb", show_default=True)
@click.option("--csv-bom", is_flag=True, help="Start CSV files with a UTF-8 BOM (for Excel).")
@click.option("--no-zip", is_flag=True, help="Do not bundle the files into export.zip.")
@with_appcontext
def build(
    out_dir: Path,
    waves: str,
    roles: str,
    layouts: str,
    formats: str,
    cleaned: bool,
    free_text: bool,
    no_themes: bool,
    no_scores: bool,
    include_in_progress: bool,
    k: int,
    lang: str,
    csv_bom: bool,
    no_zip: bool,
) -> None:
    """Build an export into OUT from the app's database."""
    from flask import current_app
    from tqdm import tqdm

    from evaluation.export import ExportOptions, build_export, read_source

    from ..exports.jobs import contact_terms
    from ..extensions import db

    try:
        years = [int(w) for w in _csv_list(waves)]
    except ValueError:
        raise click.BadParameter(
            f"{waves!r}: give years separated by commas, e.g. 2021,2023", param_hint="--waves"
        ) from None
    statuses = ["complete", "partial"] + (["in_progress"] if include_in_progress else [])
    try:
        options = ExportOptions(
            layouts=_csv_list(layouts, LAYOUTS, "--layouts"),
            formats=_csv_list(formats, FORMATS, "--formats"),
            waves=years,
            roles=_csv_list(roles, None),
            statuses=statuses,
            cleaned=cleaned,
            free_text=free_text,
            themes=not no_themes,
            scale_scores=not no_scores,
            k=k,
            lang=lang,
            csv_bom=csv_bom,
        )
        source = read_source(
            db.engine, waves=years or None, roles=options.roles or None, statuses=statuses
        )
    except (OptionsError, SourceError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    with tqdm(desc="export", unit="step") as bar:

        def progress(done: int, total: int | None) -> None:
            if total is not None:
                bar.total = total
            bar.n = done
            bar.refresh()

        result = build_export(
            source,
            options,
            out_dir,
            pseudonym_key=current_app.config["PSEUDONYM_KEY"],
            progress=progress,
            zip_name=None if no_zip else "export.zip",
            redact_terms=contact_terms() if free_text else None,
        )
    from ..domain.audit import record
    from ..extensions import db

    record(
        "export.build",
        actor="cli",
        after={
            "out": str(out_dir),
            "formats": list(options.formats),
            "free_text": bool(free_text),
            "files": [f["file"] for f in result.manifest["files"]],
        },
    )
    db.session.commit()
    for f in result.manifest["files"]:
        click.echo(f"{f['file']}: {f['rows']} rows × {f['columns']} columns")
    for s in result.manifest["skipped"]:
        click.echo(f"skipped {s['file']}: {s['reason']}")
    for note in result.manifest["notes"]:
        click.echo(f"note: {note}")
    if result.zip_path:
        click.echo(f"zip: {result.zip_path}")
    click.echo(f"manifest: {result.directory / 'manifest.json'}")
