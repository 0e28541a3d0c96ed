"""Build an export from the test database (the same code path as the job and the CLI)."""

from __future__ import annotations

from pathlib import Path

from evaluation.export import ExportOptions
from webapp.exports.jobs import run_export


def build(app, out: Path, **options) -> dict:
    """Run the export job's builder with ``options`` into ``out``; return the manifest."""
    import json

    with app.app_context():
        run_export(ExportOptions(**options).describe(), out)
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def pseudonym_of(app, panel_id: str) -> str:
    """The exported id of a person."""
    from evaluation.export import pseudonym

    return pseudonym(app.config["PSEUDONYM_KEY"], panel_id)
