"""The ``exports.build`` background job: read the database, build the export into EXPORT_DIR."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask import current_app

from evaluation.export import ExportOptions, build_export, read_source

from ..extensions import db
from ..infra.jobs import register
from ..models import Answer, Contact

KIND = "exports.build"


def job_dir(job_id: int) -> Path:
    """The folder of one export job's files inside EXPORT_DIR."""
    return Path(current_app.config["EXPORT_DIR"]).resolve() / f"job_{int(job_id)}"


def contact_terms() -> list[str]:
    """Names and e-mail addresses of the panel, to redact from free text (never exported)."""
    rows = db.session.execute(sa.select(Contact.name, Contact.email)).all()
    return [t for row in rows for t in row if t and len(t.strip()) >= 3]


def confirmed_codes(source) -> pd.DataFrame | None:
    """Human theme codes for the exported responses, or None if no researcher has coded any.

    Uses the coding screen's own rule (``webapp.domain.coding.final_codes``): a resolver's
    codes, else the codes the human coders agree on, with the auto-coder breaking ties on the
    disputed themes only; answers nobody coded keep the auto-coder's codes in the export.
    """
    from ..domain.coding import final_codes

    codes = final_codes()
    human = codes.loc[codes["coded_by"] == "human"] if len(codes) else codes
    if human.empty:
        return None
    wanted = {int(i) for i in source.responses["response_id"]}
    response_of = dict(
        db.session.execute(
            sa.select(Answer.id, Answer.response_id).where(
                Answer.id.in_([int(a) for a in human["answer_id"]])
            )
        ).all()
    )
    theme_cols = [c for c in human.columns if c.startswith("theme_")]
    rows = []
    for rec in human.to_dict("records"):
        response_id = response_of.get(int(rec["answer_id"]))
        if response_id not in wanted:
            continue
        applied = [c[len("theme_") :] for c in theme_cols if rec[c]]
        rows += [
            {"response_id": response_id, "item": rec["item"], "theme": t} for t in applied
        ] or [{"response_id": response_id, "item": rec["item"], "theme": None}]
    return pd.DataFrame(rows, columns=["response_id", "item", "theme"]) if rows else None


def run_export(params: dict[str, Any], out_dir: Path, progress=None) -> dict[str, Any]:
    """Build an export with ``params`` (ExportOptions fields) into ``out_dir``; return a summary."""
    options = ExportOptions.from_mapping(params)
    source = read_source(
        db.engine,
        waves=options.waves or None,
        roles=options.roles or None,
        statuses=options.statuses or None,
    )
    redact = contact_terms() if options.free_text else None
    if options.themes:
        source.coded_themes = confirmed_codes(source)
    result = build_export(
        source,
        options,
        out_dir,
        pseudonym_key=current_app.config["PSEUDONYM_KEY"],
        progress=progress,
        redact_terms=redact,
    )
    return {
        "zip": result.zip_path.name if result.zip_path else None,
        "files": [p.name for p in result.files],
        "rows": {f["file"]: f["rows"] for f in result.manifest["files"]},
        "skipped": result.manifest["skipped"],
        "responses": result.manifest["counts"]["responses"],
        "seconds": result.timings.get("zip"),
    }


@register(KIND)
def export_job(job, progress) -> dict[str, Any]:
    """Job function: build the export of ``job.params`` into EXPORT_DIR/job_<id>/."""
    out = job_dir(job.id)
    if out.exists():  # a re-run after a crash starts clean
        shutil.rmtree(out)
    summary = run_export(dict(job.params or {}), out, progress)
    summary["dir"] = out.name
    return summary
