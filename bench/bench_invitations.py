"""Send 10 000 invitations to a real SMTP server on loopback and time it (target: under 60 s).

    .venv/bin/python bench/bench_invitations.py [--n 10000] [--database-url postgresql://...]

Builds the app on a fresh migrated database (SQLite in a temp folder unless --database-url),
imports the real questionnaires, loads N persons, creates the invitations, starts an aiosmtpd
server on 127.0.0.1 that counts what it accepts, then runs the same send function the job runs
(claim, send, mark per message; one SMTP connection per 500 messages). Prints the time and rate.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FYLKER = ("Agder", "Innlandet", "Nordland", "Oslo", "Rogaland", "Trøndelag", "Vestland", "Viken")
ROLES = ("skoleeier", "skoleleder", "tillitsvalgt", "uh")


def build_app(database_url: str | None, folder: Path):
    """A migrated app on ``database_url`` (or a temp SQLite file) with the real questionnaires."""
    from flask_migrate import upgrade

    from questionnaires import INSTRUMENT_DIR, instrument_files
    from webapp import create_app
    from webapp.domain.questionnaires import import_file
    from webapp.extensions import db

    url = database_url or f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret-key-0123456789-abcdefghij",
            "OUTBOX_DIR": str(folder / "outbox"),
            "REDIS_URL": None,
            "SMTP_HOST": None,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        for path in instrument_files(INSTRUMENT_DIR).values():
            import_file(path)
        db.session.commit()
    return app


def make_panel(n: int) -> None:
    """N persons with contacts spread over roles, 8 fylker and 24 networks (bulk insert)."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.models import Contact, Organisation, Person, new_panel_id

    networks = [
        Organisation(kind="kompetansenettverk", name=f"Nettverk {i}", fylke=FYLKER[i % len(FYLKER)])
        for i in range(24)
    ]
    db.session.add_all(networks)
    db.session.flush()
    db.session.execute(
        sa.insert(Person),
        [
            {
                "panel_id": new_panel_id(),
                "role": ROLES[i % 4],
                "fylke": FYLKER[i % len(FYLKER)],
                "network_id": networks[i % 24].id,
                "external_id": f"B{i}",
            }
            for i in range(n)
        ],
    )
    ids = db.session.scalars(sa.select(Person.id).order_by(Person.id)).all()
    db.session.execute(
        sa.insert(Contact),
        [
            {"person_id": pid, "name": f"Person {i}", "email": f"person{i}@bench.example.no"}
            for i, pid in enumerate(ids)
        ],
    )
    db.session.commit()


def make_wave():
    """An open wave with the latest questionnaire per role and invitations for the whole panel."""
    from webapp.domain import waves
    from webapp.domain.questionnaires import latest_version
    from webapp.extensions import db

    wave = waves.create_wave("Bench 2025", 2025, {r: latest_version(r).id for r in ROLES})
    waves.open_wave(wave)
    waves.invite_panel(wave)
    db.session.commit()
    return wave


def free_port() -> int:
    """A free TCP port on loopback."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingHandler:
    """Accepts every message and counts it (an SMTP server that does no work of its own)."""

    def __init__(self, counter) -> None:
        self.counter = counter

    async def handle_DATA(self, server, session, envelope):
        with self.counter.get_lock():
            self.counter.value += 1
        return "250 OK"


def _serve(port: int, counter, ready, stop) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(CountingHandler(counter), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class SmtpServerProcess:
    """aiosmtpd in its own process, as a real mail server would be (no GIL shared with the sender)."""

    def __init__(self) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.port = free_port()
        self.counter = ctx.Value("i", 0)
        self.ready, self.stop_event = ctx.Event(), ctx.Event()
        self.process = ctx.Process(
            target=_serve, args=(self.port, self.counter, self.ready, self.stop_event)
        )

    def __enter__(self) -> SmtpServerProcess:
        self.process.start()
        if not self.ready.wait(30):
            raise RuntimeError("SMTP server process did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        self.process.join(10)

    @property
    def count(self) -> int:
        """Messages accepted so far."""
        return self.counter.value


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from webapp.domain.invitations import send_invitations

    with tempfile.TemporaryDirectory() as tmp, SmtpServerProcess() as server:
        app = build_app(args.database_url, Path(tmp))
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
        with app.app_context():
            t0 = time.perf_counter()
            make_panel(args.n)
            wave = make_wave()
            setup = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = send_invitations(wave.id, "nb")
            elapsed = time.perf_counter() - t0
        accepted = server.count
    db_kind = "PostgreSQL" if args.database_url else "SQLite"
    print(f"setup ({args.n} persons + invitations): {setup:.1f} s")
    print(
        f"sent {result['sent']} invitations ({accepted} accepted by SMTP) on {db_kind} "
        f"in {elapsed:.1f} s = {result['sent'] / elapsed:.0f} mails/s (target: {args.n} in < 60 s)"
    )
    if accepted != args.n or result["sent"] != args.n:
        sys.exit("not every invitation was delivered exactly once")


if __name__ == "__main__":
    main()
