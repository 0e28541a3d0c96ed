"""``flask coding ...``: precompute suggestions, import a codebook, export .qdc/.qdpx and final codes."""

from __future__ import annotations

import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from ..domain.audit import record
from ..extensions import db
from ..models import Wave


@click.group("coding")
def cli() -> None:
    """Theme coding of free-text answers."""


def _wave_ids(years: tuple[int, ...]) -> list[int] | None:
    if not years:
        return None
    ids = []
    for year in years:
        found = list(db.session.scalars(sa.select(Wave.id).where(Wave.year == year)))
        if not found:
            known = sorted(set(db.session.scalars(sa.select(Wave.year))))
            raise click.BadParameter(
                f"no wave in {year}; waves exist for {', '.join(map(str, known)) or 'no year'}",
                param_hint="--wave",
            )
        ids.extend(found)
    return ids


@cli.command("suggest")
@click.option(
    "--wave", "years", type=int, multiple=True, help="Wave year (repeat for several); default all."
)
@with_appcontext
def suggest(years: tuple[int, ...]) -> None:
    """Run the auto-coder on answers that have no suggestion yet under the current codebook."""
    from ..domain.coding import answers_select, current_version, ensure_suggestions

    wave_ids = _wave_ids(years)
    version = current_version()
    started = time.perf_counter()
    n = ensure_suggestions(version, wave_ids)
    db.session.commit()
    total = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(answers_select(version, wave_ids).subquery())
        )
        or 0
    )
    click.echo(
        f"Codebook v{version.version_no}: {total} free-text answers; {n} coded by the auto-coder now, "
        f"{total - n} already had its suggestions ({time.perf_counter() - started:.1f} s)."
    )


@cli.command("import-codebook")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", default=None, help="What changed, for the version history.")
@with_appcontext
def import_codebook(path: Path, note: str | None) -> None:
    """Import a REFI-QDA .qdc or a codebook .yaml as a new codebook version."""
    from ..coding.files import CodebookFileError, codebook_from_upload
    from ..domain.coding import current_version, store_codebook

    items = current_version().definition.get("items", [])
    try:
        definition = codebook_from_upload(path.name, path.read_bytes(), items)
    except CodebookFileError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc).replace(path.name, str(path), 1)) from exc
    declared = None
    if path.suffix.lower() in (".yaml", ".yml"):
        from questionnaires import load_codebook

        declared = load_codebook(path).version
    version, created = store_codebook(
        definition, source=f"import {path.name}", note=note, declared=declared
    )
    db.session.commit()
    if created:
        click.echo(
            f"Imported {path} as codebook v{version.version_no} ({len(version.theme_codes)} themes)."
        )
    else:
        click.echo(f"{path} is identical to codebook v{version.version_no}; no new version.")


@cli.command("export-qdc")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_qdc(out: Path) -> None:
    """Write the current codebook as a REFI-QDA .qdc file."""
    from ..coding.files import qdc_bytes
    from ..domain.coding import current_version

    version = current_version()
    out.write_bytes(qdc_bytes(version))
    record("coding.export", actor="cli", target=version, after={"file": "qdc", "out": str(out)})
    db.session.commit()
    click.echo(f"Wrote codebook v{version.version_no} to {out}.")


@cli.command("export-qdpx")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_qdpx(out: Path) -> None:
    """Write the coded answers (final codes) as a REFI-QDA .qdpx project."""
    import tempfile

    from ..coding.files import qdpx_bytes
    from ..domain.coding import current_version

    version = current_version()
    with tempfile.TemporaryDirectory() as tmp:
        out.write_bytes(qdpx_bytes(version, Path(tmp)))
    record("coding.export", actor="cli", target=version, after={"file": "qdpx", "out": str(out)})
    db.session.commit()
    click.echo(f"Wrote the coded answers (codebook v{version.version_no}) to {out}.")


@cli.command("final-codes")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV file."
)
@click.option(
    "--wave", "years", type=int, multiple=True, help="Wave year (repeat for several); default all."
)
@with_appcontext
def final_codes_csv(out: Path, years: tuple[int, ...]) -> None:
    """Write one row per answer with a 0/1 column per theme (human codes, else the auto-coder)."""
    from ..domain.coding import final_codes

    frame = final_codes(_wave_ids(years))
    record(
        "coding.export",
        actor="cli",
        after={"file": "final-codes", "out": str(out), "rows": len(frame)},
    )
    db.session.commit()
    frame.to_csv(out, index=False)
    human = int((frame["coded_by"] == "human").sum())
    click.echo(f"Wrote {len(frame)} answers ({human} coded by researchers) to {out}.")


@cli.command("retrain")
@click.option(
    "--queue", is_flag=True, help="Queue a background job instead of training here and now."
)
@with_appcontext
def retrain(queue: bool) -> None:
    """Train the learned auto-coder on every decision so far and recompute the suggestions."""
    from ..domain.coding import current_version, refresh_suggestions
    from ..domain.coding_model import request_retrain, train_and_store

    version = current_version()
    if queue:
        job = request_retrain(version)
        click.echo(f"Queued job {job.id}; `flask jobs run` or the RQ worker runs it.")
        return
    started = time.perf_counter()
    meta = train_and_store(version)
    n = refresh_suggestions(version)
    record(
        "coding.retrain",
        target=version,
        actor="cli",
        after={k: meta[k] for k in ("model_no", "trained_on", "coder_answers")},
    )
    db.session.commit()
    click.echo(
        f"Codebook v{version.version_no}: model {meta['model_no']} trained on {meta['trained_on']} answers "
        f"({meta['coder_answers']} coded here) in {time.perf_counter() - started:.1f} s; "
        f"{n} suggestions recomputed."
    )


@cli.command("export-model")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the model file (for python -m evaluation code --model).",
)
@with_appcontext
def export_model(out: Path) -> None:
    """Copy the current codebook version's newest learned model file to OUT."""
    import shutil

    from ..domain.coding import current_version
    from ..domain.coding_model import latest_meta

    version = current_version()
    meta = latest_meta(version)
    if meta is None:
        raise click.ClickException(
            f"codebook v{version.version_no} has no learned model yet; "
            "run `flask coding retrain` first"
        )
    try:
        shutil.copyfile(meta["path"], out)
    except OSError as exc:
        raise click.ClickException(f"{out}: cannot write ({exc.strerror or exc})") from exc
    click.echo(
        f"Wrote model {meta['model_no']} (codebook v{version.version_no}, trained on "
        f"{meta['trained_on']} answers) to {out}."
    )
