"""Dashboard for a wave of 20 000 invitations with responses: median GET time (target < 300 ms).

    .venv/bin/python bench/bench_dashboard.py [--n 20000] [--requests 30] [--database-url ...]

Builds the app on a fresh migrated database, loads N persons over 4 roles, 8 fylker and 24
networks, invites them all (sent), gives 60 % an opened link, 45 % a response (30 % complete,
spread over 40 days), then logs an evaluator in and times GET /console/dashboard (grouped by
role, by role x fylke x network, by role with the R-indicator recomputed, and the
non-responder page) through the Flask test client.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_invitations import build_app, make_panel, make_wave  # noqa: E402

PASSWORD = "benchmark-password-123"


def add_responses(wave, n: int, seed: int = 7) -> None:
    """Mark every invitation sent; open 60 %, start 45 %, complete 30 % (bulk statements)."""
    import sqlalchemy as sa

    from webapp.extensions import db
    from webapp.models import Invitation, Response, utcnow

    rng = random.Random(seed)
    launch = utcnow() - timedelta(days=40)
    wave.opens_at = launch
    db.session.execute(
        sa.update(Invitation)
        .where(Invitation.wave_id == wave.id)
        .values(status="sent", sent_at=launch)
    )
    rows = db.session.execute(
        sa.select(Invitation.id, Invitation.person_id).where(Invitation.wave_id == wave.id)
    ).all()
    version_for = {wq.role: wq.questionnaire_version_id for wq in wave.questionnaires}
    roles = dict(db.session.execute(sa.text("SELECT id, role FROM person")).all())
    opened, responses = [], []
    for inv_id, person_id in rows:
        u = rng.random()
        if u < 0.60:
            when = launch + timedelta(days=rng.uniform(0, 39))
            opened.append({"iid": inv_id, "at": when})
            if u < 0.45:
                complete = u < 0.30
                done = when + timedelta(hours=rng.uniform(0.1, 30)) if complete else None
                responses.append(
                    {
                        "invitation_id": inv_id,
                        "wave_id": wave.id,
                        "person_id": person_id,
                        "questionnaire_version_id": version_for[roles[person_id]],
                        "status": "complete" if complete else "in_progress",
                        "language": "nb",
                        "started_at": when,
                        "updated_at": done or when,
                        "submitted_at": done,
                        "revision": 1,
                    }
                )
    t = Invitation.__table__
    db.session.execute(
        t.update().where(t.c.id == sa.bindparam("iid")).values(opened_at=sa.bindparam("at")), opened
    )
    db.session.execute(sa.insert(Response), responses)
    db.session.execute(
        sa.text(
            "UPDATE invitation SET submitted_at = (SELECT submitted_at FROM response r WHERE r.invitation_id = invitation.id) "
            "WHERE id IN (SELECT invitation_id FROM response WHERE status = 'complete')"
        )
    )
    db.session.commit()


def timed(client, url: str, repeat: int, before=None) -> list[float]:
    """Milliseconds for ``repeat`` GETs of ``url`` (each must answer 200); ``before`` runs
    untimed ahead of each GET."""
    out = []
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return out


def main() -> None:
    """Build the data, time the pages, print median and p95."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from webapp.extensions import db
    from webapp.models import User

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(args.database_url, Path(tmp))
        with app.app_context():
            t0 = time.perf_counter()
            make_panel(args.n)
            wave = make_wave()
            add_responses(wave, args.n)
            user = User(email="bench@example.no", name="Bench", role="evaluator")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            wave_id = wave.id
            if db.engine.dialect.name == "postgresql":
                # autovacuum would do this within a minute on a live server; a fresh bulk load has no stats
                import sqlalchemy as sa

                db.session.execute(sa.text("ANALYZE"))
                db.session.commit()
            print(f"setup ({args.n} invitations with responses): {time.perf_counter() - t0:.1f} s")
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        login = client.post(
            "/auth/login",
            data={"email": "bench@example.no", "password": PASSWORD, "csrf_token": csrf},
        )
        assert login.status_code == 302, "login failed"
        from webapp.queries.dashboard import _representativeness

        # The R-indicator is cached on the counts; "new answers" clears the cache before each
        # GET, as when answers arrive between two loads of the page during a live wave.
        for label, url, before in (
            ("dashboard by role", f"/console/dashboard?wave={wave_id}&by=role", None),
            (
                "dashboard by role x fylke x network",
                f"/console/dashboard?wave={wave_id}&by=all",
                None,
            ),
            (
                "dashboard by role, new answers since the last load (R-indicator recomputed)",
                f"/console/dashboard?wave={wave_id}&by=role",
                _representativeness.cache_clear,
            ),
            ("non-responders (first 200)", f"/console/dashboard/{wave_id}/non-responders", None),
        ):
            timed(client, url, 2)  # warm-up
            times = sorted(timed(client, url, args.requests, before))
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(
                f"{label}: median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms "
                f"over {args.requests} GETs ({'PostgreSQL' if args.database_url else 'SQLite'})"
            )


if __name__ == "__main__":
    main()
