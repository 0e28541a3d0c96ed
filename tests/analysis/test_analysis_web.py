"""Researchers run the analysis on the app's database from the CLI and the web, and read the report."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from webapp.extensions import db
from webapp.infra import jobs
from webapp.models import Job


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo", "load", "--size", "120", "--seed", "11"])
    assert result.exit_code == 0, result.output
    return app


def test_cli_writes_change_reliability_and_report_from_the_database(demo, runner, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(args=["analysis", "run", "--out", str(out), "--no-figures"])
    assert result.exit_code == 0, result.output
    change = pd.read_csv(out / "change.csv")
    for col in (
        "scale",
        "role",
        "wave_from",
        "wave_to",
        "method",
        "n_from",
        "n_to",
        "mean_from",
        "mean_to",
        "diff",
        "ci_low",
        "ci_high",
        "p",
        "p_adj",
        "effect_size",
    ):
        assert col in change.columns
    assert {2021, 2023} <= set(change["wave_from"]) | set(change["wave_to"])
    assert set(change["role"]) >= {"skoleleder", "tillitsvalgt"}
    reliability = pd.read_csv(out / "reliability.csv")
    assert {"scale", "wave", "role", "n", "alpha", "ci_low", "ci_high"} <= set(reliability.columns)
    assert (out / "cleaning_log.csv").exists()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<html" in report.lower()
    themes = pd.read_csv(out / "themes.csv")  # the demo's free text, coded by the auto-coder
    assert {"role", "wave", "theme", "n_answered", "count", "share"} <= set(themes.columns)
    assert len(set(themes["theme"])) == 10 and themes["count"].sum() > 0
    assert "Suksesskriterier og gode grep (fritekst)" in report
    # the invitations are the frame: representativeness, weights and weighted change
    rep = pd.read_csv(out / "representativeness.csv")
    assert {2021, 2023} <= set(rep["wave"]) and "R" in set(rep["indicator"])
    weights = pd.read_csv(out / "weights.csv")
    assert len(weights) > 0 and (weights["weight"] > 0).all()
    assert "weighted" in set(change["method"])
    # skoleledere's schools (and skoleeiere's kommuner) give the mixed model a second intercept
    lmm_leaders = change.loc[(change["method"] == "lmm") & (change["role"] == "skoleleder")]
    assert lmm_leaders["note"].str.contains("kommune/school clusters").all()
    assert "Representativitet (R-indikator)" in report


def test_cli_family_and_no_weights(demo, runner, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(
        args=[
            "analysis",
            "run",
            "--out",
            str(out),
            "--no-figures",
            "--family",
            "all",
            "--no-weights",
        ]
    )
    assert result.exit_code == 0, result.output
    change = pd.read_csv(out / "change.csv")
    assert change["correction"].str.endswith("(all wave pairs)").all()
    assert "weighted" not in set(change["method"])
    assert not (out / "representativeness.csv").exists()


def test_frame_from_the_database_is_every_invitation_with_responded(demo):
    from webapp.domain.analysis import invited_frame
    from webapp.models import Invitation, Response

    with demo.app_context():
        frame = invited_frame()
        invited = db.session.scalar(
            sa.select(sa.func.count()).select_from(Invitation).where(Invitation.status != "revoked")
        )
        complete = db.session.scalar(
            sa.select(sa.func.count()).select_from(Response).where(Response.status == "complete")
        )
    assert len(frame) == invited and frame["responded"].sum() == complete
    assert {"respondent_id", "wave", "role", "fylke", "network", "responded"} <= set(frame.columns)
    assert not frame.duplicated(["respondent_id", "wave"]).any()


def test_cli_on_empty_database_says_so(runner, tmp_path):
    result = runner.invoke(args=["analysis", "run", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "no numeric answers" in result.output


def test_researcher_starts_a_run_the_job_runs_outside_the_request_and_the_report_opens(
    demo, client, auth, users
):
    auth.login(users["researcher"])
    page = client.get("/analysis/")
    assert page.status_code == 200 and "Start analyse" in page.get_data(as_text=True)
    res = client.post("/analysis/start", data={"figures": ""}, follow_redirects=True)
    assert res.status_code == 200
    with demo.app_context():
        job = db.session.scalar(sa.select(Job).where(Job.kind == "analysis.run"))
        assert job.status == "queued", "the web request only queues the job"
        jobs.run_job(job.id)
        job = db.session.get(Job, job.id)
        assert job.status == "done", job.error
        job_id, files = job.id, job.result["files"]
    assert "change.csv" in files
    report = client.get(f"/analysis/{job_id}/report")
    assert report.status_code == 200 and report.mimetype == "text/html"
    english = client.get(f"/analysis/{job_id}/report?lang=en")
    assert (
        english.status_code == 200
        and b'<html lang="en">' in english.data
        and b"In short" in english.data
    )
    csp = report.headers["Content-Security-Policy"]
    assert "script-src 'none'" in csp and "style-src 'unsafe-inline'" in csp
    csv = client.get(f"/analysis/{job_id}/files/change.csv")
    assert csv.status_code == 200 and b"scale" in csv.data
    assert client.get(f"/analysis/{job_id}/files/../../dekom.sqlite").status_code == 404
    assert client.get(f"/analysis/{job_id}/files/run.json.bak").status_code == 404


def test_evaluators_and_anonymous_cannot_open_analysis(client, auth, users):
    assert client.get("/analysis/").status_code == 302
    auth.login(users["evaluator"])
    assert client.get("/analysis/").status_code == 403
