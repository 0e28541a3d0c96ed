"""Run the evaluation pipeline on the app's own database, as a job or from the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from flask import current_app

from questionnaires import INSTRUMENT_DIR

from ..extensions import db
from ..infra import jobs
from ..models import Invitation, Job, Organisation, Person, Response, Wave

KIND = "analysis.run"
REPORT_FILES = ("report.html", "change.csv", "reliability.csv", "cleaning_log.csv")


def analysis_root() -> Path:
    """Folder holding one sub-folder of results per analysis run."""
    return Path(current_app.instance_path) / "analysis"


def run_dir(job_id: int) -> Path:
    """Where the files of analysis job ``job_id`` are written."""
    return analysis_root() / f"run-{int(job_id)}"


def invited_population() -> pd.DataFrame:
    """Invited persons per wave (year), role and fylke, for response-rate figures."""
    stmt = (
        sa.select(
            Wave.year.label("wave"),
            Person.role,
            Person.fylke,
            sa.func.count(Invitation.id).label("invited"),
        )
        .join(Invitation, Invitation.wave_id == Wave.id)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.status != "revoked")
        .group_by(Wave.year, Person.role, Person.fylke)
    )
    return pd.DataFrame(
        db.session.execute(stmt).all(), columns=["wave", "role", "fylke", "invited"]
    )


def invited_frame() -> pd.DataFrame:
    """The frame for weighting: one row per invitation (revoked left out) with the person's
    panel id, wave (year), role, fylke, network, kommune, school and ``responded`` (1 when the
    response is complete)."""
    network = sa.orm.aliased(Organisation)
    org = sa.orm.aliased(Organisation)
    parent = sa.orm.aliased(Organisation)
    kommune = sa.case(
        (org.kind == "kommune", org.name),
        (sa.and_(org.kind == "skole", parent.kind == "kommune"), parent.name),
    )
    school = sa.case((org.kind == "skole", org.name))
    responded = sa.case((Response.status == "complete", 1), else_=0)
    stmt = (
        sa.select(
            Person.panel_id,
            Wave.year,
            Person.role,
            Person.fylke,
            network.name,
            kommune,
            school,
            responded,
        )
        .select_from(Invitation)
        .join(Wave, Wave.id == Invitation.wave_id)
        .join(Person, Person.id == Invitation.person_id)
        .outerjoin(network, network.id == Person.network_id)
        .outerjoin(org, org.id == Person.organisation_id)
        .outerjoin(parent, parent.id == org.parent_id)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.status != "revoked")
    )
    frame = pd.DataFrame(
        db.session.execute(stmt).all(),
        columns=[
            "respondent_id",
            "wave",
            "role",
            "fylke",
            "network",
            "kommune",
            "school",
            "responded",
        ],
    )
    # A person invited twice to one wave (an invitation re-issued) counts once: answered if any.
    frame = (
        frame.sort_values("responded", ascending=False)
        .drop_duplicates(["respondent_id", "wave"])
        .sort_values(["wave", "respondent_id"])
    )
    for col in ("kommune", "school"):  # drop a column nobody has: it would be one big cluster
        if frame[col].isna().all():
            frame = frame.drop(columns=col)
    return frame.reset_index(drop=True)


def database_inputs(weights: bool = True) -> dict[str, Any]:
    """The analysis' inputs from the database: answers, coded themes, codebook, population, frame.

    Coding the free text stores the auto-coder's suggestions (a write): the caller commits
    before the long computation, so no write transaction stays open while it runs (on SQLite
    that would lock out the job's heartbeat and every other writer).
    """
    from evaluation.load import read_database

    from .coding import current_version

    current_version()  # stores a new shipped codebook (a write) ...
    db.session.commit()  # ... in its own short transaction, not across the coding below
    answers = read_database(db.engine)
    themes, codebook = coded_themes()
    frame = invited_frame() if weights else pd.DataFrame()
    return {
        "answers": answers,
        "themes": themes,
        "codebook": codebook,
        "population": invited_population(),
        "frame": frame if len(frame) else None,
    }


def run_on_database(
    out_dir: Path,
    *,
    by_fylke: bool = False,
    figures: bool = True,
    progress: bool = False,
    scales_path: Path | None = None,
    family_steps: str = "consecutive",
    weights: bool = True,
    inputs: dict[str, Any] | None = None,
) -> Any:
    """Read every wave's answers from the database and run the whole analysis into ``out_dir``.

    By default the scales of every instrument version are used (``questionnaires/`` and its
    ``v2/``...): each response is scored with its own version's definitions, and the report
    says which trends continue and which restart. ``scales_path`` picks one scales file.
    The invitations are the frame (:func:`invited_frame`) for representativeness, weights and
    the weighted change, unless ``weights`` is False. ``inputs`` are :func:`database_inputs`
    read (and committed) beforehand; without them they are read here and the caller commits.
    """
    from evaluation.pipeline import run

    if inputs is None:
        inputs = database_inputs(weights)
    return run(
        inputs["answers"],
        scales_path or INSTRUMENT_DIR,
        out_dir,
        by=("role", "fylke") if by_fylke else ("role",),
        figures=figures,
        progress=progress,
        population=inputs["population"],
        source="dekom-eval-databasen",
        workers=2,
        themes=inputs["themes"],
        codebook=inputs["codebook"],
        frame=inputs["frame"],
        family_steps=family_steps,
    )


def coded_themes() -> tuple[pd.DataFrame | None, Any]:
    """Final theme codes of the free-text answers (human where coded, else the auto-coder)."""
    from .coding import current_version, final_codes

    codes = final_codes()
    if codes.empty:
        return None, None
    return codes, current_version().codebook


@jobs.register(KIND)
def analysis_job(job: Job, progress) -> dict:
    """Job: run the analysis for the web page; result lists the files written."""
    params = job.params or {}
    out = run_dir(job.id)
    if out.exists():
        shutil.rmtree(out)
    inputs = database_inputs()
    db.session.commit()  # the stored suggestions, before the long run (see database_inputs)
    progress(0, 1)
    result = run_on_database(
        out,
        by_fylke=bool(params.get("by_fylke")),
        figures=params.get("figures", True),
        inputs=inputs,
    )
    progress(1, 1)
    return {
        "out_dir": str(out),
        "files": sorted(p.relative_to(out).as_posix() for p in result.files if p.exists()),
        "problems": list(result.problems),
        "seconds": round(result.timings.get("total", 0.0), 1),
    }
