"""The researcher page starts a background export job; the zip downloads when it is done.
The CLI builds the same files directly."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from conftest import make_user  # tests/conftest.py

ROOT = Path(__file__).resolve().parents[2]


def _start(client, **overrides):
    data = {
        "waves": ["2021", "2023"],
        "roles": ["skoleeier", "skoleleder", "tillitsvalgt", "uh"],
        "layouts": ["wide", "waves"],
        "formats": ["csv", "sav", "dta", "xlsx", "parquet"],
        "data": "raw",
        "include_partial": "y",
        "scale_scores": "y",
        "themes": "y",
        "k": "5",
        "lang": "nb",
    }
    data.update(overrides)
    return client.post("/exports/", data=data)


def _run_jobs(app):
    from webapp.infra.jobs import run_pending

    with app.app_context():
        return [(j.id, j.status, j.error) for j in run_pending("exports.build", progress_bar=False)]


def test_researcher_exports_and_downloads_the_zip(app, client, auth, users, export_data):
    auth.login(users["researcher"])
    page = client.get("/exports/")
    assert page.status_code == 200 and b"Start eksport" in page.data
    # the hint shows the mark, escaped, instead of cutting the sentence off
    assert "vises som «&lt;k» i frekvenstabellen." in page.get_data(as_text=True)
    res = _start(client)
    assert res.status_code == 302
    listing = client.get("/exports/").get_data(as_text=True)
    assert ">i kø<" in listing and ">queued<" not in listing and 'http-equiv="refresh"' in listing
    done = _run_jobs(app)
    assert done and done[0][1] == "done", done
    job_id = done[0][0]
    listing = client.get("/exports/").get_data(as_text=True)
    assert f"/exports/jobs/{job_id}/download" in listing
    res = client.get(f"/exports/jobs/{job_id}/download")
    assert res.status_code == 200 and res.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(res.data)).namelist()
    for expected in (
        "dekom_wide.csv",
        "dekom_wide.sav",
        "dekom_wide.dta",
        "dekom_wide.xlsx",
        "dekom_wide.parquet",
        "dekom_wave_2021.sav",
        "codebook.html",
        "codebook.json",
        "codebook.csv",
        "ddi-codebook.xml",
        "manifest.json",
        "README.txt",
    ):
        assert expected in names
    detail = client.get(f"/exports/jobs/{job_id}").get_data(as_text=True)
    assert "dekom_wave_2023.sav" in detail
    # the options in words, not as parameter names
    assert "Rådata" in detail and "Skoleeiere, Skoleledere" in detail and "CSV (UTF-8)" in detail
    assert "free_text" not in detail and "cleaned" not in detail and "True" not in detail
    one = client.get(f"/exports/jobs/{job_id}/files/codebook.html")
    assert one.status_code == 200 and b"Kodebok" in one.data
    # the start and both downloads are in the audit trail
    from webapp.extensions import db
    from webapp.models import AuditEvent

    with app.app_context():
        events = [
            (e.action, e.actor, (e.after or {}).get("file"))
            for e in db.session.query(AuditEvent)
            .filter(AuditEvent.action.like("export.%"))
            .order_by(AuditEvent.id)
        ]
    assert events == [
        ("export.start", users["researcher"], None),
        ("export.download", users["researcher"], "export.zip"),
        ("export.download", users["researcher"], "codebook.html"),
    ]


def test_form_errors_are_named(app, client, auth, users, export_data):
    auth.login(users["researcher"])
    res = _start(client, formats=[], layouts=["nonsense"])
    assert res.status_code == 200
    text = res.get_data(as_text=True)
    assert "Velg minst ett format." in text and "error-summary" in text


@pytest.mark.parametrize(
    "path",
    ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "manifest.json/..", "/etc/passwd", "nope.csv"],
)
def test_downloads_are_path_traversal_safe(app, client, auth, users, export_data, path):
    auth.login(users["researcher"])
    _start(client, formats=["csv"], layouts=["wide"])
    job_id = _run_jobs(app)[0][0]
    res = client.get(f"/exports/jobs/{job_id}/files/{path}", follow_redirects=True)
    assert res.status_code == 404


def test_only_researchers_and_admins_and_only_their_own_jobs(app, client, auth, users, export_data):
    auth.login(users["researcher"])
    _start(client, formats=["csv"], layouts=["wide"])
    job_id = _run_jobs(app)[0][0]
    auth.logout()
    auth.login(users["evaluator"])
    assert client.get("/exports/").status_code == 403
    assert client.get(f"/exports/jobs/{job_id}/download").status_code == 403
    auth.logout()
    with app.app_context():
        other = make_user("researcher", email="other.researcher@example.no").email
    auth.login(other)
    assert client.get(f"/exports/jobs/{job_id}/download").status_code == 404
    auth.logout()
    auth.login(users["admin"])
    assert client.get(f"/exports/jobs/{job_id}/download").status_code == 200
    auth.logout()
    res = client.get("/exports/")
    assert res.status_code == 302 and "/auth/login" in res.headers["Location"]


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_starting_an_export_needs_the_csrf_token(app, client, auth, users, export_data):
    import re

    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/auth/login",
        data={
            "email": users["researcher"],
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert _start(client).status_code == 400
    from webapp.models import Job

    with app.app_context():
        assert Job.query.count() == 0


def test_cli_builds_all_formats(app, runner, export_data, tmp_path):
    out = tmp_path / "cli"
    res = runner.invoke(
        args=[
            "exports",
            "build",
            "--out",
            str(out),
            "--waves",
            "2021,2023",
            "--formats",
            "csv,parquet,sav,dta,xlsx",
            "--cleaned",
            "--free-text",
            "--layouts",
            "wide,waves,long",
        ]
    )
    assert res.exit_code == 0, res.output
    assert "dekom_wide.sav" in res.output and "zip:" in res.output
    for name in (
        "dekom_wide.csv",
        "dekom_wide.sav",
        "dekom_wave_2023.dta",
        "dekom_long.parquet",
        "dekom_long.csv",
        "codebook.html",
        "ddi-codebook.xml",
        "manifest.json",
        "export.zip",
        "cleaning_log.csv",
    ):
        assert (out / name).exists(), name


def test_cli_names_bad_options(app, runner, export_data, tmp_path):
    res = runner.invoke(args=["exports", "build", "--out", str(tmp_path), "--formats", "csv,pdf"])
    assert res.exit_code == 2 and "pdf not allowed" in res.output
    res = runner.invoke(args=["exports", "build", "--out", str(tmp_path), "--waves", "1999"])
    assert res.exit_code == 2 and "no responses match" in res.output


def test_the_analysis_library_reads_the_apps_own_long_export(app, runner, export_data, tmp_path):
    from evaluation import read_answers
    from evaluation.__main__ import main

    out = tmp_path / "long"
    res = runner.invoke(
        args=[
            "exports",
            "build",
            "--out",
            str(out),
            "--layouts",
            "long",
            "--formats",
            "csv,parquet",
            "--no-zip",
        ]
    )
    assert res.exit_code == 0, res.output
    for name in ("dekom_long.csv", "dekom_long.parquet"):
        answers = read_answers(out / name)
        assert {"respondent_id", "wave", "role", "item", "value", "missing_code"} <= set(
            answers.columns
        )
        assert not answers["item"].astype(str).str.startswith(("score_", "theme_")).any()
        assert answers["respondent_id"].nunique() > 1
    code = main(
        [
            "run",
            "--answers",
            str(out / "dekom_long.csv"),
            "--scales",
            str(ROOT / "questionnaires" / "scales.yaml"),
            "--out",
            str(tmp_path / "run"),
            "--no-figures",
            "--quiet",
        ]
    )
    assert code == 0 and (tmp_path / "run" / "change.csv").exists()
