"""The researcher's analysis and export pages carry the console's language switch (Bokmål /
Nynorsk / English) like every other console page, and a page title that is not doubled."""

from __future__ import annotations

import pytest

from webapp.extensions import db
from webapp.infra import jobs
from webapp.models import User


@pytest.mark.parametrize("path", ["/analysis/", "/exports/", "/exports/jobs/{job}"])
def test_researcher_pages_switch_language(app, auth, client, users, path):
    with app.app_context():
        researcher = db.session.query(User).filter_by(role="researcher").one()
        job = jobs.enqueue("exports.build", {"waves": [2025]}, user=researcher)
        path = path.format(job=job.id)
    auth.login("researcher@example.no")
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'action="/auth/language/en"' in html
    assert "– –" not in html
    switched = client.post("/auth/language/en", data={"next": path}, follow_redirects=True)
    assert switched.status_code == 200 and '<html lang="en"' in switched.get_data(as_text=True)
