"""Screenshots of the console pages for docs/evaluator.md (run on demand, not a test).

    .venv/bin/python tests/console/screenshots.py            # writes docs/img/console-*.png

Builds a throw-away SQLite database with the real questionnaires, a panel of 240 persons read
through the panel import, a wave with invitations sent to the outbox and responses spread over
three weeks, serves the app on loopback and drives Debian's chromium through Playwright.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import _upgrade, photograph  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402

OUT = ROOT / "docs" / "img"
PASSWORD = "skjermbilder-passord-123"
FIRST = [
    "Kari",
    "Ola",
    "Ingrid",
    "Lars",
    "Nora",
    "Erik",
    "Sofie",
    "Jonas",
    "Marte",
    "Henrik",
    "Silje",
    "Magnus",
    "Ida",
    "Sander",
    "Hanne",
    "Tor",
    "Line",
    "Eirik",
    "Ragnhild",
    "Sindre",
]
LAST = [
    "Nordmann",
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Bakken",
    "Lie",
]
PLACES = [
    ("Bergen", "Vestland", "Nettverk Bergen og omland"),
    ("Voss", "Vestland", "Nettverk Hordaland"),
    ("Bodø", "Nordland", "Salten kompetansenettverk"),
    ("Narvik", "Nordland", "Ofoten kompetansenettverk"),
    ("Trondheim", "Trøndelag", "Trondheimsregionen"),
    ("Steinkjer", "Trøndelag", "Innherred"),
    ("Hamar", "Innlandet", "Hedmarken"),
    ("Lillehammer", "Innlandet", "Gudbrandsdal"),
    ("Kristiansand", "Agder", "Kristiansandsregionen"),
    ("Tromsø", "Troms", "Tromsø-nettverket"),
]
ROLES = (
    "skoleeier",
    "skoleleder",
    "skoleleder",
    "skoleleder",
    "tillitsvalgt",
    "tillitsvalgt",
    "uh",
)
UH = {
    "Vestland": "Universitetet i Bergen",
    "Nordland": "Nord universitet",
    "Trøndelag": "NTNU",
    "Innlandet": "Høgskolen i Innlandet",
    "Agder": "Universitetet i Agder",
    "Troms": "UiT Norges arktiske universitet",
}


def panel_csv(n: int, rng: random.Random, bad: bool = False) -> str:
    """A panel file as the evaluator would get it from the schools' registers."""
    lines = [
        "navn;e-post;rolle;organisasjon;organisasjonsnummer;fylke;kompetansenettverk;ekstern_id"
    ]
    for i in range(n):
        kommune, fylke, nett = PLACES[i % len(PLACES)]
        role = ROLES[i % len(ROLES)]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        org = {"skoleeier": f"{kommune} kommune", "uh": UH[fylke]}.get(
            role, f"{rng.choice(['Nord', 'Sør', 'Øvre', 'Sentrum', 'Haugen'])} skole, {kommune}"
        )
        email = f"{first}.{last}{i}@{kommune.lower().replace('ø', 'o').replace('å', 'a')}.kommune.no".lower()
        lines.append(f"{first} {last};{email};{role};{org};;{fylke};{nett};DK-{i:04d}")
    if bad:
        lines += [
            "Per Feil;per.feil(at)voss.kommune.no;skoleleder;Voss skule;;Vestland;Nettverk Hordaland;DK-9001",
            "Anne Ukjent;anne@bodo.kommune.no;lærer;Bodø skole;;Nordland;;DK-9002",
            "Geir Gammel;geir@hamar.kommune.no;skoleleder;Hamar skole;;Hedmark;Hedmarken;DK-9003",
            lines[3].replace("DK-0002", "DK-9004"),
        ]
    return "\n".join(lines) + "\n"


def build(folder: Path):
    """App and data: users, questionnaires, panel, an open wave with responses, an old wave."""
    import sqlalchemy as sa

    from questionnaires import INSTRUMENT_DIR, instrument_files
    from webapp.domain import waves
    from webapp.domain.invitations import send_invitations
    from webapp.domain.panel_plan import apply_plan
    from webapp.domain.questionnaires import import_file
    from webapp.models import Invitation, Response, User, utcnow
    from webapp.readers.panel_file import parse_panel

    url = f"sqlite:///{folder / 'shots.sqlite'}"
    _upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": True,
            "SECRET_KEY": "screenshots-only-secret-key-0123456789abcdef",
            "RATELIMIT_ENABLED": False,
            "OUTBOX_DIR": str(folder / "outbox"),
            "PUBLIC_BASE_URL": "https://dekom-eval.example.no",
        }
    )
    rng = random.Random(2025)
    with app.app_context():
        for email, name, role in (
            ("admin@dekom.no", "Astrid Admin", "admin"),
            ("evaluator@dekom.no", "Eva Evaluator", "evaluator"),
            ("forsker@dekom.no", "Rune Forsker", "researcher"),
        ):
            user = User(email=email, name=name, role=role)
            user.set_password(PASSWORD)
            db.session.add(user)
        ids = {}
        for path in instrument_files(INSTRUMENT_DIR).values():
            version, _ = import_file(path)
            ids[version.role] = version.id
        db.session.commit()
        apply_plan(parse_panel("panel-2023.csv", panel_csv(240, rng).encode()))
        db.session.commit()
        old = waves.create_wave("Dekom 2023", 2023, ids)
        waves.invite_panel(old)
        waves.open_wave(old)
        waves.close_wave(old)
        wave = waves.create_wave("Dekom 2025", 2025, ids, closes_at=utcnow() + timedelta(days=10))
        waves.invite_panel(wave)
        waves.open_wave(wave)
        launch = utcnow() - timedelta(days=20)
        wave.opens_at = launch
        db.session.commit()
        send_invitations(wave.id)
        invs = list(db.session.scalars(sa.select(Invitation).where(Invitation.wave_id == wave.id)))
        invs[5].status, invs[5].last_error = (
            "failed",
            "recipient refused: 550 5.1.1 <"
            + invs[5].person.contact.email
            + ">: mailbox unavailable",
        )
        for inv in invs:
            inv.sent_at = launch
            u = rng.random() * (1.3 if inv.person.fylke in ("Vestland", "Trøndelag") else 1.0)
            if u < 0.7:
                when = launch + timedelta(days=min(19.5, rng.expovariate(1 / 5)))
                inv.opened_at = when
                if u < 0.55:
                    complete = u < 0.42
                    done = when + timedelta(hours=rng.uniform(0.2, 20)) if complete else None
                    if done and done > utcnow():
                        done = utcnow()
                    db.session.add(
                        Response(
                            invitation_id=inv.id,
                            wave_id=wave.id,
                            person_id=inv.person_id,
                            questionnaire_version_id=ids[inv.person.role],
                            language="nb",
                            revision=1,
                            status="complete" if complete else "in_progress",
                            started_at=when,
                            submitted_at=done,
                        )
                    )
                    inv.submitted_at = done
        db.session.commit()
        return app, wave.id, old.id


def login(page, base: str, email: str) -> None:
    """Log in through the form."""
    page.goto(f"{base}/auth/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def shoot(browser, base: str, wave_id: int, folder: Path) -> None:
    """Visit each console page and save a screenshot."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    login(page, base, "evaluator@dekom.no")

    def snap(name: str, url: str | None = None, full: bool = True) -> None:
        if url:
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / f"console-{name}.png"), full_page=full)

    snap("home", "/console/")
    csv_path = folder / "panel-2025.csv"
    csv_path.write_text(panel_csv(252, random.Random(2025), bad=True), encoding="utf-8")
    page.goto(base + "/console/panel")
    snap("panel", full=False)
    page.set_input_files("#file", str(csv_path))
    page.check("#mark_leavers")
    page.click("text=Les filen og vis endringene")
    page.wait_for_load_state("networkidle")
    snap("panel-preview")
    snap("waves", "/console/waves")
    snap("wave", f"/console/waves/{wave_id}")
    snap("mail-preview", f"/console/waves/{wave_id}/mail-preview?kind=invitation&mail_lang=nb")
    snap("dashboard", f"/console/dashboard?wave={wave_id}&by=fylke")
    snap("dashboard-network", f"/console/dashboard?wave={wave_id}&by=all", full=False)
    snap("non-responders", f"/console/dashboard/{wave_id}/non-responders", full=False)
    snap("dashboard-en", f"/console/dashboard?wave={wave_id}&by=role&lang=en", full=False)
    context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, base, "admin@dekom.no")
    snap("audit", "/console/audit", full=False)
    snap("users", "/console/users")
    context.close()


def main() -> None:
    """Take the screenshots."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app, wave_id, _ = build(Path(tmp))
        photograph(app, shoot, wave_id, Path(tmp))
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("console-*.png"))))


if __name__ == "__main__":
    main()
