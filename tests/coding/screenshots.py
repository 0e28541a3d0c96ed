"""Screenshots of the coding screen on the demo data for docs/img (run on demand, not a test).

    .venv/bin/python tests/coding/screenshots.py        # writes docs/img/coding-*.png

Loads the demo panel into a throw-away SQLite database. Two researchers then code the same 80
answers: each starts from the auto-coder's suggestions and, like a person, sometimes adds a theme
the dictionary only had weak evidence for and sometimes drops one (seeded, so the figures are
reproducible). The agreement figures on the screenshot are computed from those codes.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import _upgrade, photograph  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Answer, User  # noqa: E402

OUT = ROOT / "docs" / "img"
PASSWORD = "dekom-demo-2025"
CODERS = [("kari@example.no", "Kari Nordmann", 11), ("ola@example.no", "Ola Hansen", 23)]


def build(folder: Path):
    """An app on a migrated SQLite database with the demo panel, two researchers and their codes."""
    from webapp.demo.generator import load_demo
    from webapp.domain.coding import current_version, save_decisions, suggestion_for

    url = f"sqlite:///{folder / 'shots.sqlite'}"
    _upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": True,
            "SECRET_KEY": "screenshots-only-secret-key-0123456789abcdef",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        load_demo(seed=2023, size=400, password=PASSWORD)
        users = []
        for email, name, _seed in CODERS:
            user = User(email=email, name=name, role="researcher")
            user.set_password(PASSWORD)
            db.session.add(user)
            users.append(user)
        db.session.commit()
        from webapp.coding.queue import Filters, queue_ids

        version = current_version()
        order = queue_ids(version, Filters())
        shared = order[::3][:80]  # every third answer, so most of the queue is left to code
        for user, (_e, _n, seed) in zip(users, CODERS, strict=True):
            rng = random.Random(seed)
            for answer_id in shared:
                answer = db.session.get(Answer, answer_id)
                s = suggestion_for(version, answer)
                themes = {
                    x["theme"] for x in s.suggestions if x["assigned"] and rng.random() > 0.08
                }
                themes |= {
                    x["theme"] for x in s.suggestions if not x["assigned"] and rng.random() < 0.45
                }
                if rng.random() < 0.05:
                    themes.add(rng.choice(version.theme_codes))
                save_decisions(version, answer, user, themes, memo="")
        db.session.commit()
        # a resolver settles half of the disagreements, keeping a theme when either coder had it
        from webapp.coding.stats import manual_codes, pair_agreement
        from webapp.domain.coding import resolve

        result = pair_agreement(version, manual_codes(version), users[0].id, users[1].id)
        for answer_id in list(dict.fromkeys(result.disagreements["answer_id"]))[::2]:
            both = {
                t
                for t in version.theme_codes
                if result.a.loc[answer_id, t] or result.b.loc[answer_id, t]
            }
            resolve(version, db.session.get(Answer, answer_id), users[1], both)
        db.session.commit()
    return app


def login(page, base: str, email: str) -> None:
    """Log in through the form."""
    page.goto(base + "/auth/login")
    page.get_by_label("E-post").fill(email)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def shoot(browser, base: str) -> None:
    """The coding screen on an answer with several themes, the agreement page and the tables."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    page = ctx.new_page()
    login(page, base, CODERS[0][0])
    page.goto(base + "/coding/")
    page.locator(".coding-progress-card a.button").click()
    for _ in range(60):  # the first answer nobody has coded with evidence for three or more themes
        themes = set(page.locator("mark.ev").evaluate_all("els => els.map(e => e.dataset.themes)"))
        if len(themes) >= 3 and not page.get_by_text("kodet av deg").count():
            break
        with page.expect_navigation():
            page.keyboard.press("j")
    page.mouse.move(0, 0)
    page.screenshot(path=str(OUT / "coding-screen.png"), full_page=True)
    page.goto(base + "/coding/agreement")
    page.screenshot(path=str(OUT / "coding-agreement.png"), full_page=True)
    page.goto(base + "/coding/agreement/disagreements")
    page.locator(".disagreement").first.screenshot(path=str(OUT / "coding-disagreement.png"))
    page.goto(base + "/coding/tables")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / "coding-tables.png"), full_page=True)
    ctx.close()


def main() -> None:
    """Build the data and take the screenshots."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = build(Path(tmp))
        photograph(app, shoot)
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("coding-*.png"))))


if __name__ == "__main__":
    main()
