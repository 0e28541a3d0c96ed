"""The pages that start background jobs say the job worker takes them by itself (flask serve
starts it), never that someone must type `flask jobs run`; in bokmål and English."""

from __future__ import annotations

import pytest

from webapp.extensions import db
from webapp.infra import jobs
from webapp.models import User


@pytest.mark.parametrize(
    ("role", "path"),
    [("evaluator", "/console/jobs"), ("researcher", "/analysis/"), ("researcher", "/exports/")],
)
def test_job_pages_name_the_worker_not_a_command_to_type(app, auth, client, users, role, path):
    with app.app_context():
        user = db.session.query(User).filter_by(role=role).one()
        # a waiting export makes the export page show its hint
        jobs.enqueue("exports.build", {"waves": [2025]}, user=user)
    auth.login(f"{role}@example.no")
    nb = client.get(path).get_data(as_text=True)
    assert "jobs run" not in nb
    assert "jobbarbeideren" in nb.lower()
    en = client.get(path + "?lang=en").get_data(as_text=True)
    assert "jobs run" not in en
    assert "job worker" in en.lower()
