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
from ..models import Answer, Contact
from ..services.jobs import register

KIND = "exports.build"


def job_dir(job_id: int) -> Path:
    """The folder of one export job's files inside EXPORT_DIR."""
    return Path(current_app.config["EXPORT_DIR"]).resolve() / f"job_{int(job_id)}"


def contact_terms() -> list[str]:
    """Names and e-mail addresses of the panel, to redact from free text (never exported)."""
    rows = db.session.execute(sa.select(Contact.name, Contact.email)).all()
    return [t for row in rows for t in row if t and len(t.strip()) >= 3]


def confirmed_codes(source) -> pd.DataFrame | None:
    """Human-confirmed theme codes from the coding tables (read only), or None if there are none.

    An answer counts as confirmed when a resolver set its codes, or when every coder who
    coded it agrees on every theme; other answers keep the auto-coder's codes.
    """
    try:
        from ..models.coding import CodebookVersion, CodingDecision, CodingResolution
    except ImportError:  # coding tables not installed
        return None
    version = db.session.scalar(sa.select(CodebookVersion).order_by(
        CodebookVersion.version_no.desc()).limit(1))
    if version is None:
        return None
    ids = [int(i) for i in source.responses["response_id"]]
    answer_of = sa.select(Answer.id, Answer.response_id, Answer.item_code).where(
        Answer.response_id.in_(ids))
    answers = {a: (r, item) for a, r, item in db.session.execute(answer_of)}
    resolved: dict[int, dict[str, bool]] = {}
    for a, t, on in db.session.execute(sa.select(
            CodingResolution.answer_id, CodingResolution.theme_code, CodingResolution.applied)
            .where(CodingResolution.codebook_version_id == version.id)):
        resolved.setdefault(a, {})[t] = bool(on)
    votes: dict[int, dict[str, set[bool]]] = {}
    for a, t, on in db.session.execute(sa.select(
            CodingDecision.answer_id, CodingDecision.theme_code, CodingDecision.applied)
            .where(CodingDecision.codebook_version_id == version.id)):
        votes.setdefault(a, {}).setdefault(t, set()).add(bool(on))
    rows = []
    for a, (response_id, item) in answers.items():
        if a in resolved:
            themes = resolved[a]
        elif a in votes and all(len(v) == 1 for v in votes[a].values()):
            themes = {t: next(iter(v)) for t, v in votes[a].items()}
        else:
            continue
        applied = [t for t, on in themes.items() if on]
        rows += [{"response_id": response_id, "item": item, "theme": t} for t in applied] or \
            [{"response_id": response_id, "item": item, "theme": None}]
    return pd.DataFrame(rows, columns=["response_id", "item", "theme"]) if rows else None


def run_export(params: dict[str, Any], out_dir: Path, progress=None) -> dict[str, Any]:
    """Build an export with ``params`` (ExportOptions fields) into ``out_dir``; return a summary."""
    options = ExportOptions.from_mapping(params)
    source = read_source(db.engine, waves=options.waves or None, roles=options.roles or None,
                         statuses=options.statuses or None)
    redact = contact_terms() if options.free_text else None
    if options.themes:
        source.coded_themes = confirmed_codes(source)
    result = build_export(source, options, out_dir, pseudonym_key=current_app.config["PSEUDONYM_KEY"],
                          progress=progress, redact_terms=redact)
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
