"""Screenshots of the analysis page and report for docs/ (run on demand, not a test).

    .venv/bin/python tests/analysis/screenshots.py

Builds a demo database in a temporary folder, runs one analysis as the job runner would,
serves the app on loopback and photographs the pages with Debian's chromium.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import photograph  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402

OUT = ROOT / "docs" / "img"


def main() -> None:
    """Make docs/img/analysis-*.png."""
    tmp = Path(tempfile.mkdtemp())
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'db.sqlite'}",
            "SECRET_KEY": "screenshots-" + "x" * 40,
            "RATELIMIT_ENABLED": False,
        }
    )
    app.instance_path = str(tmp)
    with app.app_context():
        from flask_migrate import upgrade

        from webapp.demo.generator import load_demo
        from webapp.infra import jobs
        from webapp.models import Job

        upgrade(directory=str(ROOT / "migrations"))
        load_demo(size=400)
        db.session.commit()
        job = jobs.enqueue("analysis.run", {"figures": True, "by_fylke": False})
        jobs.run_job(job.id)
        assert db.session.get(Job, job.id).status == "done"
        job_id = job.id

    def shoot(browser, url: str) -> None:
        page = browser.new_page(viewport={"width": 1200, "height": 860})
        page.goto(url + "/auth/login")
        page.fill("#email", "forsker@dekom.local")
        page.fill("#password", "dekom-demo-2025")
        page.click("button[type=submit]")
        page.goto(url + "/analysis/")
        page.screenshot(path=str(OUT / "analysis-runs.png"))
        page.goto(url + f"/analysis/{job_id}/report")
        page.screenshot(path=str(OUT / "analysis-report.png"))
        page.locator("img").first.scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "analysis-report-figure.png"))

    photograph(app, shoot)
    print("wrote", *sorted(p.name for p in OUT.glob("analysis-*.png")))


if __name__ == "__main__":
    main()
